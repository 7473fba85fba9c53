using Microsoft.ML.Autoencoders.Engine.Kernels;
using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Autoencoders.Engine.Specs;
using Microsoft.ML.Autoencoders.Engine.Tensors;

namespace Microsoft.ML.Autoencoders.Engine.Tests.Convolution;

/// <summary>
/// Conv2d, MaxPool2d and Upsample2d: each forward held to a plain loop written from the definition, on odd shapes (odd
/// sizes, stride 2, dilation 2, every padding, ceil mode), and each backward to central finite differences.
/// </summary>
public class ConvolutionLayerTests
{
    private static readonly LayerContext Context = new(Training: true, Threads: 1);

    public static TheoryData<int, int, int, int, int, int, Conv2dPadding, int, int, int> ConvCases => new()
    {
        // channels, height, width, filters, kernel, stride, padding, explicit, dilation, batch
        { 1, 7, 7, 3, 3, 1, Conv2dPadding.Same, 0, 1, 2 },
        { 2, 5, 6, 4, 3, 2, Conv2dPadding.Same, 0, 1, 3 },
        { 3, 8, 5, 2, 3, 1, Conv2dPadding.Valid, 0, 2, 2 },
        { 2, 6, 7, 3, 2, 2, Conv2dPadding.Explicit, 1, 1, 1 },
        { 1, 9, 9, 5, 5, 3, Conv2dPadding.Same, 0, 1, 2 },
        // Stride 1 runs the direct kernels (DirectConvolution): blocks of four filters and a tail, rows of more than one
        // 16-column chunk, even and 5×5 kernels, and padding on one side only.
        { 3, 9, 19, 5, 3, 1, Conv2dPadding.Same, 0, 1, 2 },
        { 2, 6, 17, 8, 3, 1, Conv2dPadding.Valid, 0, 1, 2 },
        { 2, 5, 7, 4, 2, 1, Conv2dPadding.Explicit, 1, 1, 2 },
        { 1, 8, 8, 4, 5, 1, Conv2dPadding.Same, 0, 1, 1 },
        { 4, 6, 6, 2, 2, 1, Conv2dPadding.Same, 0, 1, 3 },
        // A lone filter over many channels (a decoder's last layer: four channels at a time and a tail of one), one channel
        // into many filters (an encoder's first), and explicit padding that makes the output wider than a 16-wide input.
        { 9, 6, 11, 1, 3, 1, Conv2dPadding.Same, 0, 1, 2 },
        { 1, 5, 18, 6, 3, 1, Conv2dPadding.Same, 0, 1, 2 },
        { 2, 3, 16, 2, 3, 1, Conv2dPadding.Explicit, 2, 1, 2 },
        // Rows of at most 8 go four at a time, the rows left over and a filter tail the usual way; forward here, and the
        // input gradient (four filters of the flipped kernel over 9×6) in the second.
        { 3, 7, 7, 9, 3, 1, Conv2dPadding.Same, 0, 1, 2 },
        { 4, 9, 6, 5, 3, 1, Conv2dPadding.Valid, 0, 1, 2 },
        // Planes the 512-bit kernels lay flat (at most 8 wide, same size out, filters and channels in eights), with two
        // images so dW's per-lane sums carry from one image to the next before they are folded. (Small planes: a float
        // objective over many outputs leaves the finite differences too little precision.)
        { 8, 3, 3, 8, 3, 1, Conv2dPadding.Same, 0, 1, 2 },
        { 8, 2, 5, 8, 2, 1, Conv2dPadding.Same, 0, 1, 2 },
    };

    private static Conv2d BuildConv(TensorShape input, Conv2dSpec spec, SeededRandom random, out ParameterStore store)
    {
        var layer = (Conv2d)spec.Build(TestContexts.Build("conv", input, spec.InferOutputShape(input)));
        store = new ParameterStore(layer.Parameters);
        layer.Initialize(random);
        TestData.Uniform(random, layer.Bias.Length, -0.5f, 0.5f).CopyTo(layer.Bias.Values);
        return layer;
    }

