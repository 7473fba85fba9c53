using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Losses;
using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Autoencoders.Engine.Optimizers;
using Microsoft.ML.Autoencoders.Engine.Specs;
using Microsoft.ML.Autoencoders.Engine.Tensors;
using Microsoft.ML.Autoencoders.Engine.Training;

namespace Microsoft.ML.Autoencoders.Engine.Tests.Convolution;

/// <summary>
/// BatchNorm2d: the training forward pass held to the definition computed in double (odd shapes), its backward pass
/// through the batch statistics to central finite differences, the running statistics to a hand computation of
/// PyTorch's update, inference to the running statistics, the training step to leaving the running statistics to the
/// layer (weight decay on, so an optimizer that stepped them would move them), and two threads to one, bit for bit.
/// </summary>
public class BatchNorm2dTests
{
    private static readonly LayerContext Training = new(Training: true, Threads: 1);

    private static BatchNorm2d Build(TensorShape input, SeededRandom random, out ParameterStore store, float momentum = BatchNorm2d.DefaultMomentum)
    {
        var spec = new BatchNorm2dSpec(momentum);
        var layer = (BatchNorm2d)spec.Build(TestContexts.Build("bn", input, spec.InferOutputShape(input)));
        store = new ParameterStore(layer.Parameters);
        layer.Initialize(random);
        // γ and β away from their start, so a mix-up of the two (or of γ with 1) shows.
        TestData.Uniform(random, layer.Channels, 0.5f, 1.5f).CopyTo(layer.Scale.Values);
        TestData.Uniform(random, layer.Channels, -0.5f, 0.5f).CopyTo(layer.Shift.Values);
        return layer;
    }

    /// <summary>Per-channel mean and biased variance over batch × H × W, in double.</summary>
    private static (double[] Mean, double[] Variance) BatchStatistics(float[] x, int batch, int channels, int plane)
    {
        var mean = new double[channels];
        var variance = new double[channels];
        int count = batch * plane;
        for (int c = 0; c < channels; c++)
        {
            double sum = 0;
            for (int n = 0; n < batch; n++)
                for (int p = 0; p < plane; p++) sum += x[(n * channels + c) * plane + p];
            mean[c] = sum / count;
            double squares = 0;
            for (int n = 0; n < batch; n++)
                for (int p = 0; p < plane; p++) squares += Math.Pow(x[(n * channels + c) * plane + p] - mean[c], 2);
            variance[c] = squares / count;
        }
        return (mean, variance);
    }

