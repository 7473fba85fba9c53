using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Autoencoders.Engine.Specs;
using Microsoft.ML.Autoencoders.Engine.Tensors;

namespace Microsoft.ML.Autoencoders.Engine.Tests.Convolution;

/// <summary>
/// ConvTranspose2d: the forward pass held to a scatter loop written from the definition on odd shapes (strides 1–3,
/// dilation 2, every padding, output padding), the backward pass to central finite differences, two threads to one bit
/// for bit, the "same" layer to the exact transpose of a "same" Conv2d, and the spec's shapes, errors and mirrors.
/// </summary>
public class ConvTranspose2dTests
{
    private static readonly LayerContext Context = new(Training: true, Threads: 1);

    // Eleven parameters: one more than TheoryData takes, so the cases are plain rows.
    public static IEnumerable<object[]> Cases =>
    [
        // channels, height, width, filters, kernel, stride, padding, explicit, output padding, dilation, batch
        [2, 3, 4, 3, 3, 1, Conv2dPadding.Same, 0, 0, 1, 2],
        [1, 4, 3, 2, 3, 2, Conv2dPadding.Same, 0, 0, 1, 3],     // 4×3 → 8×6, padding 0 before, 1 after
        [2, 3, 4, 2, 2, 3, Conv2dPadding.Same, 0, 0, 1, 2],     // kernel under the stride: rows no input reaches
        [3, 3, 5, 2, 3, 2, Conv2dPadding.Valid, 0, 1, 1, 2],
        [2, 4, 3, 3, 2, 3, Conv2dPadding.Explicit, 1, 2, 1, 1],
        [2, 3, 3, 2, 3, 1, Conv2dPadding.Valid, 0, 0, 2, 2],
        [2, 5, 4, 3, 3, 2, Conv2dPadding.Explicit, 1, 1, 2, 2],
        [1, 2, 3, 1, 4, 3, Conv2dPadding.Same, 0, 0, 2, 3],     // dilated kernel of 7 over stride 3
    ];

    private static ConvTranspose2d Build(TensorShape input, ConvTranspose2dSpec spec, SeededRandom random, out ParameterStore store)
    {
        var layer = (ConvTranspose2d)spec.Build(TestContexts.Build("deconv", input, spec.InferOutputShape(input)));
        store = new ParameterStore(layer.Parameters);
        layer.Initialize(random);
        TestData.Uniform(random, layer.Bias.Length, -0.5f, 0.5f).CopyTo(layer.Bias.Values);
        return layer;
    }