    [Theory]
    [MemberData(nameof(ConvCases))]
    public void Conv2d_Forward_MatchesTheDefinition(int c, int h, int w, int filters, int kernel, int stride, Conv2dPadding padding, int pad, int dilation, int batch)
    {
        var random = new SeededRandom(3);
        var input = new TensorShape(c, h, w);
        var spec = new Conv2dSpec(filters, kernel, stride, padding, dilation, pad, WeightInitialization.XavierUniform);
        var layer = BuildConv(input, spec, random, out _);
        var g = layer.Geometry;
        // The case list covers both algorithms: direct for stride 1 without dilation, im2col + GEMM for the rest.
        Assert.Equal(stride == 1 && dilation == 1 && System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated, layer.IsDirect);
        float[] x = TestData.Uniform(random, batch * input.Size, -1f, 1f);
        float[] y = new float[batch * layer.OutputSize];
        // Scratch full of NaNs: nothing a layer reads from it may be left over from before (the direct path's padding).
        layer.Forward(x, y, Enumerable.Repeat(float.NaN, batch * layer.ScratchSizePerSample).ToArray(), batch, Context);

        ReadOnlySpan<float> weights = layer.Weights.Values;
        int ho = g.OutputHeight, wo = g.OutputWidth;
        for (int n = 0; n < batch; n++)
        for (int f = 0; f < filters; f++)
        for (int oy = 0; oy < ho; oy++)
        for (int ox = 0; ox < wo; ox++)
        {
            double sum = layer.Bias.Values[f];
            for (int ch = 0; ch < c; ch++)
            for (int ky = 0; ky < kernel; ky++)
            for (int kx = 0; kx < kernel; kx++)
            {
                int iy = oy * stride + ky * dilation - g.PadTop, ix = ox * stride + kx * dilation - g.PadLeft;
                if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                sum += weights[((f * c + ch) * kernel + ky) * kernel + kx] * x[n * input.Size + (ch * h + iy) * w + ix];
            }
            float actual = y[n * layer.OutputSize + (f * ho + oy) * wo + ox];
            Assert.True(Math.Abs(actual - sum) <= 1e-5 * (1 + Math.Abs(sum)), $"n {n} f {f} ({oy}, {ox}): {actual} vs {sum}");
        }
    }

    [Theory]
    [MemberData(nameof(ConvCases))]
    public void Conv2d_Gradients_MatchFiniteDifferences(int c, int h, int w, int filters, int kernel, int stride, Conv2dPadding padding, int pad, int dilation, int batch)
    {
        // Both direct kernel sets where this machine has AVX-512 (the 512-bit one only where it is the default otherwise).
        foreach (bool wide in ConvolutionSweep.KernelSets)
            GradientsMatchFiniteDifferences(c, h, w, filters, kernel, stride, padding, pad, dilation, batch, wide);
    }

    public static TheoryData<int, int, int, int, int, int, int, int, int, int> UnequalPadCases => new()
    {
        // channels, height, width, filters, kernel, stride, top, left, bottom, right
        { 2, 6, 7, 5, 3, 1, 2, 0, 0, 1 },   // direct kernels: more rows above than below, a column on the right only
        { 3, 5, 9, 4, 3, 1, 0, 2, 1, 0 },   // direct kernels: the mirror image
        { 2, 7, 9, 3, 3, 2, 1, 0, 0, 2 },   // im2col: strided
        { 8, 4, 6, 8, 3, 1, 2, 0, 0, 2 },   // flat planes where the 512-bit kernels run (totals of kernel − 1 on each axis)
        { 1, 5, 5, 2, 3, 1, 3, 0, 0, 3 },   // padding as wide as the kernel: im2col, since the direct kernels take less
    };

