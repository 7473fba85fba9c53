using Microsoft.ML.Autoencoders.Engine.Kernels;
using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Autoencoders.Engine.Specs;
using Microsoft.ML.Autoencoders.Engine.Tensors;

namespace Microsoft.ML.Autoencoders.Engine.Tests.Convolution;

/// <summary>
/// The direct convolution's two kernel sets, 256-bit and (where AVX-512 is present, whatever the CPU table prefers)
/// 512-bit, each held to a plain double-precision loop on odd widths, channel and filter counts and paddings: forward,
/// weight, bias and input gradients, the input gradient both written over and added. The two sets must give the same
/// forward and input-gradient bits; the weight gradient's horizontal sums differ, so there only closeness is asked.
/// </summary>
public class DirectConvolutionPathTests
{
    /// <summary>The kernel sets this machine can run (<see cref="ConvolutionSweep.KernelSets"/>).</summary>
    private static readonly bool[] Paths = ConvolutionSweep.KernelSets;

    public static TheoryData<int, int, int, int, int, Conv2dPadding, int> Cases()
    {
        // channels, height, width, filters, kernel, padding, explicit padding
        var cases = new TheoryData<int, int, int, int, int, Conv2dPadding, int>();
        int[] widths = [1, 3, 7, 13, 14, 15, 16, 17, 28, 31, 33];
        (int Channels, int Filters)[] counts = [(1, 16), (16, 1), (3, 4), (4, 5), (5, 3), (8, 8), (16, 8), (8, 16), (1, 1), (3, 12)];
        // Heights that leave every remainder of the four- and eight-row passes (9 = 8 + 1, 14 = 3·4 + 2, 11 = 2·4 + 3).
        int[] heights = [9, 14, 11, 5];
        Conv2dPadding[] paddings = [Conv2dPadding.Same, Conv2dPadding.Valid, Conv2dPadding.Explicit];
        for (int i = 0; i < widths.Length; i++)
        {
            int w = widths[i];
            for (int j = 0; j < 3; j++)
            {
                var (c, f) = counts[(i + 3 * j) % counts.Length];
                int h = heights[(i + j) % heights.Length];
                int kernel = j == 2 && i % 2 == 1 && w >= 5 ? (i % 4 == 1 ? 5 : 2) : 3;
                var padding = paddings[(i + j) % paddings.Length];
                if (padding == Conv2dPadding.Valid && w < kernel) padding = Conv2dPadding.Same;
                cases.Add(c, h, w, f, kernel, padding, padding == Conv2dPadding.Explicit ? Math.Min(1 + i % 2, kernel - 1) : 0);
            }
        }
        return cases;
    }