    public static TheoryData<int, int, int, int> Shapes => new()
    {
        // channels, height, width, batch
        { 3, 5, 7, 3 },
        { 2, 3, 3, 1 },
        { 1, 1, 9, 2 },
        { 4, 2, 1, 5 },
        { 5, 11, 13, 2 }, // planes longer than a vector, with a tail
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void TrainingForward_NormalizesByTheBatchAndMovesTheRunningStatistics(int c, int h, int w, int batch)
    {
        var random = new SeededRandom(3);
        var input = new TensorShape(c, h, w);
        var layer = Build(input, random, out _);
        // An offset far from zero: a one-pass Σx² − nμ² variance would lose digits here.
        float[] x = TestData.Uniform(random, batch * input.Size, 2f, 4f);
        float[] y = new float[x.Length], scratch = new float[batch * layer.ScratchSizePerSample];
        layer.Forward(x, y, scratch, batch, Training);

        int plane = h * w, count = batch * plane;
        var (mean, variance) = BatchStatistics(x, batch, c, plane);
        for (int n = 0; n < batch; n++)
        for (int ch = 0; ch < c; ch++)
        for (int p = 0; p < plane; p++)
        {
            int i = (n * c + ch) * plane + p;
            double expected = layer.Scale.Values[ch] * (x[i] - mean[ch]) / Math.Sqrt(variance[ch] + BatchNorm2d.DefaultEpsilon) + layer.Shift.Values[ch];
            Assert.True(Math.Abs(y[i] - expected) <= 1e-5 * (1 + Math.Abs(expected)), $"n {n} c {ch} p {p}: {y[i]} vs {expected}");
        }

        // PyTorch's update from the start (0, 1): 0.9·0 + 0.1·μ, and 0.9·1 + 0.1·(unbiased variance).
        for (int ch = 0; ch < c; ch++)
        {
            double runningMean = 0.1 * mean[ch];
            double runningVariance = 0.9 + 0.1 * variance[ch] * count / (count - 1);
            Assert.True(Math.Abs(layer.RunningMean.Values[ch] - runningMean) <= 1e-6 * (1 + Math.Abs(runningMean)), $"running mean {ch}");
            Assert.True(Math.Abs(layer.RunningVariance.Values[ch] - runningVariance) <= 1e-6 * (1 + runningVariance), $"running variance {ch}");
        }
    }

    /// <summary>Σ coefficients·y with y from the definition, all in double: a noise-free objective for finite differences.</summary>
    private static double DefinitionObjective(double[] x, double[] gamma, double[] beta, float[] coefficients, int batch, int channels, int plane)
    {
        double total = 0;
        int count = batch * plane;
        for (int c = 0; c < channels; c++)
        {
            double mean = 0, variance = 0;
            for (int n = 0; n < batch; n++)
                for (int p = 0; p < plane; p++) mean += x[(n * channels + c) * plane + p];
            mean /= count;
            for (int n = 0; n < batch; n++)
                for (int p = 0; p < plane; p++) variance += Math.Pow(x[(n * channels + c) * plane + p] - mean, 2);
            variance /= count;
            double inverseDeviation = 1 / Math.Sqrt(variance + BatchNorm2d.DefaultEpsilon);
            for (int n = 0; n < batch; n++)
            {
                for (int p = 0; p < plane; p++)
                {
                    int i = (n * channels + c) * plane + p;
                    total += coefficients[i] * (gamma[c] * (x[i] - mean) * inverseDeviation + beta[c]);
                }
            }
        }
        return total;
    }

    /// <summary>Central differences in double of <paramref name="objective"/> along each entry of <paramref name="values"/>.</summary>
    private static double[] DoubleDifferences(double[] values, Func<double> objective, double step = 1e-6)
    {
        var result = new double[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            double saved = values[i];
            values[i] = saved + step;
            double up = objective();
            values[i] = saved - step;
            double down = objective();
            values[i] = saved;
            result[i] = (up - down) / (2 * step);
        }
        return result;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void TrainingBackward_MatchesFiniteDifferencesThroughTheBatchStatistics(int c, int h, int w, int batch)
    {
        var random = new SeededRandom(5);
        var input = new TensorShape(c, h, w);
        var layer = Build(input, random, out var store);
        float[] x = TestData.Uniform(random, batch * input.Size, -1f, 1f);
        float[] coefficients = TestData.Uniform(random, x.Length, -1f, 1f);
        float[] y = new float[x.Length], dx = new float[x.Length], scratch = new float[batch * layer.ScratchSizePerSample];
        store.ZeroGradients();
        layer.Forward(x, y, scratch, batch, Training);
        layer.Backward(x, y, coefficients, dx, scratch, batch, Training);

        // Held to differences of the definition in double: a step in one x moves its whole channel's statistics, so through
        // the float layer every y of the channel is rounded anew and the quotient's noise grows with √(N·H·W) (≈ 5e-4 for
        // 286 values at the usual step, above the tolerance).
        int plane = h * w;
        double[] xd = x.Select(v => (double)v).ToArray();
        double[] gamma = layer.Scale.Values.ToArray().Select(v => (double)v).ToArray(), beta = layer.Shift.Values.ToArray().Select(v => (double)v).ToArray();
        double Definition() => DefinitionObjective(xd, gamma, beta, coefficients, batch, c, plane);
        GradientCheck.AssertMatches("dγ", layer.Scale.Gradients, DoubleDifferences(gamma, Definition), 1e-5);
        GradientCheck.AssertMatches("dβ", layer.Shift.Gradients, DoubleDifferences(beta, Definition), 1e-5);
        GradientCheck.AssertMatches("dx", dx, DoubleDifferences(xd, Definition), 1e-5);
        // No gradient reaches the buffers.
        Assert.All(layer.RunningMean.Gradients.ToArray(), g => Assert.Equal(0f, g));
        Assert.All(layer.RunningVariance.Gradients.ToArray(), g => Assert.Equal(0f, g));

        // And through the float layer itself, where its channels are short enough for the float quotient to be clean.
        if (batch * plane > 40) return;
        double Objective()
        {
            layer.Forward(x, y, scratch, batch, Training);
            return TestData.WeightedSum(coefficients, y);
        }
        GradientCheck.AssertMatches("dx through the layer", dx, GradientCheck.Numerical(x, 0, x.Length, Objective), 1e-4);
        GradientCheck.AssertMatches("dγ through the layer", layer.Scale.Gradients, GradientCheck.Numerical(store.Values, layer.Scale.Offset, layer.Scale.Length, Objective), 1e-4);
    }

    [Fact]
    public void Backward_WritingOverEqualsAddingToZeros()
    {
        var random = new SeededRandom(17);
        var input = new TensorShape(3, 4, 5);
        var layer = Build(input, random, out _);
        const int Batch = 3;
        float[] x = TestData.Uniform(random, Batch * input.Size, -1f, 1f), y = new float[x.Length];
        float[] scratch = new float[Batch * layer.ScratchSizePerSample], dy = TestData.Uniform(random, y.Length, -1f, 1f);
        layer.Forward(x, y, scratch, Batch, Training);
        float[] added = new float[x.Length], written = Enumerable.Repeat(float.NaN, x.Length).ToArray();
        layer.Backward(x, y, dy, added, scratch, Batch, Training);
        layer.Backward(x, y, dy, written, scratch, Batch, Training with { OverwriteInputGradient = true });
        Assert.Equal(added, written);
    }

    [Fact]
    public void RunningStatistics_AfterSeveralPasses_FollowPyTorchsUpdate()
    {
        const float Momentum = 0.3f;
        const int Batch = 4;
        var random = new SeededRandom(7);
        var input = new TensorShape(3, 3, 5);
        var layer = Build(input, random, out _, Momentum);
        int plane = input[1] * input[2], count = Batch * plane;
        double[] runningMean = new double[input[0]], runningVariance = Enumerable.Repeat(1.0, input[0]).ToArray();
        float[] y = new float[Batch * input.Size], scratch = new float[Batch * layer.ScratchSizePerSample];
        for (int pass = 0; pass < 4; pass++)
        {
            float[] x = TestData.Uniform(random, Batch * input.Size, -1f + pass, 2f + 2 * pass);
            layer.Forward(x, y, scratch, Batch, Training);
            var (mean, variance) = BatchStatistics(x, Batch, input[0], plane);
            for (int c = 0; c < input[0]; c++)
            {
                runningMean[c] = (1 - Momentum) * runningMean[c] + Momentum * mean[c];
                runningVariance[c] = (1 - Momentum) * runningVariance[c] + Momentum * variance[c] * count / (count - 1);
            }
        }
        for (int c = 0; c < input[0]; c++)
        {
            Assert.True(Math.Abs(layer.RunningMean.Values[c] - runningMean[c]) <= 1e-5 * (1 + Math.Abs(runningMean[c])), $"mean {c}: {layer.RunningMean.Values[c]} vs {runningMean[c]}");
            Assert.True(Math.Abs(layer.RunningVariance.Values[c] - runningVariance[c]) <= 1e-5 * (1 + runningVariance[c]), $"variance {c}: {layer.RunningVariance.Values[c]} vs {runningVariance[c]}");
        }
    }

    [Fact]
    public void Inference_UsesTheRunningStatisticsAndLeavesThemAlone()
    {
        var random = new SeededRandom(9);
        var input = new TensorShape(2, 3, 4);
        var layer = Build(input, random, out var store);
        float[] mean = [0.4f, -1.5f], variance = [2.5f, 0.3f];
        mean.CopyTo(layer.RunningMean.Values);
        variance.CopyTo(layer.RunningVariance.Values);
        const int Batch = 3;
        var inference = LayerContext.Inference();
        float[] x = TestData.Uniform(random, Batch * input.Size, -2f, 2f), y = new float[x.Length];
        float[] scratch = new float[Batch * layer.ScratchSizePerSample];
        layer.Forward(x, y, scratch, Batch, inference);
        int plane = input[1] * input[2];
        for (int i = 0; i < x.Length; i++)
        {
            int c = i / plane % input[0];
            double expected = layer.Scale.Values[c] * (x[i] - mean[c]) / Math.Sqrt(variance[c] + BatchNorm2d.DefaultEpsilon) + layer.Shift.Values[c];
            Assert.True(Math.Abs(y[i] - expected) <= 1e-5 * (1 + Math.Abs(expected)), $"{i}: {y[i]} vs {expected}");
        }
        Assert.Equal(mean, layer.RunningMean.Values.ToArray());
        Assert.Equal(variance, layer.RunningVariance.Values.ToArray());

        // Backward after an inference pass treats the statistics as constants: a per-channel affine map.
        float[] coefficients = TestData.Uniform(random, x.Length, -1f, 1f), dx = new float[x.Length];
        double Objective()
        {
            layer.Forward(x, y, scratch, Batch, inference);
            return TestData.WeightedSum(coefficients, y);
        }
        store.ZeroGradients();
        layer.Backward(x, y, coefficients, dx, scratch, Batch, inference);
        GradientCheck.AssertMatches("dx", dx, GradientCheck.Numerical(x, 0, x.Length, Objective), 1e-4);
        GradientCheck.AssertMatches("dγ", layer.Scale.Gradients, GradientCheck.Numerical(store.Values, layer.Scale.Offset, layer.Scale.Length, Objective), 1e-4);
    }

    [Fact]
    public void TrainingOnOneValuePerChannel_IsRefused()
    {
        var layer = Build(new TensorShape(2, 1, 1), new SeededRandom(1), out _);
        var error = Assert.Throws<InvalidOperationException>(() => layer.Forward(new float[2], new float[2], new float[4], 1, Training));
        Assert.Contains("more than one value per channel", error.Message);
        layer.Forward(new float[2], new float[2], new float[4], 1, LayerContext.Inference()); // inference has the running statistics
    }

    [Fact]
    public void SplitOverThreads_MatchesOneThreadBitForBit()
    {
        // 4 channels of 16×16 over 128 rows: 32K values a channel, enough for the pass to take both threads.
        var random = new SeededRandom(13);
        var input = new TensorShape(4, 16, 16);
        const int Batch = 128;
        float[] x = TestData.Uniform(random, Batch * input.Size, -1f, 3f), coefficients = TestData.Uniform(random, x.Length, -1f, 1f);
        (float[] Y, float[] Dx, float[] State) Run(int threads)
        {
            var layer = Build(input, new SeededRandom(21), out var store);
            var context = new LayerContext(Training: true, Threads: threads);
            float[] y = new float[x.Length], dx = new float[x.Length], scratch = new float[Batch * layer.ScratchSizePerSample];
            layer.Forward(x, y, scratch, Batch, context);
            layer.Backward(x, y, coefficients, dx, scratch, Batch, context);
            return (y, dx, store.Values.Concat(store.Gradients).ToArray());
        }

        var one = Run(1);
        var two = Run(2);
        Assert.Equal(one.Y, two.Y);
        Assert.Equal(one.Dx, two.Dx);
        Assert.Equal(one.State, two.State); // γ, β, running statistics and their gradients
    }

    /// <summary>A conv autoencoder with batch norm in the encoder and, by mirroring, in the decoder.</summary>
    internal static NetworkSpec ConvSpecWithBatchNorm() => NetworkSpec.Create(
        new TensorShape(1, 6, 6),
        [new Conv2dSpec(3, 3), new BatchNorm2dSpec(), new ActivationSpec(Activation.Relu), new MaxPool2dSpec(2)],
        outputActivation: Activation.Sigmoid);

    [Fact]
    public void Mirror_GivesTheDecoderABatchNormOverTheSameChannels()
    {
        var spec = ConvSpecWithBatchNorm();
        Assert.Equal(["upsample2d", "activation", "batch_norm2d", "conv2d", "activation"], spec.Decoder.Select(l => l.Kind));
        var decoderNorm = spec.Decoder.Single(l => l is BatchNorm2dSpec);
        Assert.Equal(new TensorShape(3, 6, 6), decoderNorm.InputShape);
        Assert.Equal(spec, NetworkSpec.FromJson(spec.ToJson()));
        Assert.Contains("\"kind\":\"batch_norm2d\"", spec.ToJson());
    }

    [Fact]
    public void TrainingSteps_LeaveTheRunningStatisticsToTheLayer()
    {
        // AdamW with weight decay and an L2 weight penalty: an optimizer step or a penalty that reached the running
        // statistics would shrink them, even with their zero gradients. Each step's forward pass must instead move them by
        // PyTorch's rule from the statistics of the batch that reached the layer (its input slot in the step's cache).
        var network = AutoencoderNetwork.Create(ConvSpecWithBatchNorm(), seed: 3);
        var norms = network.Layers.Layers.OfType<BatchNorm2d>().ToArray();
        Assert.Equal(2, norms.Length);
        var store = network.Parameters;
        Assert.Equal(store.Count - norms.Sum(n => 2 * n.Channels), store.TrainableCount);
        Assert.All(store.Parameters.Skip(store.Parameters.Count - 2 * norms.Length), p => Assert.Equal(ParameterRole.Buffer, p.Role));
        Assert.All(norms, n => Assert.True(n.RunningMean.Offset >= store.TrainableCount && n.RunningVariance.Offset >= store.TrainableCount));

        var options = new TrainingOptions
        {
            BatchSize = 8,
            Loss = LossKind.BinaryCrossEntropy,
            Optimizer = new OptimizerSettings { Kind = OptimizerKind.AdamW, LearningRate = 0.01f, WeightDecay = 0.5f },
            L2WeightPenalty = 0.1f,
            Threads = 1,
        };
        var random = new SeededRandom(5);
        float[] data = TestData.Uniform(random, 40 * 36, 0f, 1f);
        var step = new TrainingStep(network, options, 8, random);
        int[] layerIndex = norms.Select(n => network.Layers.Layers.ToList().IndexOf(n)).ToArray();
        for (int s = 0; s < 4; s++)
        {
            float[][] meanBefore = norms.Select(n => n.RunningMean.Values.ToArray()).ToArray();
            float[][] varianceBefore = norms.Select(n => n.RunningVariance.Values.ToArray()).ToArray();
            int[] rows = Enumerable.Range(s * 8, 8).ToArray();
            step.Run(data, data, rows, out _);
            for (int k = 0; k < norms.Length; k++)
            {
                var norm = norms[k];
                int plane = norm.Height * norm.Width, count = rows.Length * plane;
                var (mean, variance) = BatchStatistics(step.Cache.Values(layerIndex[k], rows.Length).ToArray(), rows.Length, norm.Channels, plane);
                for (int c = 0; c < norm.Channels; c++)
                {
                    double expectedMean = 0.9 * meanBefore[k][c] + 0.1 * mean[c];
                    double expectedVariance = 0.9 * varianceBefore[k][c] + 0.1 * variance[c] * count / (count - 1);
                    Assert.True(Math.Abs(norm.RunningMean.Values[c] - expectedMean) <= 1e-5 * (1 + Math.Abs(expectedMean)), $"step {s}, norm {k}, mean {c}: {norm.RunningMean.Values[c]} vs {expectedMean}");
                    Assert.True(Math.Abs(norm.RunningVariance.Values[c] - expectedVariance) <= 1e-5 * (1 + expectedVariance), $"step {s}, norm {k}, variance {c}: {norm.RunningVariance.Values[c]} vs {expectedVariance}");
                }
            }
        }
        // The learned ones did move.
        Assert.All(norms, n => Assert.Contains(n.Scale.Values.ToArray(), g => g != 1f));
        Assert.All(norms, n => Assert.Contains(n.Shift.Values.ToArray(), b => b != 0f));
    }

    [Fact]
    public void Validation_RunsInInferenceMode_SoOnlyTheTrainingBatchMovesTheRunningStatistics()
    {
        // One epoch of one full batch, then a validation pass over the held-out rows. With momentum 1 the running
        // statistics are the last training-mode batch's own: the training rows under the initial weights (the forward pass
        // runs before the step updates them). A validation pass in training mode would have put the held-out rows' there.
        var spec = NetworkSpec.Create(new TensorShape(1, 4, 4),
            [new Conv2dSpec(2, 3), new BatchNorm2dSpec(Momentum: 1f), new ActivationSpec(Activation.Relu)], outputActivation: Activation.Sigmoid);
        const int Rows = 20, Held = 5;
        var random = new SeededRandom(2);
        float[] data = TestData.Uniform(random, Rows * 16, 0f, 1f);
        var options = new TrainingOptions
        {
            Epochs = 1, BatchSize = 64, ValidationFraction = Held / (double)Rows, Shuffle = false, RestoreBestWeights = false, Threads = 1,
            Loss = LossKind.BinaryCrossEntropy, Seed = 4,
        };
        var network = AutoencoderNetwork.Create(spec, seed: 1);
        var history = new AutoencoderTrainer(network, options).Fit(data, null, Rows);
        Assert.True(double.IsFinite(history.Epochs[0].ValidationLoss));

        // The trainer's split: a permutation from the options' seed, the first rows held out, the rest in order (no shuffle).
        int[] order = Enumerable.Range(0, Rows).ToArray();
        new SeededRandom(options.Seed).Shuffle(order);
        int[] training = order[Held..];
        Array.Sort(training);
        var initial = AutoencoderNetwork.Create(spec, seed: 1);
        var cache = initial.CreateCache(training.Length);
        for (int r = 0; r < training.Length; r++) data.AsSpan(training[r] * 16, 16).CopyTo(initial.Input(cache, training.Length).Slice(r * 16));
        initial.Forward(cache, training.Length, new LayerContext(Training: true, Threads: 1));

        // The encoder's norm (the mirrored decoder has one too: its input also comes from the initial weights).
        var trained = network.Layers.Layers.OfType<BatchNorm2d>().First();
        var replayed = initial.Layers.Layers.OfType<BatchNorm2d>().First();
        Assert.Equal(replayed.RunningMean.Values.ToArray(), trained.RunningMean.Values.ToArray());
        Assert.Equal(replayed.RunningVariance.Values.ToArray(), trained.RunningVariance.Values.ToArray());
    }
}

/// <summary>A steady stream of training steps through batch norm and bilinear upsampling allocates nothing.</summary>
[Collection(nameof(AllocationMeasurement))]
public class BatchNorm2dAllocationTests
{
    [Fact]
    public void SteadyStateStepsWithBatchNormAndBilinearUpsampling_AllocateNothing()
    {
        var spec = NetworkSpec.Create(new TensorShape(1, 8, 8),
            [new Conv2dSpec(4, 3), new BatchNorm2dSpec(), new ActivationSpec(Activation.Relu), new MaxPool2dSpec(2)],
            [new Upsample2dSpec(2, UpsampleMode.Bilinear), new Conv2dSpec(4, 3), new BatchNorm2dSpec(), new ActivationSpec(Activation.Relu),
             new Conv2dSpec(1, 3), new ActivationSpec(Activation.Sigmoid)]);
        var network = AutoencoderNetwork.Create(spec, seed: 7);
        var options = new TrainingOptions
        {
            BatchSize = 32, Loss = LossKind.BinaryCrossEntropy, Threads = 2,
            Optimizer = new OptimizerSettings { Kind = OptimizerKind.Adam, LearningRate = 1e-3f },
        };
        var random = new SeededRandom(11);
        const int Rows = 200;
        float[] data = TestData.Uniform(random, Rows * 64, 0f, 1f);
        int[] order = Enumerable.Range(0, Rows).ToArray();
        var step = new TrainingStep(network, options, 32, random);
        for (int s = 0; s < 5; s++) step.Run(data, data, order.AsSpan(s * 32 % (Rows - 32), 32), out _);
        step.Run(data, data, order.AsSpan(0, 7), out _);

        double sum = 0;
        long[] windows = SteadyStateAllocations.Measure(s =>
        {
            int batch = s % 5 == 4 ? 7 : 32;
            sum += step.Run(data, data, order.AsSpan(s * 7 % (Rows - 32), batch), out _);
        }, callsPerWindow: 30);
        Assert.True(double.IsFinite(sum));
        SteadyStateAllocations.AssertNone(windows, "batch norm + bilinear");
    }
}