    [Theory]
    [MemberData(nameof(UnequalPadCases))]
    public void Conv2d_UnequalPads_MatchTheDefinitionAndFiniteDifferences(int c, int h, int w, int filters, int kernel, int stride, int top, int left, int bottom, int right)
    {
        const int batch = 2;
        var spec = new Conv2dSpec(filters, kernel, stride, Conv2dPadding.Explicit, Initialization: WeightInitialization.XavierUniform,
            ExplicitPads: new Conv2dPads(top, left, bottom, right));
        var input = new TensorShape(c, h, w);
        int ho = (h + top + bottom - kernel) / stride + 1, wo = (w + left + right - kernel) / stride + 1;
        Assert.Equal(new TensorShape(filters, ho, wo), spec.InferOutputShape(input));

        var random = new SeededRandom(3);
        var layer = BuildConv(input, spec, random, out _);
        float[] x = TestData.Uniform(random, batch * input.Size, -1f, 1f);
        float[] y = new float[batch * layer.OutputSize];
        layer.Forward(x, y, Enumerable.Repeat(float.NaN, batch * layer.ScratchSizePerSample).ToArray(), batch, Context);
        ReadOnlySpan<float> weights = layer.Weights.Values;
        for (int n = 0; n < batch; n++)
        for (int f = 0; f < filters; f++)
        for (int oy = 0; oy < ho; oy++)
        for (int ox = 0; ox < wo; ox++)
        {
            double sum = layer.Bias.Values[f];
            for (int ch = 0; ch < c; ch++)
            for (int ky = 0; ky < kernel; ky++)
            for (int kx = 0; kx < kernel; kx++)
            {
                int iy = oy * stride + ky - top, ix = ox * stride + kx - left;
                if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                sum += weights[((f * c + ch) * kernel + ky) * kernel + kx] * x[n * input.Size + (ch * h + iy) * w + ix];
            }
            float actual = y[n * layer.OutputSize + (f * ho + oy) * wo + ox];
            Assert.True(Math.Abs(actual - sum) <= 1e-5 * (1 + Math.Abs(sum)), $"n {n} f {f} ({oy}, {ox}): {actual} vs {sum}");
        }

        foreach (bool wide in ConvolutionSweep.KernelSets)
            GradientsMatchFiniteDifferences(input, spec, batch, wide);
    }

    [Fact]
    public void Conv2d_RefusesCausalPaddingAndPadsWithoutExplicitPadding()
    {
        var image = new TensorShape(1, 5, 5);
        var causal = Assert.Throws<ArgumentException>(() => new Conv2dSpec(2, 3, Padding: Conv2dPadding.Causal).InferOutputShape(image));
        Assert.StartsWith("causal padding is for sequences (Conv1dSpec)", causal.Message);
        Assert.Throws<ArgumentException>(() => new Conv2dSpec(2, 3, ExplicitPads: new Conv2dPads(1, 0, 0, 1)).InferOutputShape(image));
        Assert.Throws<ArgumentException>(() => new Conv2dSpec(2, 3, Padding: Conv2dPadding.Explicit, ExplicitPadding: 1, ExplicitPads: new Conv2dPads(1, 0, 0, 1)).InferOutputShape(image));
        Assert.Throws<ArgumentException>(() => new Conv2dSpec(2, 3, Padding: Conv2dPadding.Explicit, ExplicitPads: new Conv2dPads(1, -1, 0, 1)).InferOutputShape(image));
        var transposed = Assert.Throws<ArgumentException>(() => new ConvTranspose2dSpec(2, 3, Padding: Conv2dPadding.Causal).InferOutputShape(image));
        Assert.StartsWith("causal padding is for sequences (Conv1dSpec)", transposed.Message);
    }

    [Theory]
    // Both axes' remainders agree: the convolution's own pads, its exact transpose, though an equal padding of 1 with an
    // output padding of 1 would give 8×8 back too.
    [InlineData(8, 8, 1, 1, 0, 0, true)]
    [InlineData(8, 8, 2, 0, 0, 2, true)]
    // 7×9: the height's remainder is 1, the width's 0, and one output padding serves both: the least crop of each axis.
    [InlineData(7, 9, 1, 0, 0, 2, false)]
    public void Conv2d_UnequalPads_MirrorIntoATransposedConvolutionBackToTheInput(int h, int w, int top, int left, int bottom, int right, bool ownPads)
    {
        var pads = new Conv2dPads(top, left, bottom, right);
        var spec = NetworkSpec.Create(new TensorShape(2, h, w), [new Conv2dSpec(4, 3, 2, Conv2dPadding.Explicit, ExplicitPads: pads)]);
        var undo = Assert.IsType<ConvTranspose2dSpec>(spec.Decoder[0]);
        Assert.Equal(new TensorShape(2, h, w), spec.Decoder[^1].OutputShape);
        Assert.Equal(Conv2dPadding.Explicit, undo.Padding);
        if (ownPads) Assert.Equal((pads, (h + top + bottom - 3) % 2), (undo.ExplicitPads!.Value, undo.OutputPadding));
        else Assert.NotNull(undo.ExplicitPads);
    }

    private static void GradientsMatchFiniteDifferences(int c, int h, int w, int filters, int kernel, int stride, Conv2dPadding padding, int pad, int dilation,
        int batch, bool vector512) =>
        GradientsMatchFiniteDifferences(new TensorShape(c, h, w), new Conv2dSpec(filters, kernel, stride, padding, dilation, pad, WeightInitialization.XavierUniform), batch, vector512);

