using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Losses;
using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Autoencoders.Engine.Optimizers;
using Microsoft.ML.Autoencoders.Engine.Training;
using Xunit.Abstractions;

namespace Microsoft.ML.Autoencoders.Engine.Tests;

/// <summary>The training loop end to end: it learns, it stops early correctly, it rejects bad input, it is reproducible.</summary>
public class TrainingTests(ITestOutputHelper output)
{
    private const int Dimension = 20;

    /// <summary>Rows near a 3-dimensional subspace, squashed into (0, 1) by a sigmoid: a curved 3-d manifold.</summary>
    private static float[] ManifoldData(int rows, long seed)
    {
        var (data, _) = TestData.NearSubspace(new SeededRandom(seed), rows, Dimension, [2.0, 1.5, 1.0], noise: 0.05);
        for (int i = 0; i < data.Length; i++) data[i] = 1f / (1f + MathF.Exp(-data[i]));
        return data;
    }

    private static AutoencoderArchitecture SmallArchitecture => new()
    {
        InputSize = Dimension,
        HiddenSizes = [12],
        CodeSize = 3,
        HiddenActivation = Activation.Tanh,
        OutputActivation = Activation.Sigmoid,
    };

    /// <summary>Mean squared reconstruction error over every element of <paramref name="rows"/> rows.</summary>
    internal static double ReconstructionMse(AutoencoderNetwork network, float[] data, int rows)
    {
        const int chunk = 128;
        var cache = network.CreateCache(chunk);
        int width = network.InputSize;
        double sum = 0;
        for (int start = 0; start < rows; start += chunk)
        {
            int batch = Math.Min(chunk, rows - start);
            data.AsSpan(start * width, batch * width).CopyTo(network.Input(cache, batch));
            network.Forward(cache, batch, LayerContext.Inference());
            Span<float> output = network.Reconstruction(cache, batch);
            for (int i = 0; i < batch * width; i++)
            {
                double d = output[i] - data[start * width + i];
                sum += d * d;
            }
        }
        return sum / ((double)rows * width);
    }

    /// <summary>The MSE of predicting every column by its mean: what an autoencoder that learned nothing scores.</summary>
    private static double ColumnMeanMse(float[] data, int rows, int width)
    {
        double total = 0;
        for (int c = 0; c < width; c++)
        {
            double mean = 0;
            for (int r = 0; r < rows; r++) mean += data[r * width + c];
            mean /= rows;
            for (int r = 0; r < rows; r++) total += (data[r * width + c] - mean) * (data[r * width + c] - mean);
        }
        return total / ((double)rows * width);
    }

    [Theory]
    [InlineData(LossKind.MeanSquaredError)]
    [InlineData(LossKind.BinaryCrossEntropy)]
    public void Training_ReconstructsLowDimensionalDataFarBetterThanAtStart(LossKind lossKind)
    {
        const int rows = 2000;
        float[] data = ManifoldData(rows, seed: 71);
        var network = AutoencoderNetwork.Create(SmallArchitecture, seed: 72);
        double before = ReconstructionMse(network, data, rows);
        double meanOnly = ColumnMeanMse(data, rows, Dimension);

        var options = new TrainingOptions
        {
            Epochs = 30, BatchSize = 64, Loss = lossKind, Seed = 73, Threads = 1,
            Optimizer = new OptimizerSettings { Kind = OptimizerKind.Adam, LearningRate = 1e-2f },
        };
        var history = new AutoencoderTrainer(network, options).Fit(data, null, rows);
        double after = ReconstructionMse(network, data, rows);
        output.WriteLine($"{lossKind}: MSE at start {before:G4}, after {after:G4}, column-mean baseline {meanOnly:G4}");

        // A 3-d code can explain nearly all of this data; predicting column means explains none of it.
        Assert.True(after < 0.1 * before, $"MSE before {before:G4}, after {after:G4}");
        Assert.True(after < 0.1 * meanOnly, $"MSE after {after:G4}, column-mean baseline {meanOnly:G4}");
        Assert.Equal(30, history.Epochs.Count);
        Assert.Equal(Enumerable.Range(1, 30), history.Epochs.Select(e => e.Epoch));
        Assert.Equal(30, history.BestEpoch); // without a validation split the last epoch is the model
        Assert.False(history.StoppedEarly);
        Assert.All(history.Epochs, e => Assert.True(double.IsNaN(e.ValidationLoss)));
        // The training loss falls too. BCE against soft targets cannot go below the targets' own entropy,
        // so measure progress above that floor (the floor is 0 for MSE).
        double floor = lossKind == LossKind.BinaryCrossEntropy ? data.Average(t => BinaryEntropy(t)) : 0;
        double first = history.Epochs[0].TrainingLoss - floor, last = history.Epochs[^1].TrainingLoss - floor;
        Assert.True(last < 0.5 * first, $"training loss above its floor went from {first:G4} to {last:G4}");
    }

