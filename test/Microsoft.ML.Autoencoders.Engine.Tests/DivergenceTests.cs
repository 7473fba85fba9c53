using System.Globalization;
using Microsoft.ML.Autoencoders.Engine.Corruption;
using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Losses;
using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Autoencoders.Engine.Optimizers;
using Microsoft.ML.Autoencoders.Engine.Specs;
using Microsoft.ML.Autoencoders.Engine.Training;
using Xunit.Abstractions;

namespace Microsoft.ML.Autoencoders.Engine.Tests;

/// <summary>
/// Divergence is never silent: a non-finite or exploding loss stops training with <see cref="TrainingDivergedException"/>,
/// a collapsed code leaves a warning in the history, and normal training triggers neither.
/// </summary>
public class DivergenceTests(ITestOutputHelper output)
{
    private const int Dimension = 20, Rows = 200;

    /// <summary>Rows near a 3-dimensional subspace squashed into (0, 1): fit for MSE and BCE alike.</summary>
    private static float[] ManifoldData(int rows, long seed, int dimension = Dimension)
    {
        var (data, _) = TestData.NearSubspace(new SeededRandom(seed), rows, dimension, [2.0, 1.5, 1.0], noise: 0.05);
        for (int i = 0; i < data.Length; i++) data[i] = 1f / (1f + MathF.Exp(-data[i]));
        return data;
    }

    private static AutoencoderArchitecture Dense(Activation code = Activation.Linear, Activation outputActivation = Activation.Sigmoid) => new()
    {
        InputSize = Dimension,
        HiddenSizes = [12],
        CodeSize = 3,
        HiddenActivation = Activation.Tanh,
        CodeActivation = code,
        OutputActivation = outputActivation,
    };

    private static TrainingOptions Options(OptimizerKind kind, float learningRate, LossKind loss = LossKind.MeanSquaredError, int epochs = 5) => new()
    {
        Epochs = epochs, BatchSize = 16, Threads = 1, Loss = loss, Seed = 3,
        Optimizer = new OptimizerSettings { Kind = kind, LearningRate = learningRate },
    };

    [Theory]
    [InlineData(1e3f, Activation.Linear)]
    [InlineData(10f, Activation.Linear)]
    public void Adam_AtAHugeLearningRate_ThrowsNamingTheLearningRate(float learningRate, Activation outputActivation)
    {
        var network = AutoencoderNetwork.Create(Dense(outputActivation: outputActivation), 2);
        var trainer = new AutoencoderTrainer(network, Options(OptimizerKind.Adam, learningRate, epochs: 10));
        var error = Assert.Throws<TrainingDivergedException>(() => trainer.Fit(ManifoldData(Rows, 94), null, Rows));
        output.WriteLine(error.Message);
        Assert.Contains("Training diverged at epoch", error.Message);
        Assert.Contains(learningRate.ToString("G4", CultureInfo.InvariantCulture), error.Message);
        Assert.Contains("Adam", error.Message);
        Assert.Contains("LearningRate", error.Message);
        Assert.Equal(learningRate, error.LearningRate);
        Assert.Equal(OptimizerKind.Adam, error.Optimizer);
        Assert.InRange(error.Epoch, 1, 10);
    }

