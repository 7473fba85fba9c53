using Microsoft.ML.Autoencoders.Engine.Kernels;
using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Losses;
using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Autoencoders.Engine.Optimizers;
using Microsoft.ML.Autoencoders.Engine.Regularization;
using Microsoft.ML.Autoencoders.Engine.Specs;
using Microsoft.ML.Autoencoders.Engine.Tensors;
using Microsoft.ML.Autoencoders.Engine.Training;
using Microsoft.ML.Autoencoders.Engine.Tests.Convolution;

namespace Microsoft.ML.Autoencoders.Engine.Tests;

/// <summary>
/// prelu over rows [F], images [C, H, W], sequences [C, L] and windows [T, F], a slope per channel, per feature of each step
/// or one shared: forward held to the definition, backward (dx and the slopes' gradients) to finite differences, dx written
/// over alike, the same bits on one thread or two, networks with it end to end, and its place in specs and training.
/// </summary>
public class PReluTests
{
    private static readonly LayerContext Context = new(Training: true, Threads: 1);

    public static TheoryData<int[], PReluSlopes, int> Cases => new()
    {
        // row shape, slopes, batch
        { [10], PReluSlopes.PerChannel, 3 },            // rows: a slope per feature
        { [3, 4, 5], PReluSlopes.PerChannel, 2 },       // images: a slope per channel
        { [2, 7], PReluSlopes.PerChannel, 2 },          // sequences [C, L]: a slope per channel
        { [5, 3], PReluSlopes.PerStepFeature, 2 },      // windows [T, F]: a slope per feature of each step
        { [4, 4], PReluSlopes.PerStepFeature, 2 },      // T = F: per feature, not per step
        { [4, 4], PReluSlopes.PerChannel, 2 },          // T = F: per step (the first axis)
        { [2, 3, 3], PReluSlopes.Shared, 3 },           // one slope
    };

    /// <summary>The slope a value at <paramref name="index"/> of a row of <paramref name="shape"/> takes, from the definition.</summary>
    private static int ExpectedSlope(int[] shape, PReluSlopes slopes, int index) => slopes switch
    {
        PReluSlopes.PerChannel => index / (shape.Aggregate(1, (a, b) => a * b) / shape[0]),
        PReluSlopes.PerStepFeature => index % shape[^1],
        _ => 0,
    };

