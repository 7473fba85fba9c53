using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Specs;

namespace Microsoft.ML.Autoencoders.Engine.Tests.Convolution;

/// <summary>
/// Bilinear upsampling with half-pixel centres (PyTorch's align_corners=False): forward held to the definition written
/// per output value, backward to central finite differences, two threads to one bit for bit; and the spec's mode, which
/// a nearest upsampling leaves out of its JSON so that files written before modes existed read (and write) the same.
/// </summary>
public class BilinearUpsample2dTests
{
    private static readonly LayerContext Context = new(Training: true, Threads: 1);

    private static Layer Build(TensorShape input, int scale)
    {
        var spec = new Upsample2dSpec(scale, UpsampleMode.Bilinear);
        return spec.Build(TestContexts.Build("up", input, spec.InferOutputShape(input)));
    }

    /// <summary>
    /// The definition on one axis, from the formula: src = (o + 0.5) / s − 0.5, clamped below at 0; i0 = ⌊src⌋,
    /// i1 = min(i0 + 1, size − 1), λ = src − i0; returns (i0, i1, λ). Written from scratch, without the layer's tables.
    /// </summary>
    private static (int First, int Second, double Lambda) Source(int o, int scale, int size)
    {
        double src = Math.Max((o + 0.5) / scale - 0.5, 0);
        int first = Math.Min((int)Math.Floor(src), size - 1);
        int second = Math.Min(first + 1, size - 1);
        return (first, second, src - first);
    }

