using System.Runtime.InteropServices;
using Microsoft.ML.Autoencoders.Engine.Corruption;
using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Losses;
using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Autoencoders.Engine.Optimizers;
using Microsoft.ML.Autoencoders.Engine.Regularization;
using Microsoft.ML.Autoencoders.Engine.Specs;
using Microsoft.ML.Autoencoders.Engine.Training;
using Microsoft.ML.Autoencoders.Engine.Variational;

namespace Microsoft.ML.Autoencoders.Engine.Tests;

/// <summary>
/// A run stopped and resumed from its checkpoint must end with the same bits as a run that never stopped: every seeded
/// stream (shuffles, noise, dropout, the VAE's sampling), the optimizer's moments and step count, the schedule and early
/// stopping's bookkeeping must come back exactly. Each case trains 4 epochs straight, and again stopped after epoch 2
/// (or in the middle of epoch 3) and finished by a new trainer on a new network from the checkpoint.
/// </summary>
public sealed class CheckpointTests : IDisposable
{
    private const int Rows = 240, Epochs = 4;
    private readonly string _directory = Directory.CreateTempSubdirectory("checkpoint-tests").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private sealed record Case(NetworkSpec Spec, TrainingOptions Options)
    {
        public int Width => Spec.InputShape.Size;
        public float[] Data { get; } = TestData.Uniform(new SeededRandom(41), Rows * Spec.InputShape.Size, 0f, 1f);
    }