    private static double BinaryEntropy(double t) => -(t * Math.Log(t) + (1 - t) * Math.Log(1 - t));

    [Fact]
    public void Training_WithLeakyReluAndL1_ReducesError()
    {
        // The remaining activation and loss, end to end: a smaller budget, the same requirement of clear progress.
        const int rows = 1000;
        float[] data = ManifoldData(rows, seed: 74);
        var architecture = SmallArchitecture with { HiddenActivation = Activation.LeakyRelu, OutputActivation = Activation.Linear };
        var network = AutoencoderNetwork.Create(architecture, seed: 75);
        double before = ReconstructionMse(network, data, rows);
        var options = new TrainingOptions
        {
            Epochs = 20, BatchSize = 50, Loss = LossKind.L1, Seed = 76, Threads = 1,
            Optimizer = new OptimizerSettings { Kind = OptimizerKind.AdamW, LearningRate = 1e-2f, WeightDecay = 1e-4f },
        };
        new AutoencoderTrainer(network, options).Fit(data, null, rows);
        double after = ReconstructionMse(network, data, rows);
        output.WriteLine($"LeakyRelu + L1: MSE at start {before:G4}, after {after:G4}");
        Assert.True(after < 0.1 * before, $"MSE before {before:G4}, after {after:G4}");
    }

    /// <summary>
    /// A setup where validation loss must stall: 60 rows of pure noise through a wide network. It first falls
    /// (the network learns the column means), then there is nothing left that generalizes and it wanders or
    /// rises while the network fits the 45 training rows' noise (with these seeds: best epoch 27, stop at 32).
    /// </summary>
    private static (TrainingHistory History, float[] Final, List<float[]> Snapshots) TrainUntilOverfit(bool restoreBestWeights)
    {
        const int rows = 60;
        float[] noise = TestData.Uniform(new SeededRandom(81), rows * Dimension, 0f, 1f);
        var architecture = new AutoencoderArchitecture { InputSize = Dimension, HiddenSizes = [64], CodeSize = 2, HiddenActivation = Activation.Tanh };
        var network = AutoencoderNetwork.Create(architecture, seed: 82);
        var options = new TrainingOptions
        {
            Epochs = 500, BatchSize = 8, Seed = 83, Threads = 1,
            ValidationFraction = 0.25, EarlyStoppingPatience = 5, RestoreBestWeights = restoreBestWeights,
            Optimizer = new OptimizerSettings { Kind = OptimizerKind.Adam, LearningRate = 1e-2f },
        };
        // onEpoch runs after each epoch's weights are final: snapshot them to compare with what Fit leaves.
        var snapshots = new List<float[]>();
        var history = new AutoencoderTrainer(network, options).Fit(noise, null, rows, _ => snapshots.Add(network.Parameters.Values.ToArray()));
        return (history, network.Parameters.Values.ToArray(), snapshots);
    }

    [Fact]
    public void EarlyStopping_StopsAfterPatienceAndRestoresBestWeights()
    {
        var (history, final, snapshots) = TrainUntilOverfit(restoreBestWeights: true);
        var losses = history.Epochs.Select(e => e.ValidationLoss).ToArray();
        output.WriteLine($"stopped after {losses.Length} epochs, best {history.BestEpoch}: {string.Join(" ", losses.Select(l => l.ToString("F4")))}");

        Assert.True(history.StoppedEarly, $"ran all {losses.Length} epochs");
        Assert.True(history.BestEpoch > 1, "validation loss never improved after epoch 1: the setup does not train");
        // It stopped exactly `patience` epochs after the best one, and the best one really is the minimum.
        Assert.Equal(history.BestEpoch + 5, history.Epochs.Count);
        Assert.Equal(losses.Min(), losses[history.BestEpoch - 1]);
        Assert.All(losses.Skip(history.BestEpoch), l => Assert.True(l >= losses[history.BestEpoch - 1]));
        // The weights left in the network are the best epoch's, bit for bit, and not the last epoch's.
        Assert.Equal(snapshots[history.BestEpoch - 1], final);
        Assert.NotEqual(snapshots[^1], final);
    }

    [Fact]
    public void EarlyStopping_WithoutRestore_KeepsLastWeights()
    {
        var (history, final, snapshots) = TrainUntilOverfit(restoreBestWeights: false);
        Assert.True(history.StoppedEarly);
        Assert.Equal(snapshots[^1], final);
        Assert.NotEqual(snapshots[history.BestEpoch - 1], final);
    }

    [Fact]
    public void Fit_NaNInInputs_ThrowsNamingTheRow()
    {
        float[] data = ManifoldData(50, seed: 91);
        data[17 * Dimension + 3] = float.NaN;
        var trainer = new AutoencoderTrainer(AutoencoderNetwork.Create(SmallArchitecture, 1), new TrainingOptions { Epochs = 1, Threads = 1 });
        var error = Assert.Throws<ArgumentException>(() => trainer.Fit(data, null, 50));
        Assert.Contains("row 17", error.Message);
        Assert.Contains("element 3", error.Message);
    }

