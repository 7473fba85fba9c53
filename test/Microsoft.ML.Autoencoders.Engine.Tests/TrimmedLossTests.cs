using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Losses;
using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Autoencoders.Engine.Optimizers;
using Microsoft.ML.Autoencoders.Engine.Training;

namespace Microsoft.ML.Autoencoders.Engine.Tests;

/// <summary>
/// The trimmed loss (<see cref="TrainingOptions.TrimmedFraction"/>): a step that leaves the worst rows of a batch out is
/// the step an untrimmed network takes on the other rows alone, for every loss and through every fused path; a batch too
/// small to trim is untouched; and the steady state still allocates nothing.
/// </summary>
[Collection(nameof(AllocationMeasurement))]
public class TrimmedLossTests
{
    private const int Width = 30, Normal = 30, Outliers = 10;

    /// <summary>Normal rows near 0.5 (what a fresh sigmoid network outputs); outliers at 0 and 1, far worse for every loss.</summary>
    private static (float[] Data, int[] Order, int[] NormalOrder) Rows()
    {
        var random = new Random(4);
        int rows = Normal + Outliers;
        var data = new float[rows * Width];
        for (int r = 0; r < rows; r++)
        {
            for (int j = 0; j < Width; j++)
                data[r * Width + j] = r < Normal ? 0.45f + 0.1f * (float)random.NextDouble() : random.Next(2);
        }
        // The outliers interleaved with the normal rows, so that the trimmed rows are scattered through the batch.
        int[] order = Enumerable.Range(0, rows).OrderBy(r => (r * 7919) % rows).ToArray();
        return (data, order, order.Where(r => r < Normal).ToArray());
    }

    private static AutoencoderNetwork Network(Activation output) => AutoencoderNetwork.Create(new AutoencoderArchitecture
    {
        InputSize = Width,
        HiddenSizes = [12],
        CodeSize = 4,
        HiddenActivation = Activation.Relu,
        CodeActivation = Activation.Linear,
        OutputActivation = output,
    }, seed: 9);

    private static TrainingOptions Options(LossKind loss, double trimmed) => new()
    {
        BatchSize = Normal + Outliers,
        Loss = loss,
        // Plain SGD with learning rate 1: a step moves each parameter by exactly its gradient.
        Optimizer = new OptimizerSettings { Kind = OptimizerKind.Sgd, LearningRate = 1f, Momentum = 0f },
        Threads = 1,
        TrimmedFraction = trimmed,
    };

    [Theory]
    [InlineData(LossKind.MeanSquaredError, Activation.Sigmoid)] // MSE fused through the sigmoid's backward
    [InlineData(LossKind.MeanSquaredError, Activation.Linear)]
    [InlineData(LossKind.BinaryCrossEntropy, Activation.Sigmoid)] // reads the logits
    [InlineData(LossKind.L1, Activation.Sigmoid)]
    public void ATrimmedStepIsAStepOnTheKeptRowsAlone(LossKind loss, Activation output)
    {
        var (data, order, _) = Rows();
        var trimmed = Network(output);
        var reference = Network(output);
        // 0.25 of 40 rows: the 10 outliers.
        var trimmedStep = new TrainingStep(trimmed, Options(loss, 0.25), order.Length, new SeededRandom(1));
        var referenceStep = new TrainingStep(reference, Options(loss, 0), order.Length, new SeededRandom(1));
        for (int iteration = 0; iteration < 3; iteration++)
        {
            // The rows the loss ranks worst with the current weights (the outliers, for most losses; at a sigmoid's 0.5,
            // cross-entropy is ln 2 whatever the target, so there the ranking is the network's own).
            int[] kept = KeptRows(reference, referenceStep, data, order, trimmedCount: Outliers);
            double trimmedLoss = trimmedStep.Run(data, data, order, out _);
            double referenceLoss = referenceStep.Run(data, data, kept, out _);
            Assert.Equal(referenceLoss, trimmedLoss, 1e-5);
            for (int i = 0; i < reference.Parameters.Count; i++)
            {
                float expected = reference.Parameters.Values[i], actual = trimmed.Parameters.Values[i];
                Assert.True(Math.Abs(expected - actual) <= 1e-5f * (1 + Math.Abs(expected)), $"{loss}, step {iteration}: parameter {i} is {actual}, {expected} on the kept rows alone");
            }
        }
    }

