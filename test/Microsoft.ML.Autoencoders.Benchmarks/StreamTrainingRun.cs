using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders.Benchmarks;

/// <summary>
/// The "stream" verb: training on a file several times larger than a GC heap hard limit (AutoencoderOptions.StreamTrainingData).
/// It writes MNIST's training images, tiled, as raw float32 rows until the file is the mode's size; then, each in a child
/// process of its own (peak memory is per process), trains one epoch streamed under DOTNET_GCHeapHardLimit, tries the
/// in-memory Fit under the same limit (it must stop with the library's memory error), and trains one epoch in memory without
/// the limit, for the epoch time and loss to put beside the streamed ones. Reports stream_train_peak_rss (VmHWM of the
/// streamed child) and stream_data_bytes, which the merge carries into summary.json.
/// </summary>
public static class StreamTrainingRun
{
    /// <summary>The heap limit and the file size, in MiB, for each mode: the file four times the limit.</summary>
    private static (int LimitMiB, int DataMiB) Sizes(BenchMode mode) => mode switch
    {
        BenchMode.Full => (256, 1024),
        BenchMode.Quick => (128, 512),
        _ => (64, 256),
    };

    private const int Width = 784;

    public static int Run(string[] args)
    {
        var options = BenchOptions.Parse(args);
        var (limitMiB, dataMiB) = Sizes(options.Mode);
        var report = new BenchReport
        {
            Framework = "ours",
            Version = typeof(AutoencoderEstimator).Assembly.GetName().Version?.ToString() ?? "unknown",
            Mode = options.Mode.ToString().ToLowerInvariant(),
            Threads = options.Threads,
            Round = options.Round,
        };
        string directory = Directory.CreateTempSubdirectory("stream-bench").FullName;
        try
        {
            string file = Path.Combine(directory, "rows.f32");
            long bytes = WriteTiledMnist(Mnist.FindDirectory(options.MnistDirectory), file, (long)dataMiB * 1024 * 1024);
            long rows = bytes / (Width * sizeof(float));
            Console.WriteLine($"stream: {rows:N0} rows of {Width} floats, {bytes / 1048576.0:N0} MiB, heap limit {limitMiB} MiB, {options.Threads} threads");
            string limit = "0x" + ((long)limitMiB * 1024 * 1024).ToString("x", CultureInfo.InvariantCulture);

            var streamed = Child(file, "stream", options.Threads, limit);
            var refused = Child(file, "memory", options.Threads, limit);
            var inMemory = Child(file, "memory", options.Threads, heapLimit: null);
            if (streamed.ExitCode != 0 || inMemory.ExitCode != 0)
                throw new InvalidOperationException($"A training child failed: streamed {streamed.ExitCode}, in memory {inMemory.ExitCode}.\n{streamed.Error}\n{inMemory.Error}");

            report.Settings["stream_heap_limit"] = $"{limitMiB} MiB (DOTNET_GCHeapHardLimit={limit})";
            report.Settings["stream_network"] = "784-128-32-128-784, sigmoid output, MSE, Adam 1e-3, batch 256, shuffle buffer 8192 rows";
            report.Settings["stream_in_memory_under_limit"] = refused.ExitCode == MemoryErrorExit
                ? "refused: " + refused.Error.Trim() : $"exit code {refused.ExitCode}";
            report.Add("stream_data_bytes", "bytes", bytes, "higher", $"{rows} rows of {Width} float32, {bytes / (limitMiB * 1048576.0):F1}x the heap limit");
            report.Add("stream_train_peak_rss", "MiB", streamed.Value("peak_mib"), "lower", $"VmHWM of the streamed training process, heap limit {limitMiB} MiB");
            report.Add("stream_epoch_seconds", "s", streamed.Value("epoch_seconds"), "lower", "streamed, one epoch (its pass over the file)");
            report.Add("stream_fit_seconds", "s", streamed.Value("fit_seconds"), "lower", "streamed Fit: counting pass, first-rows pass, epoch");
            report.Add("stream_final_loss", "MSE", streamed.Value("loss"), "lower", "streamed, mean training loss of the epoch");
            report.Add("in_memory_epoch_seconds", "s", inMemory.Value("epoch_seconds"), "lower", "in memory, no heap limit, one epoch");
            report.Add("in_memory_fit_seconds", "s", inMemory.Value("fit_seconds"), "lower", "in-memory Fit: reading the file into memory, epoch");
            report.Add("in_memory_final_loss", "MSE", inMemory.Value("loss"), "lower", "in memory, mean training loss of the epoch");
            report.Add("in_memory_train_peak_rss", "MiB", inMemory.Value("peak_mib"), "lower", "VmHWM of the in-memory training process, no heap limit");
            Console.WriteLine($"  in memory under the limit: {report.Settings["stream_in_memory_under_limit"]}");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
        if (options.JsonPath is not null) report.Write(options.JsonPath);
        return 0;
    }

    /// <summary>MNIST's training images as float32 rows, over and over, until the file holds <paramref name="size"/> bytes (whole rows).</summary>
    private static long WriteTiledMnist(string mnistDirectory, string path, long size)
    {
        var (images, count, pixels) = Mnist.ReadImages(Path.Combine(mnistDirectory, Mnist.TrainImages));
        if (pixels != Width) throw new InvalidDataException($"MNIST images have {pixels} pixels, not {Width}.");
        long rows = size / (Width * sizeof(float)), written = 0;
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        while (written < rows)
        {
            int take = (int)Math.Min(count, rows - written);
            file.Write(MemoryMarshal.AsBytes(images.AsSpan(0, take * Width)));
            written += take;
        }
        return rows * Width * sizeof(float);
    }

    /// <summary>The exit code the child uses for the library's memory error.</summary>
    private const int MemoryErrorExit = 3;

    private sealed record ChildResult(int ExitCode, Dictionary<string, double> Values, string Error)
    {
        public double Value(string name) => Values.TryGetValue(name, out double v) ? v : throw new InvalidOperationException($"The child reported no {name}.");
    }

    private static ChildResult Child(string file, string mode, int threads, string? heapLimit)
    {
        string host = Environment.ProcessPath ?? "dotnet";
        var start = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        // Run as "dotnet <dll>" when this process is, as its own apphost otherwise.
        if (Path.GetFileNameWithoutExtension(host) == "dotnet") start.ArgumentList.Add(typeof(StreamTrainingRun).Assembly.Location);
        foreach (string argument in new[] { "stream-child", file, mode, threads.ToString(CultureInfo.InvariantCulture) }) start.ArgumentList.Add(argument);
        if (heapLimit != null) start.Environment["DOTNET_GCHeapHardLimit"] = heapLimit;
        else start.Environment.Remove("DOTNET_GCHeapHardLimit");
        Console.WriteLine($"  {mode}{(heapLimit == null ? "" : $" under DOTNET_GCHeapHardLimit={heapLimit}")} ...");
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start '{host}'.");
        var error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        var values = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() is { } line && line.StartsWith('{')
            ? JsonSerializer.Deserialize<Dictionary<string, double>>(line)! : [];
        return new ChildResult(process.ExitCode, values, error.Result);
    }

    /// <summary>
    /// The child: "stream-child FILE stream|memory THREADS". Trains one epoch on the file through a lazy IDataView and prints
    /// one JSON line (fit_seconds, epoch_seconds, loss, peak_mib); exits 3 with the message when the library refuses for memory.
    /// </summary>
    public static int ChildMain(string[] args)
    {
        string file = args[0];
        bool streamed = args[1] == "stream";
        int threads = int.Parse(args[2], CultureInfo.InvariantCulture);
        var ml = new MLContext(seed: 0);
        var data = ml.Data.LoadFromEnumerable(FileRows(file));
        var options = new AutoencoderOptions
        {
            HiddenLayerSizes = [128], CodeSize = 32, OutputActivation = AutoencoderActivation.Sigmoid,
            Epochs = 1, BatchSize = 256, LearningRate = 1e-3f, NumberOfThreads = threads, StreamTrainingData = streamed,
        };
        var clock = Stopwatch.StartNew();
        AutoencoderTransformer model;
        try
        {
            model = ml.Transforms.Autoencoder(options).Fit(data);
        }
        catch (InsufficientMemoryException e)
        {
            Console.Error.WriteLine(e.Message);
            return MemoryErrorExit;
        }
        double fitSeconds = clock.Elapsed.TotalSeconds;
        var epoch = model.Model.TrainingHistory!.Epochs[^1];
        Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, double>
        {
            ["fit_seconds"] = fitSeconds, ["epoch_seconds"] = epoch.Seconds, ["loss"] = epoch.TrainingLoss,
            ["peak_mib"] = PeakMemory.ReadMegabytes() ?? double.NaN,
        }));
        return 0;
    }

    private sealed class Row
    {
        [VectorType(Width)]
        public float[] Features { get; set; } = [];
    }

    /// <summary>The file's rows, read as a cursor asks for them: each enumeration opens the file afresh.</summary>
    private static IEnumerable<Row> FileRows(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        var bytes = new byte[Width * sizeof(float)];
        while (file.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false) == bytes.Length)
            yield return new Row { Features = MemoryMarshal.Cast<byte, float>(bytes).ToArray() };
    }
}
