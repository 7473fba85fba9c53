#!/usr/bin/env python3
"""Compiles every ```csharp block of README.md and docs/*.md against the library, as written.

Each block becomes a method of its own (its `using` lines go to the top of its file). A block that continues the
page's story may use the page's usual names without declaring them, and gets them as parameters: mlContext (an
MLContext), data, train, test, normalRows, testRows (IDataView) and model (an ITransformer). Everything else a block uses, it must declare or
import itself. Run by ./build.sh test; prints each failing block's file and the compiler's message.
"""
import glob, os, re, subprocess, sys, tempfile

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
given = {"mlContext": "Microsoft.ML.MLContext", "train": "Microsoft.ML.IDataView", "test": "Microsoft.ML.IDataView",
         "normalRows": "Microsoft.ML.IDataView", "testRows": "Microsoft.ML.IDataView", "data": "Microsoft.ML.IDataView",
         "model": "Microsoft.ML.ITransformer"}
work = tempfile.mkdtemp(prefix="doc-snippets-")
blocks = []
for path in [os.path.join(root, "README.md")] + sorted(glob.glob(os.path.join(root, "docs", "*.md"))):
    text = open(path, encoding="utf-8").read()
    for match in re.finditer(r"```csharp\n(.*?)```", text, re.S):
        line = text[:match.start()].count("\n") + 2
        code = match.group(1).splitlines()
        usings = [l for l in code if re.match(r"^using [A-Za-z0-9_.]+;\s*$", l)]
        body = [l for l in code if l not in usings]
        source = "\n".join(body)
        parameters = ", ".join(f"{t} {n}" for n, t in given.items()
                               if re.search(rf"\b{n}\b", source) and not re.search(rf"\b(var|IDataView|MLContext|ITransformer)\s+{n}\b", source))
        index = len(blocks)
        blocks.append(f"{os.path.relpath(path, root)}:{line}")
        with open(os.path.join(work, f"Snippet{index}.cs"), "w", encoding="utf-8") as f:
            # Blank lines keep the block's own line numbers; #line points the compiler's messages at the page.
            f.write("\n".join(l if l in usings else "" for l in code) + "\n"
                    + f"namespace Snippet{index}\n{{\nstatic class Block\n{{\nstatic void Run({parameters})\n{{\n"
                    + f"#line {line} \"{os.path.relpath(path, root)}\"\n"
                    + "\n".join("" if l in usings else l for l in code) + "\n}\n}\n}\n")

project = f"""<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <ImplicitUsings>enable</ImplicitUsings>
    <ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally>
    <!-- Blocks show calls whose results the page does not go on to use. -->
    <NoWarn>CS0168;CS0219;CS8321;CS1998</NoWarn>
  </PropertyGroup>
  <ItemGroup>
    <ProjectReference Include="{root}/src/Microsoft.ML.Autoencoders/Microsoft.ML.Autoencoders.csproj" />
    <ProjectReference Include="{root}/src/Microsoft.ML.Autoencoders.Plotting/Microsoft.ML.Autoencoders.Plotting.csproj" />
    <PackageReference Include="Microsoft.ML.ImageAnalytics" Version="6.0.0" />
  </ItemGroup>
</Project>
"""
open(os.path.join(work, "DocSnippets.csproj"), "w").write(project)
result = subprocess.run(["dotnet", "build", work, "-c", "Release", "-nologo", "-v", "q"], capture_output=True, text=True)
errors = sorted({l.split(" [")[0].replace(work + "/", "") for l in result.stdout.splitlines() if ": error " in l})
if result.returncode != 0:
    print(f"Code blocks that do not compile as written ({len(errors)} errors):")
    for e in errors: print("  " + e)
    sys.exit(1)
print(f"Doc code blocks: all {len(blocks)} compile.")