    private static void GradientsMatchFiniteDifferences(TensorShape input, Conv2dSpec spec, int batch, bool vector512)
    {
        var random = new SeededRandom(5);
        var layer = BuildConv(input, spec, random, out var store);
        layer.UsesVector512 = vector512;
        float[] x = TestData.Uniform(random, batch * input.Size, -1f, 1f);
        float[] coefficients = TestData.Uniform(random, batch * layer.OutputSize, -1f, 1f);
        GradientCheck.AssertLayerGradients(layer, store, x, coefficients, batch, Context);
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(2, false)]
    [InlineData(1, true)]
    [InlineData(2, true)]
    public void Conv2d_FusedWithItsActivation_GivesTheNumbersOfTheTwoApart(int threads, bool vector512)
    {
        if (vector512 && !DirectConvolution.Vector512Supported) return; // the 512-bit kernels need AVX-512
        // In a network a convolution applies the ReLU after it to each image's output (forward), and forms its output
        // gradient from the ReLU's output and gradient image by image (backward): the same bits as the layers run apart.
        var spec = NetworkSpec.Create(new TensorShape(2, 10, 12),
            [new Conv2dSpec(5, 3), new ActivationSpec(Activation.Relu), new MaxPool2dSpec(2, CeilMode: true), new Conv2dSpec(4, 3),
             new ActivationSpec(Activation.LeakyRelu, 0.1f)],
            [new Upsample2dSpec(2), new Conv2dSpec(3, 3), new ActivationSpec(Activation.Relu), new Conv2dSpec(2, 3),
             new ActivationSpec(Activation.Sigmoid)]);
        FusedEqualsApart(spec, threads, vector512);
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(2, false)]
    [InlineData(1, true)]
    [InlineData(2, true)]
    public void Conv2d_FusedWithItsActivation_OnFlatPlanes_GivesTheNumbersOfTheTwoApart(int threads, bool vector512)
    {
        if (vector512 && !DirectConvolution.Vector512Supported) return; // the 512-bit kernels need AVX-512
        // Eight channels on planes of at most 8 columns: the 512-bit kernels lay these flat, apply the ReLU in their
        // masked stores and mask dy by the ReLU's output as they form its flat planes.
        var spec = NetworkSpec.Create(new TensorShape(8, 8, 6),
            [new Conv2dSpec(8, 3), new ActivationSpec(Activation.Relu), new MaxPool2dSpec(2, CeilMode: true), new Conv2dSpec(8, 3),
             new ActivationSpec(Activation.LeakyRelu, 0.1f)],
            [new Upsample2dSpec(2), new Conv2dSpec(8, 3), new ActivationSpec(Activation.Relu), new Conv2dSpec(8, 3),
             new ActivationSpec(Activation.Sigmoid)]);
        FusedEqualsApart(spec, threads, vector512);
    }

    /// <summary>The network's output, parameter gradients and input gradient, with each convolution fused with its activation and apart.</summary>
    private static void FusedEqualsApart(NetworkSpec spec, int threads, bool vector512)
    {
        const int Batch = 5;
        var network0 = AutoencoderNetwork.Create(spec, seed: 7);
        float[] input = TestData.Uniform(new SeededRandom(8), Batch * network0.Layers.InputSize, -1f, 1f);
        float[] dy = TestData.Uniform(new SeededRandom(9), Batch * network0.Layers.OutputSize, -1f, 1f);
        var context = new LayerContext(Training: true, Threads: threads);
        (float[] Output, float[] Parameters, float[] InputGradient) Run(bool fused)
        {
            var network = AutoencoderNetwork.Create(spec, seed: 7);
            var layers = network.Layers.Layers;
            // Both kernel sets: the ReLU is applied by the kernels' stores, the 256-bit ones' and the 512-bit ones'.
            foreach (var conv in layers.OfType<Conv2d>()) conv.UsesVector512 = vector512;
            // A slot read from outside is written, so the layers on either side of it run apart.
            if (!fused)
                for (int i = 0; i + 1 < layers.Count; i++)
                    if (layers[i] is Conv2d) network.Layers.KeepSlotWritten(i + 1);
            var cache = network.CreateCache(Batch, forTraining: true);
            input.CopyTo(network.Input(cache, Batch));
            network.Forward(cache, Batch, context);
            if (!fused)
            {
                cache.ZeroGradients();
                network.Parameters.ZeroGradients();
            }
            dy.CopyTo(cache.Gradients(layers.Count, Batch));
            network.Layers.Backward(cache, Batch, context, needInputGradient: true, overwriteGradients: fused);
            return (network.Reconstruction(cache, Batch).ToArray(), network.Parameters.Gradients.ToArray(), cache.Gradients(0, Batch).ToArray());
        }

        var one = Run(fused: true);
        var two = Run(fused: false);
        Assert.Equal(two.Output, one.Output);
        Assert.Equal(two.Parameters, one.Parameters);
        Assert.Equal(two.InputGradient, one.InputGradient);
        Assert.Contains(one.Parameters, g => g != 0f);
    }