    [Fact]
    public void WithBackoffs_ADivergingRunRestartsTheEpochAtATenthOfTheRateAndFinishesSound()
    {
        var data = ManifoldData(Rows, 94);
        var network = AutoencoderNetwork.Create(Dense(outputActivation: Activation.Linear), 2);
        var options = Options(OptimizerKind.Adam, 10f, epochs: 10) with { LearningRateBackoffs = 4 };
        var history = new AutoencoderTrainer(network, options).Fit(data, null, Rows);
        foreach (string warning in history.Warnings) output.WriteLine(warning);

        var backoffs = history.Warnings.Where(w => w.StartsWith("Training diverged", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(backoffs);
        Assert.Contains("at learning rate 10", backoffs[0]);
        Assert.Equal(10, history.Epochs.Count);
        Assert.True(history.Epochs[^1].LearningRate <= 1f, $"The last epoch ran at {history.Epochs[^1].LearningRate}.");
        // Sound, not merely finished: far below the untrained loss, and the weights finite.
        double untrained = new AutoencoderTrainer(AutoencoderNetwork.Create(Dense(outputActivation: Activation.Linear), 2),
            Options(OptimizerKind.Adam, 1e-9f, epochs: 1)).Fit(data, null, Rows).Epochs[0].TrainingLoss;
        Assert.True(history.Epochs[^1].TrainingLoss < untrained, $"loss {history.Epochs[^1].TrainingLoss} vs untrained {untrained}");
        Assert.All(network.Parameters.Values, v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void WhenTheBackoffsRunOut_TheErrorNamesTheLoweredRate()
    {
        var network = AutoencoderNetwork.Create(Dense(outputActivation: Activation.Linear), 2);
        var options = Options(OptimizerKind.Adam, 1e6f, epochs: 10) with { LearningRateBackoffs = 1 };
        var error = Assert.Throws<TrainingDivergedException>(() => new AutoencoderTrainer(network, options).Fit(ManifoldData(Rows, 94), null, Rows));
        Assert.Equal(1e5f, error.LearningRate, 1f);
        Assert.Contains("1E+05", error.Message);
    }

    [Fact]
    public void GradientClipping_BoundsEveryStepByTheClipNorm()
    {
        // One batch, plain SGD without momentum: the step is exactly −rate × gradient, so its length is the rate times the
        // gradient's norm, or times the clip norm once the gradient is clipped.
        const int Batch = 16;
        float[] data = ManifoldData(Batch, 94);
        double StepLength(float clip)
        {
            var network = AutoencoderNetwork.Create(Dense(outputActivation: Activation.Linear), 2);
            float[] before = network.Parameters.Values.ToArray();
            var options = Options(OptimizerKind.Sgd, 1f, epochs: 1) with
            {
                BatchSize = Batch, GradientClipNorm = clip, Optimizer = new OptimizerSettings { Kind = OptimizerKind.Sgd, LearningRate = 1f, Momentum = 0f },
            };
            new AutoencoderTrainer(network, options).Fit(data, null, Batch);
            return Math.Sqrt(before.Zip(network.Parameters.Values, (a, b) => (double)(a - b) * (a - b)).Sum());
        }
        double unclipped = StepLength(0);
        Assert.True(unclipped > 0.01, $"The unclipped step is {unclipped}: too small for the check to mean anything.");
        Assert.Equal(0.001, StepLength(0.001f), 6);
        Assert.Equal(unclipped, StepLength(1000f), 6); // a clip above the norm changes nothing
    }

    [Fact]
    public void Sgd_GoingToNaN_StillThrows_AsAnInvalidOperationException()
    {
        // The case caught before the guard existed: it must still throw, and stay catchable as InvalidOperationException.
        var network = AutoencoderNetwork.Create(Dense(outputActivation: Activation.Linear) with { HiddenActivation = Activation.Relu }, 2);
        var trainer = new AutoencoderTrainer(network, Options(OptimizerKind.Sgd, 1e6f));
        var error = Assert.ThrowsAny<InvalidOperationException>(() => trainer.Fit(ManifoldData(Rows, 94), null, Rows));
        output.WriteLine(error.Message);
        var diverged = Assert.IsType<TrainingDivergedException>(error);
        Assert.Contains("Training diverged", diverged.Message);
        Assert.Contains("Sgd", diverged.Message);
        Assert.True(diverged.Batch >= 1, "a NaN is caught after the batch that made it, not at the end of the epoch");
    }

    [Fact]
    public void BinaryCrossEntropy_Divergence_AdvisesCheckingTheDataRange()
    {
        var network = AutoencoderNetwork.Create(Dense(), 2);
        var trainer = new AutoencoderTrainer(network, Options(OptimizerKind.Adam, 1e3f, LossKind.BinaryCrossEntropy, epochs: 10));
        var error = Assert.Throws<TrainingDivergedException>(() => trainer.Fit(ManifoldData(Rows, 94), null, Rows));
        output.WriteLine(error.Message);
        Assert.Contains("[0, 1]", error.Message);
    }

    [Fact]
    public void Adam_AtAHugeLearningRate_WithABoundedOutput_IsNotSilent()
    {
        // A sigmoid output keeps the MSE below 1, so the loss cannot explode; the weights do, and the saturated network
        // gives every row the same code. Either the guard stops it or the history says the code collapsed.
        var network = AutoencoderNetwork.Create(Dense(outputActivation: Activation.Sigmoid), 2);
        var trainer = new AutoencoderTrainer(network, Options(OptimizerKind.Adam, 1e3f, epochs: 10));
        try
        {
            var history = trainer.Fit(ManifoldData(Rows, 94), null, Rows);
            foreach (var warning in history.Warnings) output.WriteLine(warning);
            Assert.Contains(history.Warnings, w => w.Contains("The code collapsed", StringComparison.Ordinal));
        }
        catch (TrainingDivergedException error)
        {
            output.WriteLine(error.Message);
        }
    }

    public static TheoryData<string> NormalConfigurations => new() { "mse", "bce", "sgd", "denoising", "tanh-code", "convolutional" };

    [Theory]
    [MemberData(nameof(NormalConfigurations))]
    public void NormalTraining_NeverTriggers(string configuration)
    {
        AutoencoderNetwork network;
        float[] data;
        int rows = Rows;
        var options = Options(OptimizerKind.Adam, 1e-3f, epochs: 8);
        switch (configuration)
        {
            case "convolutional":
                var relu = new ActivationSpec(Activation.Relu);
                var spec = NetworkSpec.Create(new TensorShape(1, 8, 8),
                    [new Conv2dSpec(4, 3), relu, new MaxPool2dSpec(2), new Conv2dSpec(2, 3), relu],
                    decoder: [new Upsample2dSpec(2, UpsampleMode.Nearest), new Conv2dSpec(4, 3), relu, new Conv2dSpec(1, 3), new ActivationSpec(Activation.Sigmoid)]);
                network = AutoencoderNetwork.Create(spec, 5);
                rows = 120;
                data = ManifoldData(rows, 7, dimension: 64);
                break;
            default:
                network = AutoencoderNetwork.Create(Dense(code: configuration == "tanh-code" ? Activation.Tanh : Activation.Linear), 5);
                data = ManifoldData(rows, 7);
                options = configuration switch
                {
                    "bce" => options with { Loss = LossKind.BinaryCrossEntropy },
                    "sgd" => options with { Optimizer = new OptimizerSettings { Kind = OptimizerKind.Sgd, LearningRate = 1e-2f } },
                    "denoising" => options with { Corruption = new GaussianNoise(0.1f, 0f, 1f), ValidationFraction = 0.2 },
                    _ => options,
                };
                break;
        }
        var history = new AutoencoderTrainer(network, options).Fit(data, null, rows);
        foreach (var epoch in history.Epochs) output.WriteLine($"{epoch.Epoch}: {epoch.TrainingLoss:G4}");
        Assert.Equal(options.Epochs, history.Epochs.Count);
        Assert.Empty(history.Warnings);
    }

    [Fact]
    public void ExplosionRule_NeedsBothTheFactorAndTheFloor()
    {
        Assert.True(DivergenceGuard.IsExploded(1e7, 0.1));
        Assert.False(DivergenceGuard.IsExploded(50, 0.1), "500× the start is bad training but not yet an explosion");
        Assert.False(DivergenceGuard.IsExploded(1e-4, 1e-9), "a near-zero reference alone does not make a small loss an explosion");
        Assert.True(DivergenceGuard.IsExploded(1.0, 1e-9));
    }

    [Fact]
    public void CollapseDetector_FlagsOneOrTwoCodesForDistinctRows()
    {
        const int rows = 50, codeSize = 4, inputSize = 6;
        float[] inputs = TestData.Uniform(new SeededRandom(1), rows * inputSize, 0, 1);

        // Every row the same huge code, with float jitter far below its magnitude: what Adam at a huge rate leaves.
        var same = new float[rows * codeSize];
        for (int i = 0; i < same.Length; i++) same[i] = 3e20f * (1 + (i % 3) * 1e-7f);
        Assert.Contains("the same code", CodeCollapseDetector.Check(same, codeSize, inputs, inputSize, rows));

        // A saturated tanh code: every element ±1, two patterns.
        var saturated = new float[rows * codeSize];
        for (int r = 0; r < rows; r++) saturated.AsSpan(r * codeSize, codeSize).Fill(r % 2 == 0 ? 1f : -1f);
        Assert.Contains("only 2 distinct codes", CodeCollapseDetector.Check(saturated, codeSize, inputs, inputSize, rows));

        // Dead units: all zeros.
        Assert.NotNull(CodeCollapseDetector.Check(new float[rows * codeSize], codeSize, inputs, inputSize, rows));

        // Healthy codes, even small ones, are not flagged.
        float[] healthy = TestData.Uniform(new SeededRandom(2), rows * codeSize, -1e-3f, 1e-3f);
        Assert.Null(CodeCollapseDetector.Check(healthy, codeSize, inputs, inputSize, rows));

        // Three codes for three kinds of row is enough to pass.
        var three = new float[rows * codeSize];
        for (int r = 0; r < rows; r++) three.AsSpan(r * codeSize, codeSize).Fill(r % 3);
        Assert.Null(CodeCollapseDetector.Check(three, codeSize, inputs, inputSize, rows));
    }

    [Fact]
    public void CollapseDetector_AcceptsOneCodeWhenTheRowsThemselvesAreAlike()
    {
        const int rows = 20, codeSize = 2, inputSize = 3;
        var inputs = new float[rows * inputSize];
        for (int r = 0; r < rows; r++) inputs.AsSpan(r * inputSize, inputSize).Fill(r % 2); // two distinct rows
        var codes = new float[rows * codeSize];
        for (int r = 0; r < rows; r++) codes.AsSpan(r * codeSize, codeSize).Fill(r % 2 == 0 ? 0.5f : -0.5f);
        Assert.Null(CodeCollapseDetector.Check(codes, codeSize, inputs, inputSize, rows));
    }

    [Fact]
    public void SaturatedTanhCode_LeavesAWarningInTheHistory()
    {
        // Data far from zero and not centered (every value near 1e4) through a tanh code: each code unit sees about
        // 1e4 × the sum of its weights, saturates to the same ±1 for every row, and a small SGD step cannot pull it back
        // (tanh's gradient there is ~0). The loss stays finite; only the collapse check notices.
        var architecture = Dense(code: Activation.Tanh, outputActivation: Activation.Linear) with { HiddenSizes = [] };
        var network = AutoencoderNetwork.Create(architecture, 2);
        float[] data = ManifoldData(Rows, 94);
        for (int i = 0; i < data.Length; i++) data[i] += 1e4f;
        var options = Options(OptimizerKind.Sgd, 1e-12f, epochs: 2);
        var history = new AutoencoderTrainer(network, options).Fit(data, null, Rows);
        foreach (var warning in history.Warnings) output.WriteLine(warning);
        Assert.Contains(history.Warnings, w => w.Contains("The code collapsed", StringComparison.Ordinal));
    }
}