    /// <summary>
    /// Planes the 512-bit set lays flat (DirectConvolution.CorrelateFlat: at most 8 wide, same size out as in, filters
    /// and channels in eights): widths up to 8 with heights whose flat span ends anywhere in a register or a pair of
    /// registers, one and two blocks of eight filters, even, 3×3 and 5×5 kernels (one-sided padding for the even one).
    /// </summary>
    public static TheoryData<int, int, int, int, int, Conv2dPadding, int> FlatCases() => new()
    {
        { 8, 7, 7, 8, 3, Conv2dPadding.Same, 0 },
        { 8, 4, 4, 8, 3, Conv2dPadding.Same, 0 },
        { 8, 8, 8, 8, 3, Conv2dPadding.Same, 0 },
        { 8, 5, 1, 16, 3, Conv2dPadding.Same, 0 },
        { 16, 3, 2, 8, 3, Conv2dPadding.Explicit, 1 },
        { 8, 9, 5, 8, 3, Conv2dPadding.Same, 0 },
        { 16, 6, 6, 8, 2, Conv2dPadding.Same, 0 },
        { 8, 2, 3, 16, 3, Conv2dPadding.Same, 0 },
        { 8, 13, 8, 8, 5, Conv2dPadding.Same, 0 },
        { 8, 1, 7, 8, 3, Conv2dPadding.Same, 0 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    [MemberData(nameof(FlatCases))]
    public void BothKernelSets_MatchThePlainLoop_AndEachOther(int c, int h, int w, int filters, int kernel, Conv2dPadding padding, int pad)
        => MatchThePlainLoop_AndEachOther(c, h, w, filters, kernel, padding, pad, batch: 3);

    /// <summary>The flat cases above do reach the flat layout on the 512-bit kernels (and only there), so they cover it.</summary>
    [Theory]
    [MemberData(nameof(FlatCases))]
    public void FlatCases_AreLaidOutFlat_OnThe512BitKernels(int c, int h, int w, int filters, int kernel, Conv2dPadding padding, int pad)
    {
        var input = new TensorShape(c, h, w);
        var spec = new Conv2dSpec(filters, kernel, 1, padding, 1, pad, WeightInitialization.XavierUniform);
        foreach (bool wide in Paths)
        {
            var layer = (Conv2d)spec.Build(TestContexts.Build("conv", input, spec.InferOutputShape(input)));
            layer.UsesVector512 = wide;
            Assert.Equal(wide, layer.UsesFlatPlanes);
        }
    }

    /// <summary>
    /// Batches that give a thread more images than the flat backward pass takes at once (eight): whole blocks of images
    /// and a part block, on one thread and two.
    /// </summary>
    [Theory]
    [InlineData(8, 7, 7, 8, 3, Conv2dPadding.Same, 0, 19)]
    [InlineData(8, 4, 4, 16, 3, Conv2dPadding.Same, 0, 17)]
    [InlineData(16, 5, 8, 8, 2, Conv2dPadding.Same, 0, 24)]
    public void ManyImages_MatchThePlainLoop_AndEachOther(int c, int h, int w, int filters, int kernel, Conv2dPadding padding, int pad, int batch)
        => MatchThePlainLoop_AndEachOther(c, h, w, filters, kernel, padding, pad, batch);

    private static void MatchThePlainLoop_AndEachOther(int c, int h, int w, int filters, int kernel, Conv2dPadding padding, int pad, int batch)
    {
        var input = new TensorShape(c, h, w);
        var spec = new Conv2dSpec(filters, kernel, 1, padding, 1, pad, WeightInitialization.XavierUniform);
        float[]? firstY = null, firstDx = null;
        foreach (bool wide in Paths)
        {
            var random = new SeededRandom(17);
            var layer = (Conv2d)spec.Build(TestContexts.Build("conv", input, spec.InferOutputShape(input)));
            Assert.True(layer.IsDirect);
            layer.UsesVector512 = wide;
            var store = new ParameterStore(layer.Parameters);
            layer.Initialize(random);
            TestData.Uniform(random, layer.Bias.Length, -0.5f, 0.5f).CopyTo(layer.Bias.Values);
            float[] x = TestData.Uniform(random, batch * input.Size, -1f, 1f);
            float[] dy = TestData.Uniform(random, batch * layer.OutputSize, -1f, 1f);
            float[] earlier = TestData.Uniform(random, x.Length, -1f, 1f);
            var reference = Reference(layer, x, dy, batch);

            foreach (int threads in new[] { 1, 2 })
            {
                float[] y = new float[batch * layer.OutputSize];
                // Scratch and a written-over input gradient full of NaNs: nothing may be read from before.
                float[] scratch = Enumerable.Repeat(float.NaN, batch * layer.ScratchSizePerSample).ToArray();
                float[] dxOver = Enumerable.Repeat(float.NaN, x.Length).ToArray(), dxAdded = (float[])earlier.Clone();
                var context = new LayerContext(Training: true, Threads: threads);
                layer.Forward(x, y, scratch, batch, context);
                store.ZeroGradients();
                layer.Backward(x, y, dy, dxOver, scratch, batch, context with { OverwriteInputGradient = true });
                float[] dW = layer.Weights.Gradients.ToArray(), db = layer.Bias.Gradients.ToArray();
                layer.Backward(x, y, dy, dxAdded, scratch, batch, context);
                // The same call again gives the same dW bits: the kernel set and thread count fix the order of every sum.
                store.ZeroGradients();
                layer.Backward(x, y, dy, new float[x.Length], scratch, batch, context);
                Assert.Equal(dW, layer.Weights.Gradients.ToArray());

                string where = $"{(wide ? 512 : 256)}-bit, {threads} thread(s)";
                AssertClose(reference.Y, reference.YScale, y, $"y, {where}");
                AssertClose(reference.Dw, reference.DwScale, dW, $"dW, {where}");
                AssertClose(reference.Db, reference.DbScale, db, $"db, {where}");
                AssertClose(reference.Dx, reference.DxScale, dxOver, $"dx written over, {where}");
                for (int i = 0; i < dxAdded.Length; i++)
                    Assert.True(Math.Abs(earlier[i] + dxOver[i] - dxAdded[i]) <= 1e-5f, $"dx added [{i}], {where}");

                // Forward and input gradient: one fixed FMA chain per output, whatever the kernel set or thread count.
                firstY ??= y;
                firstDx ??= dxOver;
                Assert.Equal(firstY, y);
                Assert.Equal(firstDx, dxOver);
            }
        }
    }

    /// <summary>
    /// The weight gradient sums groups of images in one pass per kernel row (<see cref="Conv2d"/>'s direct backward):
    /// batches that leave every remainder of a group on one thread and on two (parts of 6 and 5 images), on the blog
    /// network's wide layers (14×14 planes go four images a group, 28×28 one) and on filter and channel counts that take
    /// every 3×3 kernel (filter pairs, channel pairs of a lone filter with an odd channel left tap by tap, three filters),
    /// held to the plain loop. A group that read one image twice, skipped its last images or mixed two images' planes
    /// would miss it.
    /// </summary>
    [Theory]
    // channels, height, width, filters, padding
    [InlineData(1, 28, 28, 16, Conv2dPadding.Same)]
    [InlineData(16, 14, 14, 8, Conv2dPadding.Same)]
    [InlineData(8, 16, 16, 16, Conv2dPadding.Valid)]
    [InlineData(16, 28, 28, 1, Conv2dPadding.Same)]
    [InlineData(3, 9, 17, 12, Conv2dPadding.Same)]
    [InlineData(6, 11, 13, 3, Conv2dPadding.Valid)]
    [InlineData(5, 12, 20, 1, Conv2dPadding.Valid)]
    public void GroupsOfImages_GiveThePlainLoopsWeightGradient(int c, int h, int w, int filters, Conv2dPadding padding)
    {
        var input = new TensorShape(c, h, w);
        var spec = new Conv2dSpec(filters, 3, 1, padding, 1, 0, WeightInitialization.XavierUniform);
        const int Batch = 11;
        foreach (bool wide in Paths)
        {
            var random = new SeededRandom(29);
            var layer = (Conv2d)spec.Build(TestContexts.Build("conv", input, spec.InferOutputShape(input)));
            layer.UsesVector512 = wide;
            var store = new ParameterStore(layer.Parameters);
            layer.Initialize(random);
            float[] x = TestData.Uniform(random, Batch * input.Size, -1f, 1f);
            float[] dy = TestData.Uniform(random, Batch * layer.OutputSize, -1f, 1f);
            var reference = Reference(layer, x, dy, Batch);
            foreach (int threads in new[] { 1, 2 })
            {
                float[] y = new float[Batch * layer.OutputSize], scratch = new float[Batch * layer.ScratchSizePerSample];
                var context = new LayerContext(Training: true, Threads: threads) { OverwriteInputGradient = true };
                layer.Forward(x, y, scratch, Batch, context);
                store.ZeroGradients();
                // Twice over the same buffers: the second pass starts from the first's planes (of another dy, so a leak would
                // show), which must not leak into it.
                float[] otherDy = TestData.Uniform(random, dy.Length, -1f, 1f);
                layer.Backward(x, y, otherDy, new float[x.Length], scratch, Batch, context);
                store.ZeroGradients();
                float[] dx = new float[x.Length];
                layer.Backward(x, y, dy, dx, scratch, Batch, context);
                string where = $"{(wide ? 512 : 256)}-bit, {threads} thread(s)";
                AssertClose(reference.Dw, reference.DwScale, layer.Weights.Gradients.ToArray(), $"dW, {where}");
                AssertClose(reference.Db, reference.DbScale, layer.Bias.Gradients.ToArray(), $"db, {where}");
                AssertClose(reference.Dx, reference.DxScale, dx, $"dx, {where}");
            }
        }
    }

    private static void AssertClose(double[] expected, double[] scale, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(actual[i] - expected[i]) <= 2e-6 * (1 + scale[i]), $"{what} [{i}]: {actual[i]} vs {expected[i]}");
    }

    /// <summary>The convolution and its gradients from the definition in doubles, with each sum's Σ|term| for the tolerance.</summary>
    private static ConvolutionReference Reference(Conv2d layer, float[] x, float[] dy, int batch) =>
        new(layer.Geometry, layer.Filters, layer.Weights.Values.ToArray(), layer.Bias.Values.ToArray(), x, dy, batch);
}