    public static TheoryData<string> OverwritingLayers => new() { "conv", "pool", "upsample" };

    [Theory]
    [MemberData(nameof(OverwritingLayers))]
    public void BackwardThatWritesOver_EqualsAddingToZeros(string kind)
    {
        // The training step lets these layers write dx over stale values instead of clearing it first.
        var random = new SeededRandom(17);
        var input = new TensorShape(2, 6, 5);
        LayerSpec spec = kind switch
        {
            "conv" => new Conv2dSpec(3, 3, Initialization: WeightInitialization.XavierUniform),
            "pool" => new MaxPool2dSpec(2, CeilMode: true),
            _ => new Upsample2dSpec(2),
        };
        var layer = spec.Build(TestContexts.Build(kind, input, spec.InferOutputShape(input)));
        var store = new ParameterStore(layer.Parameters);
        layer.Initialize(random);
        const int Batch = 3;
        float[] x = TestData.Uniform(random, Batch * input.Size, -1f, 1f), y = new float[Batch * layer.OutputSize];
        float[] scratch = new float[Batch * layer.ScratchSizePerSample], dy = TestData.Uniform(random, y.Length, -1f, 1f);
        layer.Forward(x, y, scratch, Batch, Context);
        float[] added = new float[x.Length], written = Enumerable.Repeat(float.NaN, x.Length).ToArray();
        layer.Backward(x, y, dy, added, scratch, Batch, Context);
        layer.Backward(x, y, dy, written, scratch, Batch, Context with { OverwriteInputGradient = true });
        Assert.Equal(added, written);
    }

    [Fact]
    public void Conv2d_SplitOverThreads_MatchesOneThread()
    {
        // Images are split over the threads: the forward bits do not change; the weight gradient is summed per thread
        // first, so it may differ in the last bits.
        var random = new SeededRandom(13);
        var input = new TensorShape(3, 9, 8);
        var layer = BuildConv(input, new Conv2dSpec(5, 3, Initialization: WeightInitialization.XavierUniform), random, out var store);
        const int Batch = 7;
        float[] x = TestData.Uniform(random, Batch * input.Size, -1f, 1f), coefficients = TestData.Uniform(random, Batch * layer.OutputSize, -1f, 1f);
        (float[] Y, float[] Dx, float[] Gradients) Run(int threads)
        {
            var context = new LayerContext(Training: true, Threads: threads);
            float[] y = new float[Batch * layer.OutputSize], dx = new float[x.Length], scratch = new float[Batch * layer.ScratchSizePerSample];
            store.ZeroGradients();
            layer.Forward(x, y, scratch, Batch, context);
            layer.Backward(x, y, coefficients, dx, scratch, Batch, context);
            return (y, dx, store.Gradients.ToArray());
        }

        var one = Run(1);
        var two = Run(2);
        Assert.Equal(one.Y, two.Y);
        Assert.Equal(one.Dx, two.Dx);
        for (int i = 0; i < one.Gradients.Length; i++)
            Assert.True(Math.Abs(one.Gradients[i] - two.Gradients[i]) <= 1e-5f * (1 + Math.Abs(one.Gradients[i])), $"gradient {i}: {one.Gradients[i]} vs {two.Gradients[i]}");
    }

