using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Microsoft.ML.Autoencoders.Tests;

/// <summary>
/// Runs test/Microsoft.ML.Autoencoders.ModelProbe in its own process: it loads a model zip with a fresh MLContext,
/// scores the rows of a tab-separated file and prints one JSON object per row. A new process has none of the
/// trained objects, registrations or loaded types of the test process, so it shows what a user's application sees.
/// </summary>
internal static class ModelProbe
{
    private const string ProjectName = "Microsoft.ML.Autoencoders.ModelProbe";
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The probe's dll. The repository builds with ArtifactsPath, so every project's output is
    /// &lt;artifacts&gt;/bin/&lt;project&gt;/&lt;pivot&gt;/ (pivot: the configuration, e.g. "debug"); the test project's
    /// ProjectReference builds the probe into the same artifacts folder under the same pivot.
    /// </summary>
    public static string DllPath
    {
        get
        {
            var testDirectory = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            string pivot = testDirectory.Name;
            string binDirectory = testDirectory.Parent?.Parent?.FullName
                ?? throw new InvalidOperationException($"The test assembly's folder '{testDirectory.FullName}' is not in an artifacts layout.");
            string dll = Path.Combine(binDirectory, ProjectName, pivot, ProjectName + ".dll");
            if (!File.Exists(dll))
                throw new FileNotFoundException($"The model probe was not built at '{dll}'. Build the test project (it references the probe) with the repository's ArtifactsPath layout.", dll);
            return dll;
        }
    }

    /// <summary>Writes <paramref name="rows"/> as the probe's input: the input columns' values in schema order, tab-separated.</summary>
    public static void WriteRows(string path, IEnumerable<SyntheticData.Row> rows)
    {
        var text = new StringBuilder();
        foreach (var row in rows)
        {
            // "R" round-trips every float, so the probe scores exactly the values this process scores.
            text.Append(row.Label.ToString("R", CultureInfo.InvariantCulture));
            foreach (float value in row.Features) text.Append('\t').Append(value.ToString("R", CultureInfo.InvariantCulture));
            text.Append('\n');
        }
        File.WriteAllText(path, text.ToString());
    }

    /// <summary>Runs the probe on a saved model and a rows file and returns its output rows.</summary>
    public static List<JsonElement> Score(string modelPath, string rowsPath)
    {
        // The dotnet CLI tells child processes which host it is; outside it, rely on PATH.
        string host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } hostPath ? hostPath : "dotnet";
        var start = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in new[] { DllPath, modelPath, rowsPath }) start.ArgumentList.Add(argument);

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start '{host}'.");
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"The model probe did not finish within {Timeout}.");
        }
        Assert.True(process.ExitCode == 0, $"The model probe exited with {process.ExitCode}:\n{stderr.Result}");
        return stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement.Clone()).ToList();
    }

    public static float[] Vector(JsonElement row, string column) => row.GetProperty(column).EnumerateArray().Select(v => v.GetSingle()).ToArray();

    public static float Scalar(JsonElement row, string column) => row.GetProperty(column).GetSingle();
}