    [Fact]
    public void Fit_InfinityInTargets_ThrowsNamingTheRow()
    {
        float[] data = ManifoldData(50, seed: 92);
        float[] targets = data.ToArray();
        targets[49 * Dimension] = float.PositiveInfinity;
        var trainer = new AutoencoderTrainer(AutoencoderNetwork.Create(SmallArchitecture, 1), new TrainingOptions { Epochs = 1, Threads = 1 });
        var error = Assert.Throws<ArgumentException>(() => trainer.Fit(data, targets, 50));
        Assert.Contains("row 49", error.Message);
        Assert.Contains("targets", error.Message);
    }

    [Fact]
    public void Fit_TooFewValuesForRows_Throws()
    {
        var trainer = new AutoencoderTrainer(AutoencoderNetwork.Create(SmallArchitecture, 1), new TrainingOptions { Epochs = 1, Threads = 1 });
        Assert.Throws<ArgumentException>(() => trainer.Fit(new float[10 * Dimension - 1], null, 10));
        Assert.Throws<ArgumentException>(() => trainer.Fit(new float[10 * Dimension], null, 0));
    }

    [Fact]
    public void Fit_ValidationFractionLeavingNoValidationRows_Throws()
    {
        // round(3 × 0.1) = 0 validation rows: the split would silently do nothing.
        var options = new TrainingOptions { Epochs = 1, Threads = 1, ValidationFraction = 0.1 };
        var trainer = new AutoencoderTrainer(AutoencoderNetwork.Create(SmallArchitecture, 1), options);
        Assert.Throws<ArgumentException>(() => trainer.Fit(ManifoldData(3, 93), null, 3));
    }

    public static TheoryData<string, TrainingOptions> InvalidOptions => new()
    {
        { "zero epochs", new TrainingOptions { Epochs = 0 } },
        { "zero batch", new TrainingOptions { BatchSize = 0 } },
        { "zero threads", new TrainingOptions { Threads = 0 } },
        { "negative validation", new TrainingOptions { ValidationFraction = -0.1 } },
        { "all validation", new TrainingOptions { ValidationFraction = 1 } },
        { "NaN validation", new TrainingOptions { ValidationFraction = double.NaN } },
        { "negative patience", new TrainingOptions { EarlyStoppingPatience = -1, ValidationFraction = 0.2 } },
        { "patience without validation", new TrainingOptions { EarlyStoppingPatience = 3 } },
        { "zero learning rate", new TrainingOptions { Optimizer = new OptimizerSettings { LearningRate = 0 } } },
        { "momentum of one", new TrainingOptions { Optimizer = new OptimizerSettings { Kind = OptimizerKind.Sgd, Momentum = 1 } } },
    };

    [Theory]
    [MemberData(nameof(InvalidOptions))]
    public void Trainer_RejectsInvalidOptions(string why, TrainingOptions options)
    {
        var network = AutoencoderNetwork.Create(SmallArchitecture, 1);
        var error = Assert.Throws<ArgumentException>(() => new AutoencoderTrainer(network, options));
        Assert.False(string.IsNullOrWhiteSpace(error.Message), why);
    }

    [Theory]
    [InlineData(0, 3, 0.01f)]
    [InlineData(5, 0, 0.01f)]
    [InlineData(5, 3, 0f)]
    [InlineData(5, 3, 1f)]
    public void Create_RejectsInvalidArchitecture(int inputSize, int codeSize, float slope)
    {
        var architecture = new AutoencoderArchitecture { InputSize = inputSize, CodeSize = codeSize, LeakyReluSlope = slope };
        Assert.Throws<ArgumentException>(() => AutoencoderNetwork.Create(architecture, 1));
    }

    [Fact]
    public void Create_RejectsNonPositiveHiddenWidth()
        => Assert.Throws<ArgumentException>(() => AutoencoderNetwork.Create(new AutoencoderArchitecture { InputSize = 5, HiddenSizes = [4, 0], CodeSize = 2 }, 1));

    [Fact]
    public void Fit_DivergingLearningRate_ThrowsInsteadOfReturningNaNWeights()
    {
        // SGD with an absurd step on MSE with a linear output blows up within an epoch.
        var architecture = SmallArchitecture with { OutputActivation = Activation.Linear, HiddenActivation = Activation.Relu };
        var options = new TrainingOptions
        {
            Epochs = 5, BatchSize = 16, Threads = 1,
            Optimizer = new OptimizerSettings { Kind = OptimizerKind.Sgd, LearningRate = 1e6f },
        };
        var trainer = new AutoencoderTrainer(AutoencoderNetwork.Create(architecture, 2), options);
        // TrainingDivergedException is an InvalidOperationException, as this error always was.
        Assert.Throws<TrainingDivergedException>(() => trainer.Fit(ManifoldData(200, 94), null, 200));
    }
}
