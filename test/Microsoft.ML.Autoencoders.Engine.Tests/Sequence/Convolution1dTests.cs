using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Specs;
using Microsoft.ML.Autoencoders.Engine.Tensors;
using Microsoft.ML.Autoencoders.Engine.Tests.Convolution;

namespace Microsoft.ML.Autoencoders.Engine.Tests.Sequence;

/// <summary>
/// Conv1d, ConvTranspose1d and the transpose between [steps, channels] and [channels, steps]: each forward held to a plain
/// loop written from the definition on odd lengths (stride 2 and 3, dilation 2, every padding, causal too, output padding), each
/// backward to finite differences, and the transposed convolution that undoes a convolution giving its length back.
/// </summary>
public class Convolution1dTests
{
    private static readonly LayerContext Context = new(Training: true, Threads: 1);

    public static TheoryData<int, int, int, int, int, Conv2dPadding, int, int, int> ConvCases => new()
    {
        // channels, length, filters, kernel, stride, padding, explicit, dilation, batch
        { 2, 11, 3, 3, 1, Conv2dPadding.Same, 0, 1, 2 },     // stride 1: the direct kernels
        { 1, 24, 4, 7, 2, Conv2dPadding.Same, 0, 1, 2 },     // the Keras example's layer, shorter
        { 3, 9, 2, 7, 2, Conv2dPadding.Same, 0, 1, 1 },      // odd length: "same" pads 3 before and 4 after
        { 2, 10, 4, 4, 3, Conv2dPadding.Valid, 0, 2, 2 },
        { 2, 8, 3, 3, 2, Conv2dPadding.Explicit, 1, 1, 3 },
        { 1, 40, 5, 5, 1, Conv2dPadding.Valid, 0, 1, 1 },   // a row longer than one 16-column chunk of the direct kernel
        { 2, 11, 3, 3, 1, Conv2dPadding.Causal, 0, 1, 2 },   // causal: 2 zeros before, none after; the direct kernels
        { 1, 13, 4, 5, 2, Conv2dPadding.Causal, 0, 2, 2 },   // causal, strided and dilated: 8 zeros before, im2col
        { 8, 6, 8, 3, 1, Conv2dPadding.Causal, 0, 1, 2 },    // flat planes where the 512-bit kernels run
    };

    private static Layer Build(LayerSpec spec, TensorShape input, SeededRandom random, out ParameterStore store, bool? vector512 = null)
    {
        var layer = spec.Build(TestContexts.Build("conv", input, spec.InferOutputShape(input)));
        // The kernel set is chosen before anything sizes the scratch, whose layout follows it.
        if (vector512 is { } wide) ((Conv1d)layer).Plane.UsesVector512 = wide;
        store = new ParameterStore(layer.Parameters);
        layer.Initialize(random);
        var bias = layer.Parameters.Single(p => p.Role == ParameterRole.Bias);
        TestData.Uniform(random, bias.Length, -0.5f, 0.5f).CopyTo(bias.Values);
        return layer;
    }

    [Theory]
    [MemberData(nameof(ConvCases))]
    public void Conv1d_Forward_MatchesTheDefinition(int c, int length, int filters, int kernel, int stride, Conv2dPadding padding, int pad, int dilation, int batch)
    {
        // Both direct kernel sets where this machine has AVX-512 (the 512-bit one lays narrow planes out flat).
        foreach (bool wide in ConvolutionSweep.KernelSets)
            ForwardMatchesTheDefinition(new Conv1dSpec(filters, kernel, stride, padding, dilation, pad, WeightInitialization.XavierUniform), new TensorShape(c, length), batch, wide);
    }