    private static Case Make(string name) => name switch
    {
        "dense-adam" => new(new AutoencoderArchitecture { InputSize = 12, HiddenSizes = [9], CodeSize = 3, HiddenActivation = Activation.Relu }.ToSpec(),
            new TrainingOptions
            {
                Epochs = Epochs, BatchSize = 32, Seed = 2, Threads = 1, ValidationFraction = 0.25, EarlyStoppingPatience = Epochs,
                Optimizer = new OptimizerSettings { Kind = OptimizerKind.AdamW, LearningRate = 1e-2f, WeightDecay = 1e-3f },
                LearningRateSchedule = new ReduceOnPlateauSchedule(patience: 1, factor: 0.5f),
            }),
        "denoising-dropout-sgd" => new(new AutoencoderArchitecture
            {
                InputSize = 10, HiddenSizes = [8], CodeSize = 3, HiddenActivation = Activation.Tanh, OutputActivation = Activation.Sigmoid, DropoutRate = 0.3f,
            }.ToSpec(),
            new TrainingOptions
            {
                Epochs = Epochs, BatchSize = 25, Seed = 3, Threads = 2, ValidationFraction = 0.2,
                Optimizer = new OptimizerSettings { Kind = OptimizerKind.Sgd, LearningRate = 0.05f, Momentum = 0.9f },
                Corruption = new GaussianNoise(0.2f, 0f, 1f),
                CodeRegularizers = [new L1ActivityRegularizer(1e-3f)],
            }),
        "vae" => new(new VariationalArchitecture { InputShape = TensorShape.Flat(10), HiddenSizes = [8], LatentSize = 2 }.ToSpec(),
            new TrainingOptions
            {
                Epochs = Epochs, BatchSize = 30, Seed = 4, Threads = 1, Loss = LossKind.BinaryCrossEntropy,
                Optimizer = new OptimizerSettings { LearningRate = 3e-3f },
                LearningRateSchedule = new CosineSchedule(Epochs),
                CodeRegularizers = [new GaussianKlDivergence(VariationalArchitecture.MomentsNode, 10, new KlSchedule { WarmupEpochs = 2 })],
            }),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    public static TheoryData<string> Cases => new() { "dense-adam", "denoising-dropout-sgd", "vae" };

    private static byte[] Bytes(AutoencoderNetwork network) => MemoryMarshal.AsBytes(network.Parameters.Values.AsSpan()).ToArray();

    private static (byte[] Weights, TrainingHistory History) Train(Case c, TrainingOptions options, Action<EpochMetrics>? onEpoch = null,
        CancellationToken cancellation = default)
    {
        var network = AutoencoderNetwork.Create(c.Spec, seed: 7);
        var history = new AutoencoderTrainer(network, options).Fit(c.Data, null, Rows, onEpoch, cancellation);
        return (Bytes(network), history);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void StoppedAfterTwoEpochsAndResumed_EndsBitIdenticalToAnUninterruptedRun(string name)
    {
        var c = Make(name);
        var (straight, straightHistory) = Train(c, c.Options);

        string path = Path.Combine(_directory, name + ".ckpt");
        var options = c.Options with { CheckpointPath = path, CheckpointEveryEpochs = 2 };
        using var stop = new CancellationTokenSource();
        Assert.Throws<OperationCanceledException>(() => Train(c, options, m => { if (m.Epoch == 2) stop.Cancel(); }, stop.Token));
        Assert.True(File.Exists(path));

        var resumedEpochs = new List<int>();
        var (resumed, history) = Train(c, options, m => resumedEpochs.Add(m.Epoch));
        Assert.Equal([3, 4], resumedEpochs); // it went on from the checkpoint rather than starting again
        Assert.Equal(straight, resumed);
        Assert.Equal(straightHistory.Epochs.Select(e => (e.TrainingLoss, e.ValidationLoss, e.LearningRate)),
            history.Epochs.Select(e => (e.TrainingLoss, e.ValidationLoss, e.LearningRate)));
        Assert.Equal(straightHistory.BestEpoch, history.BestEpoch);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void CancelledInTheMiddleOfAnEpochAndResumed_EndsBitIdentical(string name)
    {
        var c = Make(name);
        var (straight, _) = Train(c, c.Options with { CodeRegularizers = [.. c.Options.CodeRegularizers, new CancelAt(double.PositiveInfinity)] });

        string path = Path.Combine(_directory, name + "-mid.ckpt");
        using var stop = new CancellationTokenSource();
        // Cancelled as the step at 2.5 epochs is about to run: the checkpoint is written between two batches of epoch 3.
        var cancelling = c.Options with { CheckpointPath = path, CodeRegularizers = [.. c.Options.CodeRegularizers, new CancelAt(2.5, stop)] };
        Assert.Throws<OperationCanceledException>(() => Train(c, cancelling, cancellation: stop.Token));
        var checkpoint = TrainingCheckpoint.Read(path, TrainingCheckpoint.Describe(AutoencoderNetwork.Create(c.Spec, seed: 7), cancelling, c.Data, null, Rows));
        Assert.Equal(2, checkpoint.EpochsDone);
        Assert.InRange(checkpoint.RowsDoneInEpoch, 1, checkpoint.TrainingOrder.Length - 1);

        var (resumed, _) = Train(c, c.Options with { CheckpointPath = path, CodeRegularizers = [.. c.Options.CodeRegularizers, new CancelAt(double.PositiveInfinity)] });
        Assert.Equal(straight, resumed);
    }

    [Fact]
    public void FitAgainOnAFinishedRun_ReturnsItsModelWithoutTraining()
    {
        var c = Make("dense-adam");
        string path = Path.Combine(_directory, "finished.ckpt");
        var options = c.Options with { CheckpointPath = path, CheckpointEveryEpochs = 3 };
        var (first, firstHistory) = Train(c, options);
        int epochsRun = 0;
        var (again, history) = Train(c, options, _ => epochsRun++);
        Assert.Equal(0, epochsRun);
        Assert.Equal(first, again);
        Assert.Equal(firstHistory.Epochs.Count, history.Epochs.Count);
    }

    [Theory]
    [InlineData("Seed")]
    [InlineData("BatchSize")]
    [InlineData("network")]
    [InlineData("inputs SHA-256")]
    public void ACheckpointOfAnotherRun_IsRefusedNamingWhatDiffers(string what)
    {
        var c = Make("dense-adam");
        string path = Path.Combine(_directory, "other.ckpt");
        var options = c.Options with { CheckpointPath = path, Epochs = 1 };
        Train(c, options);

        var network = AutoencoderNetwork.Create(c.Spec, seed: 7);
        float[] data = c.Data;
        switch (what)
        {
            case "Seed": options = options with { Seed = 99 }; break;
            case "BatchSize": options = options with { BatchSize = 16 }; break;
            case "network": network = AutoencoderNetwork.Create(new AutoencoderArchitecture { InputSize = 12, HiddenSizes = [8], CodeSize = 3 }, seed: 7); break;
            case "inputs SHA-256": data = [.. data]; data[5] += 0.25f; break;
        }
        var error = Assert.Throws<InvalidOperationException>(() => new AutoencoderTrainer(network, options).Fit(data, null, Rows));
        Assert.Contains(what, error.Message);
        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void ADamagedCheckpoint_IsRefusedAsDamaged()
    {
        var c = Make("dense-adam");
        string path = Path.Combine(_directory, "damaged.ckpt");
        var options = c.Options with { CheckpointPath = path, Epochs = 1 };
        Train(c, options);
        byte[] bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 2] ^= 0x10; // one bit, in the weights
        File.WriteAllBytes(path, bytes);
        var error = Assert.Throws<InvalidDataException>(() => Train(c, options));
        Assert.Contains("SHA-256", error.Message);
        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void CheckpointEveryEpochs_MustBePositive()
    {
        var options = new TrainingOptions { CheckpointEveryEpochs = 0, CheckpointPath = "x" };
        Assert.Contains("CheckpointEveryEpochs", Assert.Throws<ArgumentException>(options.Validate).Message);
    }

    /// <summary>A penalty of nothing that cancels the run when training reaches <paramref name="at"/> epochs: a cancellation at an exact step.</summary>
    private sealed class CancelAt(double at, CancellationTokenSource? source = null) : CodeRegularizer
    {
        public override double Apply(AutoencoderNetwork network, ActivationCache cache, int batch, in LayerContext context) => 0;

        public override double Value(AutoencoderNetwork network, ActivationCache cache, int batch, in LayerContext context) => 0;

        public override void OnTrainingProgress(double epochs)
        {
            if (epochs >= at) source?.Cancel();
        }

        // The same for every instance: the runs compared are one configuration, whatever the cancellation point.
        public override string ToString() => "cancels the run at a given point";
    }
}
