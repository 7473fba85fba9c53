using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Autoencoders.Engine.Specs;
using Microsoft.ML.Autoencoders.Engine.Tensors;
using Microsoft.ML.Autoencoders.Engine.Tests.Convolution;
using Microsoft.ML.Autoencoders.Engine.Training;

namespace Microsoft.ML.Autoencoders.Engine.Tests.Sequence;

/// <summary>
/// Causal and per-side padding of 1-D convolutions: Keras' "causal" sizes, that no output reads a later input (one layer,
/// and a whole mirrored autoencoder, strided or not), unequal explicit pads held to the definition and to finite
/// differences, and the transposed convolution with pads (0, r) that a strided causal convolution mirrors into.
/// </summary>
public class CausalConvolution1dTests
{
    private static readonly LayerContext Context = new(Training: false, Threads: 1);

    [Theory]
    [InlineData(11, 3, 1, 1)]
    [InlineData(13, 5, 2, 2)]
    [InlineData(10, 4, 3, 1)]
    public void Causal_PadsDilatedKernelMinusOneBeforeOnly_AndGivesCeilOfLengthOverStride(int length, int kernel, int stride, int dilation)
    {
        var spec = new Conv1dSpec(3, kernel, stride, Conv2dPadding.Causal, dilation);
        var (_, _, left, right, outputLength) = spec.Axis(new TensorShape(2, length));
        Assert.Equal((dilation * (kernel - 1), 0), (left, right));
        Assert.Equal((length + stride - 1) / stride, outputLength);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void CausalLayer_NoOutputReadsALaterInput(int stride)
    {
        var input = new TensorShape(2, 12);
        var spec = new Conv1dSpec(3, 3, stride, Conv2dPadding.Causal, Dilation: 2, Initialization: WeightInitialization.XavierUniform);
        var layer = spec.Build(TestContexts.Build("conv", input, spec.InferOutputShape(input)));
        _ = new ParameterStore(layer.Parameters);
        layer.Initialize(new SeededRandom(1));
        int outputLength = spec.InferOutputShape(input)[1];
        float[] x = TestData.Uniform(new SeededRandom(2), input.Size, -1f, 1f);
        float[] y = Run(layer, x);
        for (int t = 0; t < input[1]; t++)
        {
            float[] changed = (float[])x.Clone();
            for (int c = 0; c < input[0]; c++) changed[c * input[1] + t] += 1f;
            float[] moved = Run(layer, changed);
            for (int f = 0; f < 3; f++)
            for (int o = 0; o < outputLength; o++)
            {
                bool reads = o * stride >= t; // output o reads inputs up to o·stride
                float before = y[f * outputLength + o], after = moved[f * outputLength + o];
                if (!reads) Assert.True(before == after, $"output {o} moved when input {t} changed");
            }
            if (stride == 1) Assert.NotEqual(y, moved); // and, without stride, some output does read it (the one at t at least)
        }
    }

    private static float[] Run(Layer layer, float[] x)
    {
        float[] y = new float[layer.OutputSize];
        layer.Forward(x, y, new float[layer.ScratchSizePerSample], 1, Context);
        return y;
    }

    public static TheoryData<int> Strides => new() { 1, 2, 3 };

    [Theory]
    [MemberData(nameof(Strides))]
    public void MirroredCausalAutoencoder_IsCausalEndToEnd(int stride)
    {
        // [steps, channels] → channels first → two causal convolutions → the decoder DecoderMirror gives them → back.
        const int steps = 17, channels = 2;
        var spec = NetworkSpec.Create(new TensorShape(steps, channels),
        [
            new TransposeSpec(),
            new Conv1dSpec(4, 3, stride, Conv2dPadding.Causal), new ActivationSpec(Activation.Tanh),
            new Conv1dSpec(3, 2, stride, Conv2dPadding.Causal, Dilation: 2),
        ]);
        Assert.Equal(new TensorShape(steps, channels), spec.Decoder[^1].OutputShape);
        if (stride > 1)
        {
            foreach (var undo in spec.Decoder.OfType<ConvTranspose1dSpec>())
                Assert.Equal(0, undo.ExplicitPads!.Value.Left);
        }
        else Assert.All(spec.Decoder.OfType<Conv1dSpec>(), c => Assert.Equal(Conv2dPadding.Causal, c.Padding));

        var network = AutoencoderNetwork.Create(spec, seed: 4);
        var cache = network.CreateCache(1, forTraining: false);
        float[] x = TestData.Uniform(new SeededRandom(5), network.InputSize, -1f, 1f);
        float[] y = new float[network.InputSize];
        network.Reconstruct(cache, x, y, 1, Context);
        for (int t = 0; t < steps; t++)
        {
            float[] changed = (float[])x.Clone();
            for (int c = 0; c < channels; c++) changed[t * channels + c] += 1f;
            float[] moved = new float[y.Length];
            network.Reconstruct(cache, changed, moved, 1, Context);
            for (int earlier = 0; earlier < t * channels; earlier++)
                Assert.True(y[earlier] == moved[earlier], $"stride {stride}: value {earlier} (step {earlier / channels}) moved when step {t} changed");
        }
    }

    public static TheoryData<int, int, int, int, int, int, int, int> ExplicitPadCases => new()
    {
        // channels, length, filters, kernel, stride, left, right, dilation
        { 2, 11, 3, 3, 1, 2, 0, 1 },   // PyTorch's F.pad(x, (k − 1, 0)) causal idiom: the direct kernels
        { 3, 9, 2, 5, 1, 0, 3, 1 },    // the end only
        { 2, 12, 4, 3, 2, 1, 3, 1 },   // strided: im2col
        { 1, 14, 3, 3, 1, 5, 1, 2 },   // dilated, more zeros than the kernel is long
        { 8, 6, 8, 3, 1, 0, 2, 1 },    // flat planes where the 512-bit kernels run (a total of kernel − 1)
    };

    [Theory]
    [MemberData(nameof(ExplicitPadCases))]
    public void ExplicitPads_MatchTheDefinitionAndFiniteDifferences(int c, int length, int filters, int kernel, int stride, int left, int right, int dilation)
    {
        // Both direct kernel sets where this machine has AVX-512, as the 2-D unequal pads are held.
        foreach (bool wide in ConvolutionSweep.KernelSets)
            ExplicitPadsMatchTheDefinitionAndFiniteDifferences(c, length, filters, kernel, stride, left, right, dilation, wide);
    }

    private static void ExplicitPadsMatchTheDefinitionAndFiniteDifferences(int c, int length, int filters, int kernel, int stride, int left, int right, int dilation, bool vector512)
    {
        const int batch = 2;
        var input = new TensorShape(c, length);
        var spec = new Conv1dSpec(filters, kernel, stride, Conv2dPadding.Explicit, dilation, Initialization: WeightInitialization.XavierUniform,
            ExplicitPads: new Conv1dPads(left, right));
        int outputLength = (length + left + right - dilation * (kernel - 1) - 1) / stride + 1;
        Assert.Equal(new TensorShape(filters, outputLength), spec.InferOutputShape(input));
        var random = new SeededRandom(3);
        var layer = (Conv1d)spec.Build(TestContexts.Build("conv", input, spec.InferOutputShape(input)));
        if (vector512 && !layer.Plane.IsDirect) return; // the kernel sets are the direct path's; im2col is the same either way
        layer.Plane.UsesVector512 = vector512; // before anything sizes the scratch, whose layout follows it
        if (vector512 && c == 8) Assert.True(layer.Plane.UsesFlatPlanes, "the case of 8 channels is there for the flat planes");
        var store = new ParameterStore(layer.Parameters);
        layer.Initialize(random);
        TestData.Uniform(random, layer.Plane.Bias.Length, -0.5f, 0.5f).CopyTo(layer.Plane.Bias.Values);
        float[] x = TestData.Uniform(random, batch * input.Size, -1f, 1f), y = new float[batch * layer.OutputSize];
        layer.Forward(x, y, Enumerable.Repeat(float.NaN, batch * layer.ScratchSizePerSample).ToArray(), batch, Context);
        Conv1dDefinition.AssertForward(layer, input, kernel, stride, dilation, left, x, y, batch);

        float[] coefficients = TestData.Uniform(random, batch * layer.OutputSize, -1f, 1f);
        GradientCheck.AssertLayerGradients(layer, store, x, coefficients, batch, Context with { Training = true });
    }

    [Theory]
    [InlineData(6, 3, 2, 0, 1, 0)]   // what a stride-2 causal convolution of 12 mirrors into: 6 → 12
    [InlineData(5, 2, 3, 0, 0, 2)]   // nothing cropped, an output padding of 2: 5 → 16
    [InlineData(4, 4, 1, 1, 2, 0)]
    public void TransposedExplicitPads_MatchFiniteDifferences_AndMirrorBack(int length, int kernel, int stride, int left, int right, int outputPadding)
    {
        const int batch = 2, channels = 3, filters = 2;
        var input = new TensorShape(channels, length);
        var spec = new ConvTranspose1dSpec(filters, kernel, stride, Conv2dPadding.Explicit, OutputPadding: outputPadding,
            Initialization: WeightInitialization.XavierUniform, ExplicitPads: new Conv1dPads(left, right));
        int outputLength = (length - 1) * stride + kernel - left - right + outputPadding;
        Assert.Equal(new TensorShape(filters, outputLength), spec.InferOutputShape(input));
        var random = new SeededRandom(7);
        var layer = spec.Build(TestContexts.Build("conv", input, spec.InferOutputShape(input)));
        var store = new ParameterStore(layer.Parameters);
        layer.Initialize(random);
        float[] x = TestData.Uniform(random, batch * input.Size, -1f, 1f);
        float[] coefficients = TestData.Uniform(random, batch * layer.OutputSize, -1f, 1f);
        GradientCheck.AssertLayerGradients(layer, store, x, coefficients, batch, Context with { Training = true });

        // Its mirror is the convolution with the same pads, which gives the length back.
        var network = NetworkSpec.Create(input, [spec]);
        var back = Assert.IsType<Conv1dSpec>(network.Decoder[0]);
        Assert.Equal(new Conv1dPads(left, right), back.ExplicitPads);
        Assert.Equal(input, network.Decoder[^1].OutputShape);
    }

    public static TheoryData<int, int, int, int> MirroredPadCases => new()
    {
        // kernel, stride, left, right: stride 1 with an odd total, which no equal padding with an output padding below
        // the stride gives back (10 → 9 → 10 needs a crop of 1)
        { 3, 1, 1, 0 },
        { 3, 1, 0, 1 },
        { 3, 1, 2, 1 },
        { 2, 1, 1, 0 },
        // strided, where an equal padding would fit too but shift the taps: the convolution's own pads are its transpose
        { 3, 2, 1, 0 },
        { 4, 3, 0, 2 },
        // equal sides: the one ExplicitPadding they are, not equal ExplicitPads
        { 3, 2, 1, 1 },
    };

    [Theory]
    [MemberData(nameof(MirroredPadCases))]
    public void PerSidePads_MirrorIntoTheirOwnTransposeBackToTheInput_AndTrain(int kernel, int stride, int left, int right)
    {
        var input = new TensorShape(2, 10);
        var spec = NetworkSpec.Create(input, [new Conv1dSpec(3, kernel, stride, Conv2dPadding.Explicit, ExplicitPads: new Conv1dPads(left, right))]);
        var undo = Assert.IsType<ConvTranspose1dSpec>(spec.Decoder[0]);
        int remainder = (input[1] + left + right - kernel) % stride;
        var expected = left == right
            ? (Conv2dPadding.Explicit, (Conv1dPads?)null, left, remainder)
            : (Conv2dPadding.Explicit, new Conv1dPads(left, right), 0, remainder);
        Assert.Equal(expected, (undo.Padding, undo.ExplicitPads, undo.ExplicitPadding, undo.OutputPadding));
        Assert.Equal(input, spec.Decoder[^1].OutputShape);

        // One step of training: a finite loss, and the weights move.
        const int rows = 4;
        var network = AutoencoderNetwork.Create(spec, seed: 6);
        float[] before = [.. network.Parameters.Values];
        var history = new AutoencoderTrainer(network, new TrainingOptions { Epochs = 1, BatchSize = rows, Seed = 1, Threads = 1 })
            .Fit(TestData.Uniform(new SeededRandom(7), rows * input.Size, -1f, 1f), null, rows);
        Assert.True(double.IsFinite(history.Epochs[0].TrainingLoss), $"loss {history.Epochs[0].TrainingLoss}");
        Assert.NotEqual(before, network.Parameters.Values);
    }

    [Fact]
    public void CausalAndPads_AreRefusedWhereTheyMeanNothing()
    {
        var sequence = new TensorShape(2, 9);
        // The docs quote this message's start for Conv2dSpec and both transposed convolutions.
        var causal = Assert.Throws<ArgumentException>(() => new ConvTranspose1dSpec(2, 3, Padding: Conv2dPadding.Causal).InferOutputShape(sequence));
        Assert.StartsWith("causal padding is for sequences (Conv1dSpec)", causal.Message);
        Assert.Throws<ArgumentException>(() => new Conv1dSpec(2, 3, Padding: Conv2dPadding.Causal, ExplicitPads: new Conv1dPads(2, 0)).InferOutputShape(sequence));
        Assert.Throws<ArgumentException>(() => new Conv1dSpec(2, 3, Padding: Conv2dPadding.Explicit, ExplicitPadding: 1, ExplicitPads: new Conv1dPads(2, 0)).InferOutputShape(sequence));
        Assert.Throws<ArgumentException>(() => new ConvTranspose1dSpec(2, 3, Padding: Conv2dPadding.Same, ExplicitPads: new Conv1dPads(0, 1)).InferOutputShape(sequence));
    }
}
