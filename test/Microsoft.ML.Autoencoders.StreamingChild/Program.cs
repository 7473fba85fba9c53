using Microsoft.ML;
using Microsoft.ML.Autoencoders;
using Microsoft.ML.Data;

// Usage: StreamingChild <stream|memory> <rows|mnist>
//
// Trains one epoch of a small autoencoder on <rows> rows of GeneratedRows.Width floats that exist only one at a time (a lazy
// IDataView), streamed or read into memory. Prints "loss <training loss>", "peak <VmHWM in MiB>" and "data <bytes of the
// column>". "mnist" trains on MNIST's 60,000 training images as the samples' loader (MnistData.LoadTrain) gives them.
// Exit codes: 0 trained, 3 the library refused for memory (its message on stderr), 2 bad arguments.

bool mnist = args.Length == 2 && args[1] == "mnist";
int rows = 0;
if (args.Length != 2 || args[0] is not ("stream" or "memory") || (!mnist && (!int.TryParse(args[1], out rows) || rows <= 0)))
{
    Console.Error.WriteLine("Usage: StreamingChild <stream|memory> <rows|mnist>");
    return 2;
}

var ml = new MLContext(seed: 1);
IDataView data;
long dataBytes;
if (mnist)
{
    data = Microsoft.ML.Autoencoders.Data.MnistData.LoadTrain(ml);
    dataBytes = data.GetRowCount()!.Value * 784 * sizeof(float);
}
else
{
    data = ml.Data.LoadFromEnumerable(GeneratedRows.Rows(rows));
    dataBytes = (long)rows * GeneratedRows.Width * sizeof(float);
}
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
Console.WriteLine($"data {dataBytes}");
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
