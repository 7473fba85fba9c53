using System.Diagnostics;
using System.Text.Json;
using Microsoft.ML.Autoencoders.Tests.Onnx;
using Xunit.Abstractions;

namespace Microsoft.ML.Autoencoders.Tests.Import;

/// <summary>
/// The ONNX autoencoders "made elsewhere" that the import tests score: OnnxModels/make_models.py builds them with
/// python3-onnx and numpy (never with this library's exporter), once per test run, into a temporary folder, with the
/// values numpy expects beside each. Without Python's onnx package the tests that need them log why and pass, unless
/// <c>ONNX_CHECKER_REQUIRED=1</c> (set by .ci/run when the package is installed) makes that a failure.
/// </summary>
internal static class PythonOnnxModels
{
    private static readonly Lazy<(string? Folder, string Why)> Made = new(Make);

    /// <summary>The folder with the models, or null (after logging or failing, as above) when they cannot be made.</summary>
    public static string? FolderOrExplain(ITestOutputHelper output)
    {
        var (folder, why) = Made.Value;
        if (folder != null) return folder;
        string message = "NOT RUN: the ONNX models of the import tests could not be made (" + why + "). Install Python's onnx package " +
            "(Debian/Ubuntu: apt-get install python3-onnx; elsewhere: pip install onnx numpy) or point " +
            $"{OnnxPythonChecker.PythonVariable} at an interpreter that has it. Set {OnnxPythonChecker.RequiredVariable}=1 to make this a failure.";
        Assert.True(Environment.GetEnvironmentVariable(OnnxPythonChecker.RequiredVariable) != "1", message);
        output.WriteLine(message);
        return null;
    }

    /// <summary>The path of model <paramref name="name"/> in <paramref name="folder"/>.</summary>
    public static string Path(string folder, string name) => System.IO.Path.Combine(folder, name + ".onnx");

    /// <summary>What numpy computed for model <paramref name="name"/>.</summary>
    public static Expected ExpectedFor(string folder, string name)
    {
        using var stream = File.OpenRead(System.IO.Path.Combine(folder, name + ".expected.json"));
        var json = JsonSerializer.Deserialize<JsonElement>(stream);
        static float[][] Rows(JsonElement e) => [.. e.EnumerateArray().Select(r => r.EnumerateArray().Select(v => (float)v.GetDouble()).ToArray())];
        return new Expected(
            Rows(json.GetProperty("input")),
            Rows(json.GetProperty("reconstruction")),
            json.TryGetProperty("code", out var code) ? Rows(code) : null,
            [.. json.GetProperty("error").EnumerateArray().Select(v => (float)v.GetDouble())]);
    }

    /// <summary>Input rows and numpy's float64 results for them, rounded to float.</summary>
    public sealed record Expected(float[][] Input, float[][] Reconstruction, float[][]? Code, float[] Error)
    {
        public int Rows => Input.Length;

        public float[] FlatInput => [.. Input.SelectMany(r => r)];
    }

    private static (string?, string) Make()
    {
        var checker = OnnxPythonChecker.Find(out string whyMissing);
        if (checker is null) return (null, whyMissing);
        string script = System.IO.Path.Combine(AppContext.BaseDirectory, "OnnxModels", "make_models.py");
        string folder = Directory.CreateTempSubdirectory("onnx-import-models-").FullName;
        var start = new ProcessStartInfo(checker.Python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(script);
        start.ArgumentList.Add(folder);
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        string text = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("make_models.py did not finish within 3 minutes.");
        }
        // With onnx importable the script must work: a failure here is a broken script, not a missing tool.
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"make_models.py failed ({process.ExitCode}): {text}{error.Result}");
        AppDomain.CurrentDomain.ProcessExit += (_, _) => { try { Directory.Delete(folder, recursive: true); } catch (IOException) { } };
        return (folder, "");
    }
}