    /// <summary>One kernel set's forward pass against a plain loop over the definition (im2col runs once).</summary>
    private static void ForwardMatchesTheDefinition(Conv1dSpec spec, TensorShape input, int batch, bool vector512)
    {
        var random = new SeededRandom(3);
        var layer = (Conv1d)Build(spec, input, random, out _, vector512);
        if (vector512 && !layer.Plane.IsDirect) return; // the kernel sets are the direct path's; im2col is the same either way
        // The cases of 8 channels are there for the flat planes: hold them to it.
        if (vector512 && input[0] == 8) Assert.True(layer.Plane.UsesFlatPlanes, $"{spec} over {input} was meant to run on flat planes");
        int c = input[0], length = input[1], filters = spec.Filters, kernel = spec.KernelSize, stride = spec.Stride, dilation = spec.Dilation;
        var padding = spec.Padding;
        var (_, _, padLeft, _, outputLength) = spec.Axis(input);
        Assert.Equal(new TensorShape(filters, outputLength), spec.InferOutputShape(input));
        if (padding == Conv2dPadding.Same) Assert.Equal((length + stride - 1) / stride, outputLength);
        float[] x = TestData.Uniform(random, batch * input.Size, -1f, 1f), y = new float[batch * layer.OutputSize];
        layer.Forward(x, y, Enumerable.Repeat(float.NaN, batch * layer.ScratchSizePerSample).ToArray(), batch, Context);

        Conv1dDefinition.AssertForward(layer, input, kernel, stride, dilation, padLeft, x, y, batch);
    }

    [Theory]
    [MemberData(nameof(ConvCases))]
    public void Conv1d_Gradients_MatchFiniteDifferences(int c, int length, int filters, int kernel, int stride, Conv2dPadding padding, int pad, int dilation, int batch)
    {
        var spec = new Conv1dSpec(filters, kernel, stride, padding, dilation, pad, WeightInitialization.XavierUniform);
        foreach (bool wide in ConvolutionSweep.KernelSets)
            AssertGradients(spec, new TensorShape(c, length), batch, seed: 5, wide);
    }

    public static TheoryData<int, int, int, int, int, Conv2dPadding, int, int, int> TransposedCases => new()
    {
        // channels, length, filters, kernel, stride, padding, explicit, output padding, batch
        { 2, 5, 3, 7, 2, Conv2dPadding.Same, 0, 0, 2 },      // 5 → 10, Keras' Conv1DTranspose
        { 1, 6, 2, 3, 1, Conv2dPadding.Same, 0, 0, 1 },
        { 3, 4, 2, 3, 2, Conv2dPadding.Explicit, 1, 0, 2 },  // 4 → 7
        { 2, 4, 2, 4, 3, Conv2dPadding.Valid, 0, 2, 2 },     // 4 → 15 with two columns of bias only
    };