    [Theory]
    [InlineData(2, 7, 7, 2, 0, true)]   // 7 → 4: the Keras-blog network's third pool
    [InlineData(2, 7, 7, 2, 0, false)]  // 7 → 3
    [InlineData(3, 6, 9, 3, 2, false)]  // overlapping windows
    [InlineData(1, 8, 5, 3, 2, true)]
    [InlineData(2, 5, 35, 2, 0, true)]  // 2×2 windows wide enough for the vector path (8 outputs at a time) and a tail
    [InlineData(3, 6, 28, 2, 0, false)] // 14 windows a row: one vector of eight and an overlapping one for the last six
    [InlineData(1, 5, 20, 2, 0, true)]  // 10 a row, and a ceil-mode bottom row
    [InlineData(1, 4, 40, 2, 2, false)]
    [InlineData(3, 14, 14, 2, 0, false)] // 7 a row (the Keras-blog network's second pool): one vector a row, spilling into the next
    [InlineData(2, 8, 8, 2, 0, false)]   // 4 a row: the vector covers this row and the next
    [InlineData(2, 9, 10, 2, 0, true)]   // 5 a row, and a ceil-mode bottom row that takes the scalar path
    [InlineData(2, 6, 13, 2, 0, false)]  // 6 a row from an odd width: the last column belongs to no window
    [InlineData(1, 4, 11, 2, 0, true)]   // 6 a row whose last window overhangs the right edge: redone alone
    [InlineData(3, 7, 7, 2, 0, true)]    // 4 a row overhanging right and bottom, three channels (the vector stops before the image's end)
    [InlineData(2, 9, 9, 2, 0, true)]    // 5 a row overhanging right and bottom
    public void MaxPool2d_MatchesTheDefinitionAndRoutesGradientsToTheMaximum(int c, int h, int w, int pool, int stride, bool ceil)
    {
        var random = new SeededRandom(7);
        var input = new TensorShape(c, h, w);
        var spec = new MaxPool2dSpec(pool, stride, ceil);
        var output = spec.InferOutputShape(input);
        int s = stride == 0 ? pool : stride;
        int expectedHeight = ceil ? (int)Math.Ceiling((h - pool) / (double)s) + 1 : (h - pool) / s + 1;
        Assert.Equal(expectedHeight, output[1]);
        var layer = spec.Build(TestContexts.Build("pool", input, output));
        const int Batch = 2;
        // Distinct values a step apart, so every maximum is unique and ±eps never changes which one it is.
        float[] x = Enumerable.Range(0, Batch * input.Size).Select(i => (float)((i * 7919) % 1000) / 100f).ToArray();
        float[] y = new float[Batch * output.Size], scratch = new float[Batch * layer.ScratchSizePerSample];
        layer.Forward(x, y, scratch, Batch, Context);
        for (int n = 0; n < Batch; n++)
        for (int ch = 0; ch < c; ch++)
        for (int oy = 0; oy < output[1]; oy++)
        for (int ox = 0; ox < output[2]; ox++)
        {
            float max = float.NegativeInfinity;
            for (int yy = oy * s; yy < Math.Min(oy * s + pool, h); yy++)
                for (int xx = ox * s; xx < Math.Min(ox * s + pool, w); xx++) max = Math.Max(max, x[n * input.Size + (ch * h + yy) * w + xx]);
            Assert.Equal(max, y[n * output.Size + (ch * output[1] + oy) * output[2] + ox]);
        }

        float[] coefficients = TestData.Uniform(random, y.Length, -1f, 1f), dx = new float[x.Length];
        layer.Backward(x, y, coefficients, dx, scratch, Batch, Context);
        double Objective()
        {
            layer.Forward(x, y, scratch, Batch, Context);
            return TestData.WeightedSum(coefficients, y);
        }
        GradientCheck.AssertMatches("dx", dx, GradientCheck.Numerical(x, 0, x.Length, Objective), 1e-4);
    }

    [Fact]
    public void MaxPool2d_TiesGoToTheFirstAndNaNsWin_InTheVectorPathToo()
    {
        // One channel, 2 × 34: the first 16 windows run eight at a time, the last one alone.
        var input = new TensorShape(1, 2, 34);
        var spec = new MaxPool2dSpec(2);
        var layer = spec.Build(TestContexts.Build("pool", input, spec.InferOutputShape(input)));
        float[] x = new float[input.Size]; // all ties at 0
        x[5] = float.NaN;                  // window 2, top-right
        x[34 + 30] = float.NaN;            // window 15, bottom-left
        x[32] = 1f; x[34 + 33] = 1f;       // window 16 (scalar path): a tie between top-left and bottom-right
        float[] y = new float[layer.OutputSize], scratch = new float[layer.ScratchSizePerSample], dx = new float[x.Length];
        float[] dy = Enumerable.Range(1, layer.OutputSize).Select(i => (float)i).ToArray();
        layer.Forward(x, y, scratch, 1, Context);
        layer.Backward(x, y, dy, dx, scratch, 1, Context);

        Assert.True(float.IsNaN(y[2]) && float.IsNaN(y[15]));
        Assert.Equal(1f, y[16]);
        Assert.Equal(dy[2], dx[5]);
        Assert.Equal(dy[15], dx[34 + 30]);
        Assert.Equal(dy[16], dx[32]);
        Assert.Equal(0f, dx[34 + 33]);
        Assert.Equal(dy[0], dx[0]); // a window of zeros: its top-left wins
        Assert.Equal(0f, dx[1] + dx[34] + dx[35]);
    }

