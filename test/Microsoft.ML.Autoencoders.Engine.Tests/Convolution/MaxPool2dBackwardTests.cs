using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Specs;

namespace Microsoft.ML.Autoencoders.Engine.Tests.Convolution;

/// <summary>
/// MaxPool2d's backward held bit for bit to a reference written here from the definition: each window's winner is the
/// last NaN it reads, else the first of its largest values; its gradient is added to what dx held (0 when the layer may
/// write dx over). 2×2 stride-2 windows write dx row by row, eight windows at a time, with rows of 4 to 7 windows
/// spilling into the next row and ragged ends, ceil-mode edges and left-over rows and columns handled apart; so every
/// width from 2 to 33, heights around the vector paths' limits, ceil mode on and off, and dx written over or added to.
/// </summary>
public class MaxPool2dBackwardTests
{
    private static readonly LayerContext Adding = new(Training: true, Threads: 1);
    private static readonly LayerContext Overwriting = Adding with { OverwriteInputGradient = true };

    /// <summary>A NaN with a payload of its own, so a path that made a NaN of its own instead of passing this one on shows.</summary>
    private static readonly float MarkedNaN = BitConverter.Int32BitsToSingle(0x7FC0_1234);

    [Theory]
    [InlineData(2, 0)]
    [InlineData(3, 2)] // overlapping windows: the scatter path, held to the same reference
    public void Backward_MatchesTheDefinitionBitForBit_OnEveryWidth(int pool, int stride)
    {
        var random = new SeededRandom(23);
        int[] heights = [2, 3, 4, 5, 7, 8, 9, 14];
        foreach (bool ceil in new[] { false, true })
        foreach (int h in heights.Where(h => h >= pool))
        for (int w = pool; w <= 33; w++)
        {
            int channels = 1 + (w + h) % 3;
            foreach (bool overwrite in new[] { true, false })
                Check(random, new TensorShape(channels, h, w), new MaxPool2dSpec(pool, stride, ceil), batch: 3, overwrite);
        }
    }

    [Fact]
    public void Backward_OnTheKerasBlogNetworksPools_MatchesTheDefinition()
    {
        var random = new SeededRandom(29);
        foreach (bool overwrite in new[] { true, false })
        {
            Check(random, new TensorShape(16, 28, 28), new MaxPool2dSpec(2), batch: 4, overwrite);
            Check(random, new TensorShape(8, 14, 14), new MaxPool2dSpec(2), batch: 4, overwrite);
            Check(random, new TensorShape(8, 7, 7), new MaxPool2dSpec(2, CeilMode: true), batch: 4, overwrite);
        }
    }

    private static void Check(SeededRandom random, TensorShape input, MaxPool2dSpec spec, int batch, bool overwrite)
    {
        var geometry = spec.Geometry(input);
        var layer = new MaxPool2d(geometry, spec.CeilMode);
        // Small integers tie often; a NaN now and then must win its window, and a second NaN in a window wins over the first.
        float[] x = Enumerable.Range(0, batch * input.Size)
            .Select(_ => random.NextFloat() < 0.04f ? float.NaN : MathF.Floor(4f * random.NextFloat())).ToArray();
        // Gradients with -0 (the reference's 0 + -0 is +0) and a NaN payload that must arrive unchanged.
        float[] dy = Enumerable.Range(0, batch * layer.OutputSize)
            .Select(_ => random.NextFloat() switch { < 0.05f => -0f, < 0.08f => MarkedNaN, var u => u - 0.5f }).ToArray();
        // Written over: stale NaNs that must all go; added to: values (and -0s) that only the winners may change.
        float[] before = Enumerable.Range(0, x.Length)
            .Select(_ => overwrite ? float.NaN : random.NextFloat() < 0.1f ? -0f : random.NextFloat()).ToArray();

        float[] y = new float[dy.Length], scratch = new float[batch * layer.ScratchSizePerSample];
        layer.Forward(x, y, scratch, batch, Adding);
        float[] dx = (float[])before.Clone();
        layer.Backward(x, y, dy, dx, scratch, batch, overwrite ? Overwriting : Adding);

        float[] expected = overwrite ? new float[x.Length] : (float[])before.Clone();
        int stride = geometry.Stride, ho = geometry.OutputHeight, wo = geometry.OutputWidth, h = input[1], w = input[2];
        for (int n = 0, o = 0; n < batch; n++)
        for (int c = 0; c < input[0]; c++)
        for (int oy = 0; oy < ho; oy++)
        for (int ox = 0; ox < wo; ox++, o++)
        {
            int winner = -1, lastNaN = -1;
            for (int yy = oy * stride; yy < Math.Min(oy * stride + spec.PoolSize, h); yy++)
            for (int xx = ox * stride; xx < Math.Min(ox * stride + spec.PoolSize, w); xx++)
            {
                int at = n * input.Size + (c * h + yy) * w + xx;
                if (float.IsNaN(x[at])) lastNaN = at;
                else if (winner < 0 || x[at] > x[winner]) winner = at;
            }
            expected[lastNaN >= 0 ? lastNaN : winner] += dy[o];
        }

        for (int i = 0; i < dx.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(dx[i]) != BitConverter.SingleToInt32Bits(expected[i]))
                Assert.Fail($"{input} {spec}, overwrite {overwrite}: dx[{i}] (image {i / input.Size}, channel {i % input.Size / (h * w)}, "
                    + $"row {i % (h * w) / w}, column {i % w}) is {dx[i]} (0x{BitConverter.SingleToInt32Bits(dx[i]):X8}), expected {expected[i]} "
                    + $"(0x{BitConverter.SingleToInt32Bits(expected[i]):X8})");
        }
    }

    /// <summary>Images of 2^24 values or more are refused: their maxima's positions, kept as floats, would not be exact.</summary>
    [Fact]
    public void ImagesOfTwoToThe24ValuesOrMore_AreRefused()
    {
        var spec = new MaxPool2dSpec(2);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new MaxPool2d(spec.Geometry(new TensorShape(4, 2048, 2048)), ceilMode: false));

        Assert.Contains("exact only below 2^24", e.Message);
        _ = new MaxPool2d(spec.Geometry(new TensorShape(3, 2048, 2048)), ceilMode: false); // 3·2^22 fits
    }
}
