#!/usr/bin/env bash
# Tries the packed NuGet packages as a new user would: a fresh console app in a temporary folder that references
# the library by its package id and version only, with the README's "Use it" code as its Program.cs, built and run on
# a small data file written here. Run `./build.sh pack` first (or `./build.sh test-packages`, which packs and runs this).
#
# Sources: the repository's nuget.config when it has one, else the machine's own NuGet configuration (nothing is
# cleared), plus artifacts/packages. Our packages are restored into a package folder of the app's own, so a stale copy
# of the same version in the machine's cache cannot stand in for the one just packed; everything else comes from the
# machine's cache (a fallback folder) or its usual sources.
#
# Usage: build/test-packages.sh [--keep]   (--keep leaves the app's folder in place and prints where it is)
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
packages="$repo/artifacts/packages"
keep=false
[ "${1:-}" = "--keep" ] && keep=true
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

fail() { echo "test-packages: $*" >&2; exit 1; }

# The id and version the project file gives, so this follows any rename or version bump.
library="$repo/src/Microsoft.ML.Autoencoders/Microsoft.ML.Autoencoders.csproj"
properties="$(dotnet msbuild "$library" -getProperty:PackageId -getProperty:Version)"
id="$(python3 -c 'import json,sys; print(json.load(sys.stdin)["Properties"]["PackageId"])' <<<"$properties")"
version="$(python3 -c 'import json,sys; print(json.load(sys.stdin)["Properties"]["Version"])' <<<"$properties")"
[ -f "$packages/$id.$version.nupkg" ] || fail "no $packages/$id.$version.nupkg: run ./build.sh pack first."

app_root="$(mktemp -d "${TMPDIR:-/tmp}/autoencoders-package-test.XXXXXX")"
if $keep; then echo "App folder: $app_root"; else trap 'rm -rf "$app_root"' EXIT; fi
app="$app_root/App"

# The machine's package cache, used read-only as a fallback folder.
machine_cache="${NUGET_PACKAGES:-$HOME/.nuget/packages}"
if [ -f "$repo/nuget.config" ]; then
  cp "$repo/nuget.config" "$app_root/nuget.config"
else
  printf '<?xml version="1.0" encoding="utf-8"?>\n<configuration>\n  <packageSources />\n</configuration>\n' >"$app_root/nuget.config"
fi
dotnet nuget add source "$packages" --name autoencoders-local --configfile "$app_root/nuget.config" >/dev/null
dotnet nuget config set globalPackagesFolder "$app_root/packages" --configfile "$app_root/nuget.config" >/dev/null 2>&1 ||
  fail "could not set the app's own package folder in its nuget.config."
python3 - "$app_root/nuget.config" "$machine_cache" <<'PY'
import sys, xml.etree.ElementTree as ET
path, cache = sys.argv[1], sys.argv[2]
tree = ET.parse(path)
folders = tree.getroot().find("fallbackPackageFolders")
if folders is None:
    folders = ET.SubElement(tree.getroot(), "fallbackPackageFolders")
ET.SubElement(folders, "add", key="machine-cache", value=cache)
tree.write(path, encoding="utf-8", xml_declaration=True)
PY
unset NUGET_PACKAGES   # the nuget.config's globalPackagesFolder decides

dotnet new console --output "$app" --name App --no-restore >/dev/null

# The README's "Use it" block: the first ```csharp block under that heading, found as build/check-doc-snippets.py finds blocks.
python3 - "$repo/README.md" "$app/Program.cs" <<'PY'
import re, sys
readme, program = sys.argv[1], sys.argv[2]
text = open(readme, encoding="utf-8").read()
section = re.search(r"^## Use it\n(.*?)(?=^## |\Z)", text, re.S | re.M)
block = section and re.search(r"```csharp\n(.*?)```", section.group(1), re.S)
if not block:
    sys.exit('test-packages: README.md has no ```csharp block under "## Use it".')
# After the README's code, the app reloads what it saved in a fresh MLContext and scores with it.
check = """
// Added by build/test-packages.sh: the saved model loads back and gives one code per row.
var reloadContext = new MLContext();
ITransformer reloaded = reloadContext.Model.Load("model.zip", out _);
float[][] codes = reloaded.Transform(trainingData).GetColumn<float[]>("Encoded").ToArray();
var finite = codes.All(row => row.All(float.IsFinite));
Console.WriteLine($"rows {codes.Length}, code size {codes[0].Length}, finite {finite}");
"""
open(program, "w", encoding="utf-8").write(block.group(1) + check)
PY

# A small stand-in for the README's mnist-train.tsv: a label and 784 pixels in [0, 1], two classes that differ in which
# half of the image is bright, so the classifier after the autoencoder has two labels to learn.
rows=40
python3 - "$app/mnist-train.tsv" "$rows" <<'PY'
import random, sys
path, rows = sys.argv[1], int(sys.argv[2])
rng = random.Random(15)
with open(path, "w") as f:
    for r in range(rows):
        label = r % 2
        pixels = [min(1.0, max(0.0, (0.8 if (i < 392) == (label == 0) else 0.1) + rng.gauss(0, 0.1))) for i in range(784)]
        f.write("\t".join([str(label)] + [f"{p:.3f}" for p in pixels]) + "\n")
PY

cd "$app"
echo "Adding $id $version to a fresh console app ..."
dotnet add package "$id" --version "$version" >"$app_root/add.log" 2>&1 || { cat "$app_root/add.log" >&2; fail "dotnet add package failed."; }
[ -d "$app_root/packages/$(tr '[:upper:]' '[:lower:]' <<<"$id")/$version" ] || fail "$id $version was not restored from $packages."
echo "Building and running the README's code ..."
dotnet build -c Release -nologo -v q >"$app_root/build.log" 2>&1 || { grep -E "error|warn" "$app_root/build.log" >&2 || cat "$app_root/build.log" >&2; fail "the app does not build."; }
output="$(dotnet run -c Release --no-build 2>&1)" || { echo "$output" >&2; fail "the app exited with an error."; }
echo "$output"
expected="rows $rows, code size 64, finite True"
grep -qx "$expected" <<<"$output" || fail "expected the line '$expected'."
[ -s model.zip ] || fail "the app wrote no model.zip."
echo "Package test passed: $id $version restores into a fresh app and runs the README's code."
