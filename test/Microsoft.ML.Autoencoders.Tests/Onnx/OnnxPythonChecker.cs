using System.Diagnostics;

namespace Microsoft.ML.Autoencoders.Tests.Onnx;

/// <summary>
/// Runs the ONNX project's own validator, <c>onnx.checker.check_model(path, full_check=True)</c>
/// (structure, operator schemas and strict shape inference), in a Python interpreter that has the
/// <c>onnx</c> package — an independent judge of the files the library writes.
/// </summary>
/// <remarks>
/// The interpreter is the one the <c>ONNX_CHECKER_PYTHON</c> environment variable names, or else the
/// first of <c>python3</c> on the PATH, <c>/usr/bin/python3</c> (Debian's python3-onnx installs there even
/// when another python3 comes first on the PATH), <c>python</c>; the first that can import onnx wins.
/// </remarks>
internal sealed class OnnxPythonChecker
{
    /// <summary>Names the Python interpreter to use; when set, no other is tried.</summary>
    public const string PythonVariable = "ONNX_CHECKER_PYTHON";

    /// <summary>Set to 1 (as CI should) to make a missing checker a failure instead of a logged notice.</summary>
    public const string RequiredVariable = "ONNX_CHECKER_REQUIRED";

    private const string CheckScript =
        "import sys, onnx; onnx.checker.check_model(sys.argv[1], full_check=True); print('onnx ' + onnx.__version__ + ': model is valid')";

    private static readonly Lazy<(OnnxPythonChecker? Checker, string Search)> Discovered = new(Discover);

    private OnnxPythonChecker(string python, string onnxVersion)
    {
        Python = python;
        OnnxVersion = onnxVersion;
    }

    /// <summary>The interpreter used.</summary>
    public string Python { get; }

    /// <summary>The onnx package version it imports.</summary>
    public string OnnxVersion { get; }

    /// <summary>
    /// The checker, or null when none is installed; then <paramref name="whyMissing"/> lists what was tried.
    /// </summary>
    public static OnnxPythonChecker? Find(out string whyMissing)
    {
        whyMissing = Discovered.Value.Search;
        return Discovered.Value.Checker;
    }

    /// <summary>Checks a model file: returns whether it passed and everything the checker printed.</summary>
    public (bool Passed, string Output) Check(string modelPath)
    {
        var (exitCode, output) = Run(Python, "-c", CheckScript, modelPath);
        return (exitCode == 0, output);
    }

    private static (OnnxPythonChecker?, string) Discover()
    {
        // A configured interpreter is the only one tried, so a wrong setting is reported rather than hidden.
        string[] candidates = Environment.GetEnvironmentVariable(PythonVariable) is { Length: > 0 } configured
            ? [configured]
            : ["python3", "/usr/bin/python3", "python"];

        var tried = new List<string>();
        foreach (string python in candidates)
        {
            try
            {
                var (exitCode, output) = Run(python, "-c", "import onnx; print(onnx.__version__)");
                if (exitCode == 0)
                    return (new OnnxPythonChecker(python, output.Trim()), "");
                tried.Add($"{python}: cannot import onnx");
            }
            catch (System.ComponentModel.Win32Exception)
            {
                tried.Add($"{python}: not found");
            }
        }
        return (null, string.Join("; ", tried));
    }

    private static (int ExitCode, string Output) Run(string fileName, params string[] arguments)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
            start.ArgumentList.Add(argument);

        using Process process = Process.Start(start)!;
        Task<string> standardError = process.StandardError.ReadToEndAsync();
        string standardOutput = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            return (-1, $"{fileName} did not finish within 2 minutes.");
        }
        return (process.ExitCode, standardOutput + standardError.Result);
    }
}