    [Theory]
    [InlineData(2, 3, 4, 2)]
    [InlineData(1, 5, 3, 3)]
    [InlineData(3, 2, 1, 2)]
    [InlineData(2, 3, 7, 2)]
    [InlineData(1, 2, 8, 2)]
    [InlineData(2, 2, 13, 2)]
    [InlineData(1, 3, 14, 2)]
    [InlineData(1, 2, 21, 2)]
    [InlineData(2, 2, 9, 2)]  // a vector and, written over, one more overlapping it by seven
    [InlineData(1, 3, 16, 2)]
    [InlineData(2, 2, 17, 2)]
    [InlineData(1, 2, 28, 2)]
    public void Upsample2d_RepeatsBlocksAndSumsTheirGradients(int c, int h, int w, int scale)
    {
        var random = new SeededRandom(9);
        var input = new TensorShape(c, h, w);
        var spec = new Upsample2dSpec(scale);
        var output = spec.InferOutputShape(input);
        var layer = spec.Build(TestContexts.Build("up", input, output));
        const int Batch = 2;
        float[] x = TestData.Uniform(random, Batch * input.Size, -1f, 1f), y = new float[Batch * output.Size];
        layer.Forward(x, y, Span<float>.Empty, Batch, Context);
        for (int n = 0; n < Batch; n++)
        for (int ch = 0; ch < c; ch++)
        for (int oy = 0; oy < h * scale; oy++)
        for (int ox = 0; ox < w * scale; ox++)
            Assert.Equal(x[n * input.Size + (ch * h + oy / scale) * w + ox / scale], y[n * output.Size + (ch * h * scale + oy) * w * scale + ox]);

        float[] coefficients = TestData.Uniform(random, y.Length, -1f, 1f), dx = new float[x.Length];
        // Full mantissas (the generator's values sit on a 2^-23 grid, where sums of four are mostly exact in any order).
        for (int i = 0; i < coefficients.Length; i++) coefficients[i] = MathF.Sin(3f * coefficients[i] + i);
        layer.Backward(x, y, coefficients, dx, ReadOnlySpan<float>.Empty, Batch, Context);
        // Each block's gradients summed row by row, left to right, in float: the order every width keeps, to the bit.
        for (int n = 0; n < Batch; n++)
        for (int ch = 0; ch < c; ch++)
        for (int iy = 0; iy < h; iy++)
        for (int ix = 0; ix < w; ix++)
        {
            float sum = 0f;
            bool first = true;
            for (int sy = 0; sy < scale; sy++)
            for (int sx = 0; sx < scale; sx++)
            {
                float g = coefficients[n * output.Size + (ch * h * scale + iy * scale + sy) * w * scale + ix * scale + sx];
                sum = first ? g : sum + g;
                first = false;
            }
            Assert.Equal(sum, dx[n * input.Size + (ch * h + iy) * w + ix]);
        }
        // Written over stale values, the same bits (a ragged end of a wide row then takes an overlapping vector).
        float[] written = Enumerable.Repeat(float.NaN, x.Length).ToArray();
        layer.Backward(x, y, coefficients, written, ReadOnlySpan<float>.Empty, Batch, Context with { OverwriteInputGradient = true });
        Assert.Equal(dx, written);
        double Objective()
        {
            layer.Forward(x, y, Span<float>.Empty, Batch, Context);
            return TestData.WeightedSum(coefficients, y);
        }
        GradientCheck.AssertMatches("dx", dx, GradientCheck.Numerical(x, 0, x.Length, Objective), 1e-4);
    }
}

/// <summary>Build contexts for layers tested on their own, outside a network.</summary>
internal static class TestContexts
{
    public static LayerBuildContext Build(string name, TensorShape input, TensorShape output) =>
        new(name, input, output, next: null, new Dictionary<string, Layer>());
}
