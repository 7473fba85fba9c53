using Microsoft.ML;
using Microsoft.ML.Autoencoders;
using Microsoft.ML.Data;

// Usage: StreamingChild <stream|memory> <rows>
//
// Trains one epoch of a small autoencoder on <rows> rows of GeneratedRows.Width floats that exist only one at a time (a lazy
// IDataView), streamed or read into memory. Prints "loss <training loss>", "peak <VmHWM in MiB>" and "data <bytes of the
// column>". Exit codes: 0 trained, 3 the library refused for memory (its message on stderr), 2 bad arguments.

if (args.Length != 2 || args[0] is not ("stream" or "memory") || !int.TryParse(args[1], out int rows) || rows <= 0)
{
    Console.Error.WriteLine("Usage: StreamingChild <stream|memory> <rows>");
    return 2;
}

var ml = new MLContext(seed: 1);
var data = ml.Data.LoadFromEnumerable(GeneratedRows.Rows(rows));
var options = new AutoencoderOptions
{
    CodeSize = 8, Epochs = 1, BatchSize = 256, LearningRate = 1e-2f, NumberOfThreads = 1,
    StreamTrainingData = args[0] == "stream", StreamingShuffleBufferRows = 2048,
};
try
{
    var model = ml.Transforms.Autoencoder(options).Fit(data).Model;
    Console.WriteLine($"loss {model.TrainingHistory!.Epochs[^1].TrainingLoss:R}");
}
catch (InsufficientMemoryException e)
{
    Console.Error.WriteLine(e.Message);
    return 3;
}
Console.WriteLine($"peak {PeakMegabytes():F1}");
Console.WriteLine($"data {(long)rows * GeneratedRows.Width * sizeof(float)}");
return 0;

static double PeakMegabytes()
{
    foreach (string line in File.ReadLines("/proc/self/status"))
        if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024;
    return double.NaN;
}

/// <summary>Rows made up from their index as the cursor asks for them: two latent values spread over the width.</summary>
internal static class GeneratedRows
{
    public const int Width = 256;

    public sealed class Row
    {
        [VectorType(Width)]
        public float[] Features { get; set; } = new float[Width];
    }

    public static IEnumerable<Row> Rows(int count)
    {
        for (int i = 0; i < count; i++)
        {
            var row = new Row();
            float a = MathF.Sin(i * 0.37f), b = MathF.Cos(i * 0.11f);
            for (int j = 0; j < Width; j++) row.Features[j] = a * MathF.Sin(j * 0.5f) + b * MathF.Cos(j * 0.3f);
            yield return row;
        }
    }
}