    private static PRelu Build(PReluSpec spec, TensorShape input, SeededRandom random, out ParameterStore store)
    {
        var layer = (PRelu)spec.Build(TestContexts.Build("prelu", input, spec.InferOutputShape(input)));
        store = new ParameterStore(layer.Parameters);
        layer.Initialize(random);
        Assert.All(layer.Slope.Values.ToArray(), a => Assert.Equal(spec.InitialSlope, a));
        // Slopes that differ (some negative, some above 1): equal ones would hide a slope applied to the wrong values.
        TestData.Uniform(random, layer.Count, -0.5f, 1.5f).CopyTo(layer.Slope.Values);
        return layer;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Forward_MatchesTheDefinition(int[] shape, PReluSlopes slopes, int batch)
    {
        var random = new SeededRandom(3);
        var input = new TensorShape(shape);
        var layer = Build(new PReluSpec(slopes), input, random, out _);
        Assert.Equal(slopes == PReluSlopes.Shared ? 1 : slopes == PReluSlopes.PerChannel ? shape[0] : shape[^1], layer.Count);
        float[] x = TestData.Uniform(random, batch * input.Size, -2f, 2f), y = TestData.Filled(x.Length, float.NaN);
        x[0] = 0f; // 0 takes the slope (0 either way)
        layer.Forward(x, y, [], batch, Context);
        for (int i = 0; i < x.Length; i++)
        {
            float a = layer.Slope.Values[ExpectedSlope(shape, slopes, i % input.Size)];
            Assert.Equal(x[i] > 0 ? x[i] : a * x[i], y[i]);
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Gradients_MatchFiniteDifferences_AndDxIsWrittenOverAlike(int[] shape, PReluSlopes slopes, int batch)
    {
        var random = new SeededRandom(5);
        var input = new TensorShape(shape);
        var layer = Build(new PReluSpec(slopes), input, random, out var store);
        // Away from 0, where the kink is: a difference quotient across it would measure neither side.
        float[] x = TestData.AwayFromZero(random, batch * input.Size, 0.05f, 2f);
        float[] coefficients = TestData.Uniform(random, batch * layer.OutputSize, -1f, 1f);
        GradientCheck.AssertLayerGradients(layer, store, x, coefficients, batch, Context);

        GradientCheck.WeightedSumBackward(layer, store, x, coefficients, batch, Context, out float[] added, out float[] scratch);
        float[] slopeGradients = layer.Slope.Gradients.ToArray();
        float[] y = new float[x.Length], written = TestData.Filled(x.Length, float.NaN);
        store.ZeroGradients();
        layer.Forward(x, y, scratch, batch, Context);
        layer.Backward(x, y, coefficients, written, scratch, batch, Context with { OverwriteInputGradient = true });
        Assert.Equal(added, written);
        Assert.Equal(slopeGradients, layer.Slope.Gradients.ToArray());
    }

    /// <summary>
    /// Runs of lengths that go through every loop, 16 lanes, 8 and the scalar tail (45 = 2·16 + 8 + 5, rows of 61 slopes,
    /// windows of 29 features, 30 values sharing one slope), with the values a select must keep apart: −0 and 0 (a·−0 is
    /// −0 or +0 by a's sign), NaN (the slope side), ±∞, subnormals. Forward, dx written over and added to, and both
    /// tangent passes give the scalar formula's bits.
    /// </summary>
    [Theory]
    [InlineData(new[] { 3, 45 }, PReluSlopes.PerChannel)]
    [InlineData(new[] { 61 }, PReluSlopes.PerChannel)]
    [InlineData(new[] { 3, 29 }, PReluSlopes.PerStepFeature)]
    [InlineData(new[] { 2, 3, 5 }, PReluSlopes.Shared)]
    public void EveryPass_GivesTheScalarFormulasBits(int[] shape, PReluSlopes slopes)
    {
        const int Batch = 3;
        var random = new SeededRandom(29);
        var input = new TensorShape(shape);
        var layer = Build(new PReluSpec(slopes), input, random, out var store);
        if (layer.Count > 1) layer.Slope.Values[1] = -0.75f; // a negative slope turns −0 into +0
        float[] special = [-0f, 0f, float.NaN, float.PositiveInfinity, float.NegativeInfinity, 1e-40f, -1e-40f, float.Epsilon, -3f];
        float[] x = TestData.Uniform(random, Batch * input.Size, -2f, 2f), v = TestData.Uniform(random, x.Length, -2f, 2f);
        for (int i = 0; i < x.Length; i += 2) x[i] = special[i / 2 % special.Length];
        for (int i = 1; i < v.Length; i += 3) v[i] = special[i / 3 % special.Length];
        float Expected(int i, float value) { float a = layer.Slope.Values[ExpectedSlope(shape, slopes, i % input.Size)]; return x[i] > 0 ? value : a * value; }
        static int[] Bits(float[] values) => values.Select(BitConverter.SingleToInt32Bits).ToArray();

        float[] y = TestData.Filled(x.Length, 7f);
        layer.Forward(x, y, [], Batch, Context);
        Assert.Equal(Bits(x.Select((value, i) => Expected(i, value)).ToArray()), Bits(y));

        float[] before = TestData.Uniform(random, x.Length, -1f, 1f), added = (float[])before.Clone(), written = TestData.Filled(x.Length, 7f);
        store.ZeroGradients();
        layer.Backward(x, y, v, added, [], Batch, Context);
        layer.Backward(x, y, v, written, [], Batch, Context with { OverwriteInputGradient = true });
        Assert.Equal(Bits(v.Select((value, i) => before[i] + Expected(i, value)).ToArray()), Bits(added));
        Assert.Equal(Bits(v.Select((value, i) => Expected(i, value)).ToArray()), Bits(written));

        float[] tangentOut = TestData.Filled(x.Length, 7f), tangentInGradient = TestData.Filled(x.Length, 7f);
        layer.PushTangent(x, y, [], v, tangentOut, Batch, Context);
        layer.PullTangentGradient(x, y, [], v, v, tangentInGradient, [], Batch, Context);
        Assert.Equal(Bits(written), Bits(tangentOut));
        Assert.Equal(Bits(written), Bits(tangentInGradient));
    }

    /// <summary>
    /// The slopes' gradients are written over when the training step says nothing else adds to them, so a network with a
    /// prelu keeps the step's shortcut of neither clearing nor reading back any layer's parameter gradients.
    /// </summary>
    [Fact]
    public void SlopeGradients_AreWrittenOver_SoTheStepSkipsClearing()
    {
        var random = new SeededRandom(31);
        var input = new TensorShape(4, 6, 6);
        var layer = Build(new PReluSpec(), input, random, out var store);
        const int Batch = 5;
        float[] x = TestData.Uniform(random, Batch * input.Size, -1f, 1f), dy = TestData.Uniform(random, x.Length, -1f, 1f), dx = new float[x.Length];
        store.ZeroGradients();
        layer.Backward(x, [], dy, dx, [], Batch, Context);
        float[] added = layer.Slope.Gradients.ToArray();
        layer.Slope.Gradients.Fill(float.NaN); // stale: another step's
        layer.Backward(x, [], dy, dx, [], Batch, Context with { OverwriteParameterGradients = true });
        Assert.Equal(added, layer.Slope.Gradients.ToArray());

        var network = AutoencoderNetwork.Create(NetworkSpec.Create(new TensorShape(6), [new DenseSpec(4), new PReluSpec(), new DenseSpec(2)]), seed: 3);
        var options = new TrainingOptions { BatchSize = 4, Loss = LossKind.MeanSquaredError, Threads = 1 };
        Assert.True(new TrainingStep(network, options, 4, new SeededRandom(5)).OverwritesParameterGradients);
    }

    [Fact]
    public void ThreadCount_DoesNotChangeTheBits()
    {
        var random = new SeededRandom(7);
        var input = new TensorShape(8, 16, 16);
        var layer = Build(new PReluSpec(), input, random, out var store);
        const int Batch = 64;
        Assert.True(ParallelRange.Parts(Batch, 2, Math.Max(1, 32 * 1024 / input.Size)) > 1, "the batch is too small to be split over two threads");
        float[] x = TestData.Uniform(random, Batch * input.Size, -1f, 1f), dy = TestData.Uniform(random, x.Length, -1f, 1f);
        (float[] Y, float[] Dx, float[] Slopes) Run(int threads)
        {
            var context = new LayerContext(Training: true, Threads: threads);
            float[] y = new float[x.Length], dx = new float[x.Length];
            store.ZeroGradients();
            layer.Forward(x, y, [], Batch, context);
            layer.Backward(x, y, dy, dx, [], Batch, context);
            return (y, dx, layer.Slope.Gradients.ToArray());
        }
        var one = Run(1);
        var two = Run(2);
        Assert.Equal(one.Y, two.Y);
        Assert.Equal(one.Dx, two.Dx);
        Assert.Equal(one.Slopes, two.Slopes);
    }

    /// <summary>
    /// A slope's gradient over many values is Σ x·dy (x not above 0) summed in double, in blocks of rows and the blocks in
    /// order, rounded once: the float nearest the sum in row order (the blocks' order moves the double far less than a
    /// float's step), which a float running sum over 4096 rows of 64 values misses by many steps.
    /// </summary>
    [Theory]
    [InlineData(PReluSlopes.PerChannel)]
    [InlineData(PReluSlopes.PerStepFeature)]
    public void SlopeGradient_IsTheDoubleSumRoundedOnce(PReluSlopes slopes)
    {
        int[] shape = slopes == PReluSlopes.PerChannel ? [70, 8] : [8, 70]; // 70 slopes: more than one block summed together
        const int Batch = 512;
        var random = new SeededRandom(19);
        var input = new TensorShape(shape);
        var layer = Build(new PReluSpec(slopes), input, random, out var store);
        float[] x = TestData.Uniform(random, Batch * input.Size, -1f, 1f), dy = TestData.Uniform(random, x.Length, -1f, 1f);
        store.ZeroGradients();
        layer.Backward(x, [], dy, [], [], Batch, Context);

        var sums = new double[layer.Count];
        for (int i = 0; i < x.Length; i++)
            if (!(x[i] > 0)) sums[ExpectedSlope(shape, slopes, i % input.Size)] += (double)x[i] * dy[i];
        Assert.Equal(sums.Select(s => (float)s), layer.Slope.Gradients.ToArray());
    }

    /// <summary>
    /// An epoch's short last batch allocates nothing: rows of over 8 K values are summed one block per row, so 30 rows need
    /// more blocks of slope sums (30) than 100 rows did (25), and the buffer sized by the first batch must already hold them.
    /// </summary>
    [Fact]
    public void ASmallerLastBatchAllocatesNoBlockSums()
    {
        var random = new SeededRandom(23);
        var input = new TensorShape(16, 32, 32);
        var layer = Build(new PReluSpec(), input, random, out var store);
        float[] x = TestData.Uniform(random, 100 * input.Size, -1f, 1f), dy = TestData.Uniform(random, x.Length, -1f, 1f), dx = new float[x.Length];
        for (int i = 0; i < 3; i++) layer.Backward(x, [], dy, dx, [], 100, Context);

        long before = GC.GetAllocatedBytesForCurrentThread();
        layer.Backward(x, [], dy, dx, [], 30, Context);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    /// <summary>
    /// A NaN input reaches the slope's gradient, as in PyTorch (where(x &gt; 0, 0, x·dy)) and as forward and dx treat it:
    /// everything not above 0 takes the slope. −0 and 0 take it too, adding 0.
    /// </summary>
    [Fact]
    public void SlopeGradient_TakesNaNInputs()
    {
        var layer = new PRelu(count: 1, runLength: 4, repeats: 1);
        var store = new ParameterStore(layer.Parameters);
        layer.Initialize(new SeededRandom(1));
        float[] x = [float.NaN, -0f, 0f, -2f], dy = [1f, 1f, 1f, 1f], dx = new float[4];
        store.ZeroGradients();
        layer.Backward(x, [], dy, dx, [], 1, Context);
        Assert.True(float.IsNaN(layer.Slope.Gradients[0]), $"da was {layer.Slope.Gradients[0]}");
        Assert.Equal([0.25f, 0.25f, 0.25f, 0.25f], dx);
    }

    [Fact]
    public void NetworkGradients_MatchFiniteDifferences_OverRows()
    {
        const int Batch = 3;
        var spec = NetworkSpec.Create(new TensorShape(12), [new DenseSpec(8), new PReluSpec(), new DenseSpec(3), new PReluSpec(PReluSlopes.Shared)],
            outputActivation: Activation.Sigmoid);
        // Mirrored as an activation is: the decoder's dense 8 gets a prelu of its own, the code's shared one stays in the encoder.
        Assert.Equal(["dense", "prelu", "dense", "activation"], spec.Decoder.Select(l => l.Kind));
        Assert.Equal(PReluSlopes.PerChannel, ((PReluSpec)spec.Decoder[1]).Slopes);
        var network = AutoencoderNetwork.Create(spec, seed: 9);
        Assert.Equal(["encoder.0.prelu.weight", "encoder.1.prelu.weight", "decoder.0.prelu.weight"],
            network.Parameters.Parameters.Where(p => p.Role == ParameterRole.Slope).Select(p => p.Name));
        var random = new SeededRandom(10);
        foreach (var parameter in network.Parameters.Parameters.Where(p => p.Role is ParameterRole.Slope or ParameterRole.Bias))
            TestData.Uniform(random, parameter.Length, -0.3f, 0.6f).CopyTo(parameter.Values);
        float[] input = TestData.Uniform(random, Batch * 12, 0f, 1f), target = TestData.Uniform(random, Batch * 12, 0f, 1f);
        foreach (bool overwrite in new[] { false, true })
            GradientCheck.AssertNetworkGradients(network, Loss.Create(LossKind.BinaryCrossEntropy, Activation.Sigmoid), input, target, Batch,
                new LayerContext(Training: true, Threads: 1), overwriteGradients: overwrite);
    }

    [Fact]
    public void NetworkGradients_MatchFiniteDifferences_OverImages()
    {
        const int Batch = 2;
        var spec = NetworkSpec.Create(new TensorShape(1, 6, 6), [new Conv2dSpec(3, 3), new PReluSpec(), new MaxPool2dSpec()]);
        // The upsampling back to 3 × 6 × 6 is followed by a prelu over those 3 channels, as the convolution was.
        Assert.Equal(["upsample2d", "prelu", "conv2d"], spec.Decoder.Select(l => l.Kind));
        Assert.Equal(new TensorShape(3, 6, 6), spec.Decoder[1].InputShape);
        var network = AutoencoderNetwork.Create(spec, seed: 11);
        var random = new SeededRandom(12);
        // Biases below 0, so that many pooled maxima stay negative and the decoder's slopes see them.
        foreach (var parameter in network.Parameters.Parameters.Where(p => p.Role is ParameterRole.Slope or ParameterRole.Bias))
            TestData.Uniform(random, parameter.Length, parameter.Role == ParameterRole.Bias ? -0.8f : -0.3f, parameter.Role == ParameterRole.Bias ? -0.2f : 0.6f).CopyTo(parameter.Values);
        float[] input = TestData.Uniform(random, Batch * 36, -1f, 1f), target = TestData.Uniform(random, Batch * 36, -1f, 1f);
        GradientCheck.AssertNetworkGradients(network, Loss.Create(LossKind.MeanSquaredError, Activation.Linear), input, target, Batch,
            new LayerContext(Training: true, Threads: 1), overwriteGradients: true, absoluteTolerance: 1e-4);
    }

    /// <summary>A network with prelus scores band by band (<see cref="RowBandInference"/>), with the bits of the layer-by-layer path.</summary>
    [Fact]
    public void RowBands_GiveTheBitsOfTheLayerByLayerPath()
    {
        var spec = NetworkSpec.Create(new TensorShape(40), [new DenseSpec(24), new PReluSpec(), new DenseSpec(6), new PReluSpec(PReluSlopes.Shared)]);
        var network = AutoencoderNetwork.Create(spec, seed: 21);
        TestData.Uniform(new SeededRandom(22), 24, -0.5f, 1.5f).CopyTo(network.Layers.Layers.OfType<PRelu>().First().Slope.Values);
        Assert.NotNull(RowBandInference.TryCreate(network.Layers));
        const int Rows = 700;
        float[] input = TestData.Uniform(new SeededRandom(23), Rows * 40, -1f, 1f);
        float[] Reconstruct(bool bands, int threads)
        {
            network.UsesRowBandInference = bands;
            var output = TestData.Filled(Rows * 40, float.NaN);
            network.Reconstruct(network.CreateCache(Rows), input, output, Rows, LayerContext.Inference(threads));
            network.UsesRowBandInference = true;
            return output;
        }
        float[] expected = Reconstruct(bands: false, threads: 1);
        Assert.Equal(expected, Reconstruct(bands: true, threads: 1));
        Assert.Equal(expected, Reconstruct(bands: true, threads: 2));
    }

    [Fact]
    public void Spec_RoundTripsThroughJson_AndRefusesWhatItCannotShare()
    {
        var spec = NetworkSpec.Create(new TensorShape(6, 4),
            [new TimeDistributedDenseSpec(3), new PReluSpec(PReluSlopes.PerStepFeature, 0.1f), new TimeDistributedDenseSpec(2)]);
        Assert.Equal(spec, NetworkSpec.FromJson(spec.ToJson()));
        Assert.Contains("\"kind\":\"prelu\"", spec.ToJson());
        Assert.Equal(0.25f, new PReluSpec().InitialSlope);
        Assert.Contains("windows [steps, features]", Assert.Throws<ArgumentException>(() => new PReluSpec(PReluSlopes.PerStepFeature).InferOutputShape(new TensorShape(1, 4, 4))).Message);
        Assert.Contains("initial slope", Assert.Throws<ArgumentException>(() => new PReluSpec(InitialSlope: float.NaN).InferOutputShape(new TensorShape(4))).Message);
    }

    /// <summary>The slopes' role is appended to the public enum: the roles released before it keep their numbers.</summary>
    [Fact]
    public void SlopeRole_IsAppended_SoEarlierRolesKeepTheirNumbers()
    {
        Assert.Equal([0, 1, 2, 3], new[] { ParameterRole.Weight, ParameterRole.Bias, ParameterRole.Scale, ParameterRole.Buffer }.Select(r => (int)r));
        Assert.Equal((int)ParameterRole.Slope, Enum.GetValues<ParameterRole>().Length - 1);
    }

    /// <summary>
    /// Training moves the slopes (Adam steps them like any weight), an L1/L2 weight penalty leaves them alone (as Keras'
    /// PReLU, whose alpha has a regularizer of its own, none by default), and the optimizer's weight decay reaches them (as
    /// PyTorch's weight_decay reaches every parameter given to it).
    /// </summary>
    [Fact]
    public void Slopes_AreTrainedAndDecayed_ButNotPenalizedAsWeights()
    {
        var spec = NetworkSpec.Create(new TensorShape(6), [new DenseSpec(4), new PReluSpec(), new DenseSpec(2)]);
        var network = AutoencoderNetwork.Create(spec, seed: 3);
        var slope = network.Layers.Layers.OfType<PRelu>().First().Slope;

        network.Parameters.ZeroGradients();
        new WeightPenalty(0.5f, 0.5f).Apply(network);
        Assert.All(slope.Gradients.ToArray(), g => Assert.Equal(0f, g));
        Assert.Contains(network.Parameters.Parameters.First(p => p.Role == ParameterRole.Weight).Gradients.ToArray(), g => g != 0f);

        // No gradient at all: only decoupled weight decay moves a value, and it shrinks the slopes toward 0.
        network.Parameters.ZeroGradients();
        var decay = Optimizer.Create(new OptimizerSettings { Kind = OptimizerKind.AdamW, LearningRate = 0.1f, WeightDecay = 0.5f }, network.Parameters.Count);
        decay.Step(network.Parameters.Values, network.Parameters.Gradients);
        Assert.All(slope.Values.ToArray(), a => Assert.True(a < PRelu.DefaultInitialSlope, $"slope {a} was not decayed"));

        var options = new TrainingOptions { BatchSize = 4, Loss = LossKind.MeanSquaredError, Optimizer = new OptimizerSettings { Kind = OptimizerKind.Adam, LearningRate = 0.05f }, Threads = 1 };
        var random = new SeededRandom(5);
        float[] data = TestData.Uniform(random, 8 * 6, -1f, 1f);
        float[] before = slope.Values.ToArray();
        var step = new TrainingStep(network, options, 4, random);
        for (int s = 0; s < 4; s++) step.Run(data, data, [.. Enumerable.Range(s % 2 * 4, 4)], out _);
        Assert.NotEqual(before, slope.Values.ToArray());
    }
}
