using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Autoencoders.Engine.Optimizers;
using Microsoft.ML.Autoencoders.Engine.Training;

namespace Microsoft.ML.Autoencoders.Engine.Tests;

/// <summary>
/// Same seeds and options must give bit-identical weights (users compare models across runs; tests elsewhere
/// pin numbers); different seeds must actually change the result.
/// </summary>
public class DeterminismTests
{
    private const int Rows = 500, Dimension = 13;

    private static readonly float[] Data = TestData.Uniform(new SeededRandom(101), Rows * Dimension, 0f, 1f);

    private static readonly AutoencoderArchitecture Architecture = new()
    {
        InputSize = Dimension,
        HiddenSizes = [9],
        CodeSize = 3,
        HiddenActivation = Activation.Relu,
        OutputActivation = Activation.Sigmoid,
    };

    private static float[] Train(long networkSeed, long trainerSeed, int threads)
    {
        var network = AutoencoderNetwork.Create(Architecture, networkSeed);
        var options = new TrainingOptions
        {
            Epochs = 4, BatchSize = 37, Seed = trainerSeed, Threads = threads, ValidationFraction = 0.2,
            Optimizer = new OptimizerSettings { Kind = OptimizerKind.AdamW, LearningRate = 1e-2f, WeightDecay = 1e-3f },
        };
        new AutoencoderTrainer(network, options).Fit(Data, null, Rows);
        return network.Parameters.Values.ToArray();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void SameSeedsAndOptions_GiveBitIdenticalWeights(int threads)
    {
        float[] first = Train(networkSeed: 1, trainerSeed: 2, threads);
        float[] second = Train(networkSeed: 1, trainerSeed: 2, threads);
        Assert.Equal(first, second); // exact float equality, element by element
    }

    [Fact]
    public void OneAndTwoThreads_GiveBitIdenticalWeights()
    {
        // The kernels promise results that do not depend on the thread count; training inherits that.
        Assert.Equal(Train(1, 2, threads: 1), Train(1, 2, threads: 2));
    }

    [Fact]
    public void DifferentNetworkSeed_GivesDifferentInitialAndTrainedWeights()
    {
        Assert.NotEqual(AutoencoderNetwork.Create(Architecture, 1).Parameters.Values, AutoencoderNetwork.Create(Architecture, 3).Parameters.Values);
        Assert.NotEqual(Train(networkSeed: 1, trainerSeed: 2, threads: 1), Train(networkSeed: 3, trainerSeed: 2, threads: 1));
    }

    [Fact]
    public void DifferentTrainerSeed_GivesDifferentTrainedWeights()
    {
        // The trainer's seed drives the shuffles and the validation split, so it must matter too.
        Assert.NotEqual(Train(networkSeed: 1, trainerSeed: 2, threads: 1), Train(networkSeed: 1, trainerSeed: 4, threads: 1));
    }

    [Fact]
    public void Create_SameSeed_GivesSameWeightsWithinXavierAndHeBounds()
    {
        var a = AutoencoderNetwork.Create(Architecture, 5);
        Assert.Equal(a.Parameters.Values, AutoencoderNetwork.Create(Architecture, 5).Parameters.Values);
        foreach (var (dense, activation) in a.DenseLayers())
        {
            // Relu-followed layers use He (√(6/fanIn)), others Xavier (√(6/(fanIn+fanOut))).
            double limit = activation == Activation.Relu
                ? Math.Sqrt(6.0 / dense.InputSize)
                : Math.Sqrt(6.0 / (dense.InputSize + dense.OutputSize));
            float[] w = dense.Weights.Values.ToArray();
            Assert.All(w, v => Assert.InRange(Math.Abs(v), 0, limit));
            // The draws fill the range rather than clustering near 0.
            Assert.True(w.Max(Math.Abs) > 0.7 * limit, $"{dense.Weights.Name}: max |w| {w.Max(Math.Abs)} vs limit {limit}");
            Assert.All(dense.Bias.Values.ToArray(), b => Assert.Equal(0f, b));
        }
    }
}