    /// <summary><paramref name="order"/> without its <paramref name="trimmedCount"/> rows of largest loss, in batch order.</summary>
    private static int[] KeptRows(AutoencoderNetwork network, TrainingStep step, float[] data, int[] order, int trimmedCount)
    {
        int rows = order.Length;
        var cache = network.CreateCache(rows, forTraining: true);
        Microsoft.ML.Autoencoders.Engine.Kernels.RowGather.Gather(data, order, Width, cache.Values(0, rows));
        network.Layers.Forward(cache, rows, new LayerContext(true, 1), 0, step.LastLayer);
        var values = cache.Values(step.LastLayer, rows);
        var losses = new double[rows];
        for (int r = 0; r < rows; r++)
            losses[r] = step.Loss.Compute(values.Slice(r * Width, Width), data.AsSpan(order[r] * Width, Width), Span<float>.Empty);
        var worst = Enumerable.Range(0, rows).OrderByDescending(r => losses[r]).Take(trimmedCount).ToHashSet();
        return Enumerable.Range(0, rows).Where(r => !worst.Contains(r)).Select(r => order[r]).ToArray();
    }

    [Fact]
    public void WithoutTrimmingTheOutliersPullTheStepAway()
    {
        // The control for the test above: the same batch untrimmed does not give the kept rows' step.
        var (data, order, normalOrder) = Rows();
        var untrimmed = Network(Activation.Sigmoid);
        var reference = Network(Activation.Sigmoid);
        new TrainingStep(untrimmed, Options(LossKind.MeanSquaredError, 0), order.Length, new SeededRandom(1)).Run(data, data, order, out _);
        new TrainingStep(reference, Options(LossKind.MeanSquaredError, 0), order.Length, new SeededRandom(1)).Run(data, data, normalOrder, out _);
        Assert.NotEqual(reference.Parameters.Values, untrimmed.Parameters.Values);
    }

    [Fact]
    public void ABatchTooSmallToTrimIsUntouched()
    {
        // ⌊0.25 × 3⌋ = 0 rows trimmed: bit for bit the untrimmed step.
        var (data, order, _) = Rows();
        var trimmed = Network(Activation.Sigmoid);
        var plain = Network(Activation.Sigmoid);
        double a = new TrainingStep(trimmed, Options(LossKind.MeanSquaredError, 0.25), 3, new SeededRandom(1)).Run(data, data, order.AsSpan(0, 3), out _);
        double b = new TrainingStep(plain, Options(LossKind.MeanSquaredError, 0), 3, new SeededRandom(1)).Run(data, data, order.AsSpan(0, 3), out _);
        Assert.Equal(b, a);
        Assert.Equal(plain.Parameters.Values, trimmed.Parameters.Values);
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(0.5)]
    [InlineData(double.NaN)]
    public void FractionsOutsideZeroToHalfAreRefused(double fraction)
    {
        var error = Assert.Throws<ArgumentException>(() => Options(LossKind.MeanSquaredError, fraction).Validate());
        Assert.Contains("TrimmedFraction", error.Message);
    }

    [Fact]
    public void SteadyStateTrimmedStepsAllocateNothing()
    {
        var (data, order, _) = Rows();
        var options = Options(LossKind.MeanSquaredError, 0.2) with { Threads = 2, Optimizer = new OptimizerSettings { Kind = OptimizerKind.Adam, LearningRate = 1e-3f } };
        var step = new TrainingStep(Network(Activation.Sigmoid), options, order.Length, new SeededRandom(1));
        for (int s = 0; s < 5; s++) step.Run(data, data, order, out _);
        double sum = 0;
        long[] windows = SteadyStateAllocations.Measure(s => sum += step.Run(data, data, s % 3 == 2 ? order.AsSpan(0, 17) : order, out _), callsPerWindow: 40);
        Assert.True(double.IsFinite(sum));
        SteadyStateAllocations.AssertNone(windows, "trimmed");
    }
}