    // The output size and the rows taken off the start, from the definitions: Keras' Conv2DTranspose for "same" (input
    // × stride, the padding of a "same" convolution of that output), PyTorch's formula for the others.
    private static (int Size, int Before) Expected(int input, int kernel, int stride, Conv2dPadding padding, int pad, int outputPadding, int dilation)
    {
        int span = dilation * (kernel - 1) + 1;
        return padding switch
        {
            Conv2dPadding.Same => (input * stride, Math.Max(span - stride, 0) / 2),
            Conv2dPadding.Valid => ((input - 1) * stride + span + outputPadding, 0),
            _ => ((input - 1) * stride + span + outputPadding - 2 * pad, pad),
        };
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Forward_MatchesTheScatterDefinition(int c, int h, int w, int filters, int kernel, int stride, Conv2dPadding padding, int pad, int outputPadding, int dilation, int batch)
    {
        var random = new SeededRandom(3);
        var input = new TensorShape(c, h, w);
        var spec = new ConvTranspose2dSpec(filters, kernel, stride, padding, dilation, pad, outputPadding, WeightInitialization.XavierUniform);
        var layer = Build(input, spec, random, out _);
        var (ho, top) = Expected(h, kernel, stride, padding, pad, outputPadding, dilation);
        var (wo, left) = Expected(w, kernel, stride, padding, pad, outputPadding, dilation);
        Assert.Equal(new TensorShape(filters, ho, wo), spec.InferOutputShape(input));
        Assert.Equal(filters * ho * wo, layer.OutputSize);

        float[] x = TestData.Uniform(random, batch * input.Size, -1f, 1f);
        float[] y = Enumerable.Repeat(float.NaN, batch * layer.OutputSize).ToArray(); // forward must write every value
        layer.Forward(x, y, new float[batch * layer.ScratchSizePerSample], batch, Context);

        // Every input value adds W[c, f, ky, kx]·x to the output position its kernel tap lands on.
        var expected = new double[batch * layer.OutputSize];
        ReadOnlySpan<float> weights = layer.Weights.Values, bias = layer.Bias.Values;
        for (int n = 0; n < batch; n++)
        {
            for (int f = 0; f < filters; f++)
                for (int p = 0; p < ho * wo; p++) expected[n * layer.OutputSize + f * ho * wo + p] = bias[f];
            for (int ch = 0; ch < c; ch++)
            for (int iy = 0; iy < h; iy++)
            for (int ix = 0; ix < w; ix++)
            for (int f = 0; f < filters; f++)
            for (int ky = 0; ky < kernel; ky++)
            for (int kx = 0; kx < kernel; kx++)
            {
                int oy = iy * stride + ky * dilation - top, ox = ix * stride + kx * dilation - left;
                if (oy < 0 || oy >= ho || ox < 0 || ox >= wo) continue;
                expected[n * layer.OutputSize + (f * ho + oy) * wo + ox] +=
                    (double)weights[((ch * filters + f) * kernel + ky) * kernel + kx] * x[n * input.Size + (ch * h + iy) * w + ix];
            }
        }
        for (int i = 0; i < y.Length; i++)
            Assert.True(Math.Abs(y[i] - expected[i]) <= 1e-5 * (1 + Math.Abs(expected[i])), $"output {i}: {y[i]} vs {expected[i]}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Gradients_MatchFiniteDifferences(int c, int h, int w, int filters, int kernel, int stride, Conv2dPadding padding, int pad, int outputPadding, int dilation, int batch)
    {
        var random = new SeededRandom(5);
        var input = new TensorShape(c, h, w);
        var layer = Build(input, new ConvTranspose2dSpec(filters, kernel, stride, padding, dilation, pad, outputPadding, WeightInitialization.XavierUniform), random, out var store);
        float[] x = TestData.Uniform(random, batch * input.Size, -1f, 1f);
        float[] coefficients = TestData.Uniform(random, batch * layer.OutputSize, -1f, 1f);
        GradientCheck.AssertLayerGradients(layer, store, x, coefficients, batch, Context);
    }

    [Theory]
    [InlineData(1)]   // one group
    [InlineData(7)]   // fewer images than groups
    [InlineData(37)]  // more images than groups: uneven groups
    public void TwoThreads_GiveTheBitsOfOne(int batch)
    {
        // The weight gradient is summed over groups of images fixed by the batch size alone, so even its last bits do not
        // depend on how many threads took the groups.
        var random = new SeededRandom(13);
        var input = new TensorShape(3, 5, 4);
        var layer = Build(input, new ConvTranspose2dSpec(4, 3, 2, Initialization: WeightInitialization.XavierUniform), random, out var store);
        float[] x = TestData.Uniform(random, batch * input.Size, -1f, 1f), coefficients = TestData.Uniform(random, batch * layer.OutputSize, -1f, 1f);
        (float[] Y, float[] Dx, float[] Gradients) Run(int threads)
        {
            var context = new LayerContext(Training: true, Threads: threads);
            float[] y = new float[batch * layer.OutputSize], dx = new float[x.Length], scratch = new float[batch * layer.ScratchSizePerSample];
            store.ZeroGradients();
            layer.Forward(x, y, scratch, batch, context);
            layer.Backward(x, y, coefficients, dx, scratch, batch, context);
            return (y, dx, store.Gradients.ToArray());
        }

        var one = Run(1);
        var two = Run(2);
        Assert.Equal(one.Y, two.Y);
        Assert.Equal(one.Dx, two.Dx);
        Assert.Equal(one.Gradients, two.Gradients);
    }

    [Fact]
    public void BackwardThatWritesOver_EqualsAddingToZeros()
    {
        // The training step may let the layer write dx, dW and db over stale values instead of clearing them first.
        var random = new SeededRandom(17);
        var input = new TensorShape(2, 4, 3);
        var layer = Build(input, new ConvTranspose2dSpec(3, 3, 2, Conv2dPadding.Valid, OutputPadding: 1, Initialization: WeightInitialization.XavierUniform), random, out var store);
        const int Batch = 19;
        float[] x = TestData.Uniform(random, Batch * input.Size, -1f, 1f), y = new float[Batch * layer.OutputSize];
        float[] scratch = new float[Batch * layer.ScratchSizePerSample], dy = TestData.Uniform(random, y.Length, -1f, 1f);
        layer.Forward(x, y, scratch, Batch, Context);

        float[] added = new float[x.Length];
        store.ZeroGradients();
        layer.Backward(x, y, dy, added, scratch, Batch, Context);
        float[] addedParameters = store.Gradients.ToArray();

        float[] written = Enumerable.Repeat(float.NaN, x.Length).ToArray();
        store.Gradients.AsSpan().Fill(float.NaN);
        layer.Backward(x, y, dy, written, scratch, Batch, Context with { OverwriteInputGradient = true, OverwriteParameterGradients = true });
        Assert.Equal(added, written);
        Assert.Equal(addedParameters, store.Gradients.ToArray());
    }

    [Theory]
    [InlineData(2, 5, 4, 3, 3, 2, 1)]
    [InlineData(3, 4, 4, 2, 2, 2, 1)]
    [InlineData(1, 3, 5, 2, 5, 3, 1)]
    [InlineData(2, 3, 3, 2, 3, 2, 2)]
    [InlineData(2, 2, 3, 2, 2, 3, 1)]
    public void Same_IsTheTransposeOfTheSameConvolution(int c, int h, int w, int filters, int kernel, int stride, int dilation)
    {
        // A "same" Conv2d from [F, h·s, w·s] to [C, h, w] with the weights [C, F, k, k] is the linear map A; the "same"
        // transposed convolution with those weights must be Aᵀ: ⟨Aᵀx, z⟩ = ⟨x, Az⟩ for every x and z (no bias).
        var random = new SeededRandom(23);
        var input = new TensorShape(c, h, w);
        var transposedSpec = new ConvTranspose2dSpec(filters, kernel, stride, Conv2dPadding.Same, dilation, Initialization: WeightInitialization.XavierUniform);
        var transposed = Build(input, transposedSpec, random, out _);
        transposed.Bias.Values.Clear();
        var output = transposedSpec.InferOutputShape(input);
        var convolutionSpec = new Conv2dSpec(c, kernel, stride, Conv2dPadding.Same, dilation, Initialization: WeightInitialization.XavierUniform);
        Assert.Equal(input, convolutionSpec.InferOutputShape(output));
        var convolution = (Conv2d)convolutionSpec.Build(TestContexts.Build("conv", output, input));
        _ = new ParameterStore(convolution.Parameters);
        transposed.Weights.Values.CopyTo(convolution.Weights.Values);
        Assert.Equal(convolution.Geometry, transposed.Geometry);

        float[] x = TestData.Uniform(random, input.Size, -1f, 1f), z = TestData.Uniform(random, output.Size, -1f, 1f);
        float[] transposedX = new float[output.Size], convolvedZ = new float[input.Size];
        transposed.Forward(x, transposedX, new float[transposed.ScratchSizePerSample], 1, Context);
        convolution.Forward(z, convolvedZ, new float[convolution.ScratchSizePerSample], 1, Context);
        double left = TestData.WeightedSum(z, transposedX), right = TestData.WeightedSum(x, convolvedZ);
        Assert.True(Math.Abs(left - right) <= 1e-5 * (1 + Math.Abs(left)), $"⟨Aᵀx, z⟩ = {left}, ⟨x, Az⟩ = {right}");
    }

    [Fact]
    public void SpecRefusesWhatItCannotTake()
    {
        var image = new TensorShape(2, 4, 4);
        var rank = Assert.Throws<ArgumentException>(() => new ConvTranspose2dSpec(3, 3).InferOutputShape(TensorShape.Flat(32)));
        Assert.Contains("[channels, height, width]", rank.Message);
        Assert.Contains("[32]", rank.Message);
        var tooMuchOutputPadding = Assert.Throws<ArgumentException>(() => new ConvTranspose2dSpec(3, 3, 2, Conv2dPadding.Valid, OutputPadding: 2).InferOutputShape(image));
        Assert.Contains("smaller than the stride", tooMuchOutputPadding.Message);
        var sameWithOutputPadding = Assert.Throws<ArgumentException>(() => new ConvTranspose2dSpec(3, 3, 2, OutputPadding: 1).InferOutputShape(image));
        Assert.Contains("'same'", sameWithOutputPadding.Message);
        var nothingLeft = Assert.Throws<ArgumentException>(() => new ConvTranspose2dSpec(3, 3, 1, Conv2dPadding.Explicit, ExplicitPadding: 3).InferOutputShape(image));
        Assert.Contains("leaves no output", nothingLeft.Message);
        Assert.Throws<ArgumentException>(() => new ConvTranspose2dSpec(0, 3).InferOutputShape(image));
        Assert.Throws<ArgumentException>(() => new ConvTranspose2dSpec(3, 3, 0).InferOutputShape(image));

        // Named by the network, with the layer's name.
        var named = Assert.Throws<ArgumentException>(() => NetworkSpec.Create(TensorShape.Flat(16), [new ConvTranspose2dSpec(3, 3)]));
        Assert.Contains("'encoder.0' (conv_transpose2d", named.Message);
    }

    public static TheoryData<int, int, int, int, int, Conv2dPadding, int, int, bool> StridedConvolutions => new()
    {
        // channels, height, width, kernel, stride, padding, explicit, dilation, whether the mirror is the exact transpose
        { 1, 28, 28, 3, 2, Conv2dPadding.Same, 0, 1, true },    // 28 → 14 → 28: "same" back
        { 2, 7, 7, 3, 2, Conv2dPadding.Same, 0, 1, true },      // 7 → 4 → 7: padding 1, no output padding
        { 2, 7, 7, 2, 2, Conv2dPadding.Same, 0, 1, false },     // 7 → 4 → 7: the convolution pads 0 and 1; the mirror 1, 1 and output padding 1
        { 1, 8, 12, 3, 2, Conv2dPadding.Same, 0, 1, true },     // 8×12 → 4×6 → 8×12
        { 1, 7, 11, 3, 2, Conv2dPadding.Same, 0, 1, true },     // 7×11 → 4×6 → 7×11: padding 1 on both axes
        { 1, 11, 11, 3, 3, Conv2dPadding.Valid, 0, 1, true },   // 11 → 3 → 11: output padding 2
        { 3, 8, 6, 3, 2, Conv2dPadding.Explicit, 1, 1, true },  // 8×6 → 4×3 → 8×6: output padding 1
        { 2, 12, 12, 3, 2, Conv2dPadding.Same, 0, 2, true },
        { 1, 10, 10, 3, 1, Conv2dPadding.Valid, 0, 1, true },   // stride 1, valid: 10 → 8 → 10
    };

    [Theory]
    [MemberData(nameof(StridedConvolutions))]
    public void StridedConvolution_MirrorsToATransposedConvolutionBackToItsInput(int c, int h, int w, int kernel, int stride, Conv2dPadding padding, int pad, int dilation, bool exact)
    {
        var input = new TensorShape(c, h, w);
        var spec = NetworkSpec.Create(input,
            [new Conv2dSpec(4, kernel, stride, padding, dilation, pad), new ActivationSpec(Activation.Relu), new Conv2dSpec(3, 3, 1)],
            outputActivation: Activation.Sigmoid);
        Assert.Equal(["conv2d", "activation", "conv_transpose2d", "activation"], spec.Decoder.Select(l => l.Kind));
        var mirror = (ConvTranspose2dSpec)spec.Decoder[2];
        Assert.Equal((c, kernel, stride, dilation), (mirror.Filters, mirror.KernelSize, mirror.Stride, mirror.Dilation));
        Assert.Equal(input, mirror.OutputShape);
        Assert.Equal(spec.Encoder[0].OutputShape, mirror.InputShape);

        // The network builds, its layers give what the spec says, and the spec with the mirror in it round-trips through JSON.
        var network = AutoencoderNetwork.Create(spec, seed: 1);
        var encoderLayer = Assert.IsType<Conv2d>(network.Layers.Layers[0]);
        var decoderLayer = Assert.IsType<ConvTranspose2d>(network.Layers.Layers.Single(l => l is ConvTranspose2d));
        Assert.Equal(input.Size, network.Layers.Layers[^1].OutputSize);
        Assert.Equal(spec, NetworkSpec.FromJson(spec.ToJson()));

        // An exact mirror transposes the encoder's own convolution: the same image, kernel taps and padding.
        Assert.Equal(exact, decoderLayer.Geometry == encoderLayer.Geometry);
    }

    [Fact]
    public void StridedConvolutionWithNoMirror_IsNamed()
    {
        // 7×8 → 4×4: the height needs padding 1, the width padding 1 and output padding 1; the spec has one of each.
        var error = Assert.Throws<ArgumentException>(() => NetworkSpec.Create(new TensorShape(1, 7, 8), [new Conv2dSpec(2, 3, 2)]));
        Assert.Contains("'encoder.0' (conv2d)", error.Message);
        Assert.Contains("give the decoder explicitly", error.Message);
    }

    [Theory]
    [InlineData(Conv2dPadding.Same, 0, 0)]
    [InlineData(Conv2dPadding.Valid, 0, 1)]
    [InlineData(Conv2dPadding.Explicit, 1, 1)]
    public void TransposedConvolution_MirrorsToAConvolutionBackToItsInput(Conv2dPadding padding, int pad, int outputPadding)
    {
        var input = new TensorShape(2, 5, 3);
        var spec = NetworkSpec.Create(input, [new ConvTranspose2dSpec(4, 3, 2, padding, 1, pad, outputPadding)]);
        var mirror = Assert.IsType<Conv2dSpec>(spec.Decoder.Single());
        Assert.Equal(new Conv2dSpec(2, 3, 2, padding, 1, pad), mirror with { Name = null, InputShape = null, OutputShape = null });
        Assert.Equal(input, mirror.OutputShape);
    }
}

/// <summary>A steady-state ConvTranspose2d forward and backward pass allocates nothing once its buffers have grown.</summary>
[Collection(nameof(AllocationMeasurement))]
public class ConvTranspose2dAllocationTests
{
    [Fact]
    public void SteadyStatePassesAllocateNothing()
    {
        var random = new SeededRandom(29);
        var input = new TensorShape(4, 7, 7);
        var spec = new ConvTranspose2dSpec(3, 3, 2, Initialization: WeightInitialization.HeUniform);
        var layer = (ConvTranspose2d)spec.Build(TestContexts.Build("deconv", input, spec.InferOutputShape(input)));
        var store = new ParameterStore(layer.Parameters);
        layer.Initialize(random);
        const int Batch = 24;
        float[] x = TestData.Uniform(random, Batch * input.Size, -1f, 1f), y = new float[Batch * layer.OutputSize];
        float[] dy = TestData.Uniform(random, y.Length, -1f, 1f), dx = new float[x.Length], scratch = new float[Batch * layer.ScratchSizePerSample];
        var context = new LayerContext(Training: true, Threads: 2);
        void Pass(int batch)
        {
            layer.Forward(x, y, scratch, batch, context);
            layer.Backward(x, y, dy, dx, scratch, batch, context);
        }
        Pass(Batch);
        Pass(5);
        long[] windows = SteadyStateAllocations.Measure(s => Pass(s % 3 == 2 ? 5 : Batch), callsPerWindow: 20);
        Assert.True(store.Gradients.All(float.IsFinite));
        SteadyStateAllocations.AssertNone(windows, "ConvTranspose2d forward and backward");
    }
}
