using System.Diagnostics;
using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders.Tests;

/// <summary>
/// <see cref="AutoencoderOptions.StreamTrainingData"/>: Fit trains from the IDataView a pass at a time, learns what the
/// in-memory Fit learns, is reproducible for a seed, and trains on more data than the heap may hold, where the in-memory Fit
/// fails with an error that says what to do.
/// </summary>
public class StreamedFitTests
{
    private static AutoencoderOptions Options(bool streamed, Action<AutoencoderOptions>? configure = null)
    {
        var options = TestAutoencoders.Options(epochs: 20);
        options.StreamTrainingData = streamed;
        options.StreamingShuffleBufferRows = 256;
        configure?.Invoke(options);
        return options;
    }

    private static double FinalLoss(MLContext ml, IDataView data, AutoencoderOptions options) =>
        ml.Transforms.Autoencoder(options).Fit(data).Model.TrainingHistory!.Epochs[^1].TrainingLoss;

    [Fact]
    public void StreamedFitReachesTheInMemoryLoss()
    {
        var ml = new MLContext(seed: 1);
        // A lazy view (LoadFromEnumerable of an iterator): streamed Fit reads it through cursors, one pass per epoch.
        var source = new CountingSource(SyntheticData.Rows(2000));
        var data = ml.Data.LoadFromEnumerable(source.Rows(2000));
        double inMemory = FinalLoss(ml, data, Options(streamed: false));
        int producedInMemory = source.Produced;
        double streamed = FinalLoss(ml, data, Options(streamed: true));
        Assert.True(streamed < inMemory * 1.25, $"Streamed loss {streamed}, in memory {inMemory}.");
        // In memory: one read. Streamed: a count (the view cannot say), the first rows, then 20 epochs.
        Assert.Equal(2000, producedInMemory);
        Assert.InRange(source.Produced - producedInMemory, 20 * 2000, 22 * 2000);
    }

    [Fact]
    public void StreamedFitWithTargetsNoiseAndValidationIsReproducible()
    {
        var ml = new MLContext(seed: 1);
        var rows = SyntheticData.Rows(600);
        // A paired column: the target is the row mirrored, so the target is plainly not the input.
        var data = ml.Data.LoadFromEnumerable(rows.Select(r => new PairedRow { Features = r.Features, Target = r.Features.Reverse().ToArray() }));
        void Configure(AutoencoderOptions o)
        {
            o.TargetColumnName = "Target";
            o.Noise = AutoencoderNoise.Gaussian;
            o.NoiseLevel = 0.1f;
            o.ValidationFraction = 0.2;
            o.Epochs = 6;
        }
        var first = ml.Transforms.Autoencoder(Options(streamed: true, Configure)).Fit(data);
        var again = ml.Transforms.Autoencoder(Options(streamed: true, Configure)).Fit(data);
        var history = first.Model.TrainingHistory!;
        Assert.All(history.Epochs, e => Assert.True(double.IsFinite(e.ValidationLoss)));
        Assert.True(history.Epochs[^1].TrainingLoss < history.Epochs[0].TrainingLoss);
        var codes = ColumnValues.Vectors(first.Transform(data), "Encoded");
        ColumnValues.AssertClose(codes, ColumnValues.Vectors(again.Transform(data), "Encoded"), "Encoded", tolerance: 0);
        // And it learned the pairing about as well as the in-memory Fit does.
        double inMemory = FinalLoss(ml, data, Options(streamed: false, Configure));
        Assert.True(history.Epochs[^1].TrainingLoss < inMemory * 1.5, $"Streamed loss {history.Epochs[^1].TrainingLoss}, in memory {inMemory}.");
    }

    [Fact]
    public void OptionsThatNeedTheWholeSetAreRefusedByName()
    {
        var ml = new MLContext(seed: 1);
        var trim = Assert.Throws<ArgumentException>(() => ml.Transforms.Autoencoder(Options(true, o => { o.TrimmedFraction = 0.1; o.TrimAcrossTrainingSet = true; })));
        Assert.Contains("TrimAcrossTrainingSet", trim.Message);
        Assert.Contains("StreamTrainingData", trim.Message);
        var checkpoint = Assert.Throws<ArgumentException>(() => ml.Transforms.Autoencoder(Options(true, o => o.CheckpointPath = "run.ckpt")));
        Assert.Contains("CheckpointPath", checkpoint.Message);
        Assert.Contains("StreamTrainingData", checkpoint.Message);
    }

    /// <summary>
    /// 160,000 rows of 256 floats (164 MB) under a 48 MiB heap limit, in a child process: streamed, training succeeds with the
    /// process's peak resident memory far below the data; in memory, Fit stops with the library's message naming the option.
    /// </summary>
    [Fact]
    public void UnderAHeapLimitSmallerThanTheDataStreamingTrainsAndInMemoryFailsClearly()
    {
        const string limit = "0x3000000"; // 48 MiB
        var (streamCode, streamOut, streamError) = RunChild("stream", 160_000, limit);
        Assert.True(streamCode == 0, $"The streamed run exited with {streamCode}:\n{streamError}");
        var lines = streamOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')).ToDictionary(p => p[0], p => double.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(double.IsFinite(lines["loss"]) && lines["loss"] < 0.1, $"Streamed loss {lines["loss"]}.");
        Assert.True(lines["peak"] * 1024 * 1024 < lines["data"] / 2, $"Peak {lines["peak"]} MiB for {lines["data"]} bytes of data.");

        var (memoryCode, _, memoryError) = RunChild("memory", 160_000, limit);
        Assert.True(memoryCode == 3, $"The in-memory run exited with {memoryCode} (3 is the library's memory error):\n{memoryError}");
        Assert.Contains("StreamTrainingData", memoryError);
        Assert.Contains("DOTNET_GCHeapHardLimit", memoryError);
    }

    private static (int ExitCode, string Output, string Error) RunChild(string mode, int rows, string heapLimit)
    {
        string host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } hostPath ? hostPath : "dotnet";
        var start = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in new[] { ChildDllPath, mode, rows.ToString(System.Globalization.CultureInfo.InvariantCulture) }) start.ArgumentList.Add(argument);
        start.Environment["DOTNET_GCHeapHardLimit"] = heapLimit;
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start '{host}'.");
        var error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(1)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("The streaming child did not finish within a minute.");
        }
        return (process.ExitCode, output, error.Result);
    }

    /// <summary>The child's dll, built by this project's reference into the same artifacts pivot (see <see cref="ModelProbe.DllPath"/>).</summary>
    private static string ChildDllPath
    {
        get
        {
            const string project = "Microsoft.ML.Autoencoders.StreamingChild";
            var testDirectory = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            string binDirectory = testDirectory.Parent?.Parent?.FullName
                ?? throw new InvalidOperationException($"The test assembly's folder '{testDirectory.FullName}' is not in an artifacts layout.");
            string dll = Path.Combine(binDirectory, project, testDirectory.Name, project + ".dll");
            if (!File.Exists(dll)) throw new FileNotFoundException($"The streaming child was not built at '{dll}'.", dll);
            return dll;
        }
    }

    private sealed class PairedRow
    {
        [VectorType(SyntheticData.Width)]
        public float[] Features { get; set; } = [];

        [VectorType(SyntheticData.Width)]
        public float[] Target { get; set; } = [];
    }
}