    [Theory]
    [MemberData(nameof(TransposedCases))]
    public void ConvTranspose1d_Forward_MatchesTheDefinition(int c, int length, int filters, int kernel, int stride, Conv2dPadding padding, int pad, int outputPadding, int batch)
    {
        var random = new SeededRandom(7);
        var input = new TensorShape(c, length);
        var spec = new ConvTranspose1dSpec(filters, kernel, stride, padding, 1, pad, outputPadding, WeightInitialization.XavierUniform);
        var layer = (ConvTranspose1d)Build(spec, input, random, out _);
        var (outputLength, padLeft, _) = spec.Axis(input);
        if (padding == Conv2dPadding.Same) Assert.Equal(length * stride, outputLength);
        float[] x = TestData.Uniform(random, batch * input.Size, -1f, 1f), y = new float[batch * layer.OutputSize];
        layer.Forward(x, y, new float[batch * layer.ScratchSizePerSample], batch, Context);

        ReadOnlySpan<float> w = layer.Plane.Weights.Values, b = layer.Plane.Bias.Values; // W [C, F, 1, k]
        var expected = new double[batch * filters * outputLength];
        for (int n = 0; n < batch; n++)
        {
            for (int f = 0; f < filters; f++)
            for (int o = 0; o < outputLength; o++)
                expected[(n * filters + f) * outputLength + o] = b[f];
            for (int ch = 0; ch < c; ch++)
            for (int i = 0; i < length; i++)
            for (int f = 0; f < filters; f++)
            for (int k = 0; k < kernel; k++)
            {
                int o = i * stride + k - padLeft;
                if (o >= 0 && o < outputLength) expected[(n * filters + f) * outputLength + o] += w[(ch * filters + f) * kernel + k] * x[n * input.Size + ch * length + i];
            }
        }
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(y[i] - expected[i]) <= 1e-5 * (1 + Math.Abs(expected[i])), $"value {i}: {y[i]} vs {expected[i]}");
    }

    [Theory]
    [MemberData(nameof(TransposedCases))]
    public void ConvTranspose1d_Gradients_MatchFiniteDifferences(int c, int length, int filters, int kernel, int stride, Conv2dPadding padding, int pad, int outputPadding, int batch)
    {
        var spec = new ConvTranspose1dSpec(filters, kernel, stride, padding, 1, pad, outputPadding, WeightInitialization.XavierUniform);
        AssertGradients(spec, new TensorShape(c, length), batch, seed: 9);
    }

    /// <summary>The layer's gradients against finite differences; a Conv1d's on the given kernel set (im2col runs once).</summary>
    private static void AssertGradients(LayerSpec spec, TensorShape input, int batch, long seed, bool? vector512 = null)
    {
        var random = new SeededRandom(seed);
        var layer = Build(spec, input, random, out var store, vector512);
        if (vector512 == true && layer is Conv1d { Plane.IsDirect: false }) return;
        float[] x = TestData.Uniform(random, batch * input.Size, -1f, 1f);
        float[] coefficients = TestData.Uniform(random, batch * layer.OutputSize, -1f, 1f);
        GradientCheck.AssertLayerGradients(layer, store, x, coefficients, batch, Context);
    }

    [Theory]
    [MemberData(nameof(ConvCases))]
    public void Mirror_GivesTheLengthBack(int c, int length, int filters, int kernel, int stride, Conv2dPadding padding, int pad, int dilation, int batch)
    {
        _ = batch;
        var spec = NetworkSpec.Create(new TensorShape(c, length), [new Conv1dSpec(filters, kernel, stride, padding, dilation, pad)]);
        Assert.Equal(new TensorShape(c, length), spec.Decoder[^1].OutputShape);
        if (stride == 1 && padding is Conv2dPadding.Same or Conv2dPadding.Causal) Assert.IsType<Conv1dSpec>(spec.Decoder[0]);
        else Assert.IsType<ConvTranspose1dSpec>(spec.Decoder[0]);
    }

    [Fact]
    public void KerasExampleLengths_AreUndoneBySameTransposedConvolutions()
    {
        // 288 → 144 → 72 and back, each step Keras' "same" Conv1DTranspose.
        var conv = new Conv1dSpec(32, 7, 2);
        var undo = ConvTranspose1dSpec.Undoing(conv, new TensorShape(1, 288), conv.InferOutputShape(new TensorShape(1, 288)));
        Assert.Equal(new ConvTranspose1dSpec(1, 7, 2), undo);
        Assert.Equal(new TensorShape(32, 144), conv.InferOutputShape(new TensorShape(1, 288)));
        Assert.Equal(new TensorShape(1, 288), undo!.InferOutputShape(new TensorShape(32, 144)));
    }

    [Theory]
    [InlineData(4, 3, 2)]
    [InlineData(1, 5, 1)]
    [InlineData(6, 1, 3)]
    public void Transpose_SwapsTheAxesAndBack(int rows, int columns, int batch)
    {
        var random = new SeededRandom(11);
        var spec = new TransposeSpec();
        var input = new TensorShape(rows, columns);
        Assert.Equal(new TensorShape(columns, rows), spec.InferOutputShape(input));
        var layer = spec.Build(TestContexts.Build("transpose", input, spec.InferOutputShape(input)));
        float[] x = TestData.Uniform(random, batch * input.Size, -1f, 1f), y = new float[x.Length];
        layer.Forward(x, y, Span<float>.Empty, batch, Context);
        for (int n = 0; n < batch; n++)
        for (int r = 0; r < rows; r++)
        for (int c = 0; c < columns; c++)
            Assert.Equal(x[n * input.Size + r * columns + c], y[n * input.Size + c * rows + r]);

        float[] dy = TestData.Uniform(random, y.Length, -1f, 1f), added = new float[x.Length];
        layer.Backward(x, y, dy, added, ReadOnlySpan<float>.Empty, batch, Context);
        double Objective()
        {
            layer.Forward(x, y, Span<float>.Empty, batch, Context);
            return TestData.WeightedSum(dy, y);
        }
        GradientCheck.AssertMatches("dx", added, GradientCheck.Numerical(x, 0, x.Length, Objective), 1e-4);
        float[] written = Enumerable.Repeat(float.NaN, x.Length).ToArray();
        layer.Backward(x, y, dy, written, ReadOnlySpan<float>.Empty, batch, Context with { OverwriteInputGradient = true });
        Assert.Equal(added, written);
    }
}