    public static TheoryData<int, int, int, int, int> Cases => new()
    {
        // channels, height, width, scale, batch
        { 2, 3, 4, 2, 2 },
        { 1, 5, 3, 3, 2 },
        { 3, 1, 7, 2, 1 },   // one row: every output row copies it
        { 1, 4, 1, 4, 3 },
        { 2, 2, 2, 1, 2 },   // scale 1 is the identity
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Forward_MatchesTheDefinition(int c, int h, int w, int scale, int batch)
    {
        var random = new SeededRandom(3);
        var input = new TensorShape(c, h, w);
        var layer = Build(input, scale);
        Assert.IsType<BilinearUpsample2d>(layer);
        float[] x = TestData.Uniform(random, batch * input.Size, -1f, 1f), y = new float[batch * layer.OutputSize];
        layer.Forward(x, y, Span<float>.Empty, batch, Context);
        int oh = h * scale, ow = w * scale;
        for (int n = 0; n < batch; n++)
        for (int ch = 0; ch < c; ch++)
        for (int oy = 0; oy < oh; oy++)
        for (int ox = 0; ox < ow; ox++)
        {
            var (y0, y1, ly) = Source(oy, scale, h);
            var (x0, x1, lx) = Source(ox, scale, w);
            double At(int iy, int ix) => x[n * input.Size + (ch * h + iy) * w + ix];
            double expected = (1 - ly) * ((1 - lx) * At(y0, x0) + lx * At(y0, x1)) + ly * ((1 - lx) * At(y1, x0) + lx * At(y1, x1));
            float actual = y[n * layer.OutputSize + (ch * oh + oy) * ow + ox];
            Assert.True(Math.Abs(actual - expected) <= 1e-6, $"n {n} c {ch} ({oy}, {ox}): {actual} vs {expected}");
        }
        if (scale == 1) Assert.Equal(x, y);
    }

    [Fact]
    public void Forward_MatchesPyTorchOnAKnownCase()
    {
        // torch.nn.functional.interpolate(torch.tensor([[[[1., 2.], [3., 4.]]]]), scale_factor=2, mode="bilinear",
        // align_corners=False), worked by hand from src = (o + 0.5) / 2 − 0.5: weights 0.25 / 0.75 inside, edges copied.
        float[] expected =
        [
            1.00f, 1.25f, 1.75f, 2.00f,
            1.50f, 1.75f, 2.25f, 2.50f,
            2.50f, 2.75f, 3.25f, 3.50f,
            3.00f, 3.25f, 3.75f, 4.00f,
        ];
        var layer = Build(new TensorShape(1, 2, 2), 2);
        float[] y = new float[16];
        layer.Forward([1f, 2f, 3f, 4f], y, Span<float>.Empty, 1, Context);
        Assert.Equal(expected, y);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Backward_MatchesFiniteDifferences(int c, int h, int w, int scale, int batch)
    {
        var random = new SeededRandom(5);
        var input = new TensorShape(c, h, w);
        var layer = Build(input, scale);
        float[] x = TestData.Uniform(random, batch * input.Size, -1f, 1f), y = new float[batch * layer.OutputSize];
        float[] coefficients = TestData.Uniform(random, y.Length, -1f, 1f), dx = new float[x.Length];
        layer.Forward(x, y, Span<float>.Empty, batch, Context);
        layer.Backward(x, y, coefficients, dx, ReadOnlySpan<float>.Empty, batch, Context);
        double Objective()
        {
            layer.Forward(x, y, Span<float>.Empty, batch, Context);
            return TestData.WeightedSum(coefficients, y);
        }
        GradientCheck.AssertMatches("dx", dx, GradientCheck.Numerical(x, 0, x.Length, Objective), 1e-4);

        // Written over stale values, as the training step lets it, the gradient is the same.
        float[] written = Enumerable.Repeat(float.NaN, x.Length).ToArray();
        layer.Backward(x, y, coefficients, written, ReadOnlySpan<float>.Empty, batch, Context with { OverwriteInputGradient = true });
        Assert.Equal(dx, written);
    }

    [Fact]
    public void SplitOverThreads_MatchesOneThreadBitForBit()
    {
        // 300 images of 16×16 outputs: enough for both threads.
        var random = new SeededRandom(13);
        var input = new TensorShape(3, 8, 8);
        var layer = Build(input, 2);
        const int Batch = 100;
        float[] x = TestData.Uniform(random, Batch * input.Size, -1f, 1f), dy = TestData.Uniform(random, Batch * layer.OutputSize, -1f, 1f);
        (float[] Y, float[] Dx) Run(int threads)
        {
            var context = new LayerContext(Training: true, Threads: threads);
            float[] y = new float[dy.Length], dx = new float[x.Length];
            layer.Forward(x, y, Span<float>.Empty, Batch, context);
            layer.Backward(x, y, dy, dx, ReadOnlySpan<float>.Empty, Batch, context);
            return (y, dx);
        }
        var one = Run(1);
        var two = Run(2);
        Assert.Equal(one.Y, two.Y);
        Assert.Equal(one.Dx, two.Dx);
    }

    [Fact]
    public void NearestSpecJson_IsWrittenAsBeforeModes_AndOldJsonReadsAsNearest()
    {
        var spec = NetworkSpec.Create(new TensorShape(1, 4, 4), [new MaxPool2dSpec(2)], [new Upsample2dSpec(2)]);
        string json = spec.ToJson();
        Assert.Contains("\"kind\":\"upsample2d\",\"scale\":2,", json);
        Assert.DoesNotContain("\"mode\"", json);
        var read = NetworkSpec.FromJson(json);
        Assert.Equal(spec, read);
        Assert.Equal(UpsampleMode.Nearest, ((Upsample2dSpec)read.Decoder[0]).Mode);
        Assert.IsType<Upsample2d>(read.Decoder[0].Build(TestContexts.Build("up", new TensorShape(1, 2, 2), new TensorShape(1, 4, 4))));

        var bilinear = NetworkSpec.Create(new TensorShape(1, 4, 4), [new MaxPool2dSpec(2)], [new Upsample2dSpec(2, UpsampleMode.Bilinear)]);
        string bilinearJson = bilinear.ToJson();
        Assert.Contains("\"mode\":\"Bilinear\"", bilinearJson);
        Assert.Equal(bilinear, NetworkSpec.FromJson(bilinearJson));
        Assert.NotEqual(spec, bilinear);
    }
}
