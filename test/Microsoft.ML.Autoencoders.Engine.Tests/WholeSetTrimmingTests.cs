using Microsoft.ML.Autoencoders.Engine.Kernels;
using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Losses;
using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Autoencoders.Engine.Optimizers;
using Microsoft.ML.Autoencoders.Engine.Training;

namespace Microsoft.ML.Autoencoders.Engine.Tests;

/// <summary>
/// <see cref="TrainingOptions.TrimAcrossTrainingSet"/>: an epoch trimmed over the whole training set is exactly the epoch an
/// untrimmed trainer runs on the kept rows alone, the kept rows being those with the smallest loss under the weights the
/// epoch starts with.
/// </summary>
public class WholeSetTrimmingTests
{
    private const int Width = 20, Normal = 30, Outliers = 10;

    /// <summary>Normal rows near 0.5 (a fresh sigmoid network's output), then outliers at 0 and 1.</summary>
    private static float[] Rows()
    {
        var random = new Random(5);
        var data = new float[(Normal + Outliers) * Width];
        for (int r = 0; r < Normal + Outliers; r++)
            for (int j = 0; j < Width; j++) data[r * Width + j] = r < Normal ? 0.45f + 0.1f * (float)random.NextDouble() : random.Next(2);
        return data;
    }

    private static AutoencoderNetwork Network() => AutoencoderNetwork.Create(new AutoencoderArchitecture
    {
        InputSize = Width,
        HiddenSizes = [8],
        CodeSize = 3,
        HiddenActivation = Activation.Relu,
        CodeActivation = Activation.Linear,
        OutputActivation = Activation.Sigmoid,
    }, seed: 11);

    private static TrainingOptions Options(double trimmed, bool across) => new()
    {
        Epochs = 1,
        BatchSize = 8,           // several batches, the last one short
        Shuffle = false,         // the kept rows in their own order on both sides
        Optimizer = new OptimizerSettings { Kind = OptimizerKind.Adam, LearningRate = 0.01f },
        Threads = 1,
        TrimmedFraction = trimmed,
        TrimAcrossTrainingSet = across,
    };

    [Fact]
    public void AnEpochTrimmedOverTheSetIsAnEpochOnTheKeptRowsAlone()
    {
        float[] data = Rows();
        var trimmed = Network();
        var reference = Network();
        int[] kept = KeptRows(reference, data, Normal + Outliers, trimmedCount: Outliers);
        Assert.Equal(Enumerable.Range(0, Normal), kept); // the outliers are the worst rows, so the kept rows are the normal ones

        new AutoencoderTrainer(trimmed, Options(0.25, across: true)).Fit(data, null, Normal + Outliers);
        float[] keptData = new float[kept.Length * Width];
        RowGather.Gather(data, kept, Width, keptData);
        new AutoencoderTrainer(reference, Options(0, across: false)).Fit(keptData, null, kept.Length);

        Assert.Equal(reference.Parameters.Values, trimmed.Parameters.Values);
    }

    [Fact]
    public void PerBatchTrimmingOfTheSameRowsTakesAnotherPath()
    {
        // The control: trimming each batch of 8 drops ⌊0.25 × 8⌋ = 2 rows of every batch, normal rows among them.
        float[] data = Rows();
        var perBatch = Network();
        var across = Network();
        new AutoencoderTrainer(perBatch, Options(0.25, across: false)).Fit(data, null, Normal + Outliers);
        new AutoencoderTrainer(across, Options(0.25, across: true)).Fit(data, null, Normal + Outliers);
        Assert.NotEqual(perBatch.Parameters.Values, across.Parameters.Values);
    }

    [Fact]
    public void TrimmingAcrossTheSetNeedsAFraction()
    {
        var e = Assert.Throws<ArgumentException>(() => new AutoencoderTrainer(Network(), Options(0, across: true)));
        Assert.Contains("TrimmedFraction", e.Message);
    }

    /// <summary>The rows left when the <paramref name="trimmedCount"/> with the largest MSE under the network's weights are dropped.</summary>
    private static int[] KeptRows(AutoencoderNetwork network, float[] data, int rows, int trimmedCount)
    {
        var cache = network.CreateCache(rows, forTraining: false);
        data.AsSpan(0, rows * Width).CopyTo(cache.Values(0, rows));
        int last = network.Layers.Layers.Count;
        network.Layers.Forward(cache, rows, new LayerContext(false, 1), 0, last);
        float[] output = cache.Values(last, rows).ToArray();
        var losses = Enumerable.Range(0, rows).Select(r =>
        {
            double sum = 0;
            for (int j = 0; j < Width; j++) sum += Math.Pow(output[r * Width + j] - data[r * Width + j], 2);
            return sum;
        }).ToArray();
        var worst = Enumerable.Range(0, rows).OrderByDescending(r => losses[r]).Take(trimmedCount).ToHashSet();
        return [.. Enumerable.Range(0, rows).Where(r => !worst.Contains(r))];
    }
}
