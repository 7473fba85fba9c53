using System.Numerics;
using System.Runtime.Intrinsics;
using Microsoft.ML.Autoencoders.Engine.Kernels;
using Xunit.Abstractions;

namespace Microsoft.ML.Autoencoders.Engine.Tests.Kernels;

/// <summary>
/// Holds <see cref="VectorTanh"/> to double-precision <see cref="Math.Tanh"/> over [−20, 20] (both branches and the seam
/// between them at |x| = 0.3, and tiny values) and pins its edge cases.
/// </summary>
public class VectorTanhTests(ITestOutputHelper output)
{
    [Fact]
    public void MatchesMathTanhWithinThreeUlps()
    {
        var inputs = new List<float>();
        for (double v = -20; v <= 20; v += 1.0 / 4096) inputs.Add((float)v);
        var random = new Random(16);
        for (int i = 0; i < 500_000; i++) inputs.Add((float)(random.NextDouble() * 2 - 1));
        for (int i = 0; i < 100_000; i++) inputs.Add((float)((random.NextDouble() * 2 - 1) * Math.Pow(2, -random.Next(1, 60))));
        for (float v = 0.29f; v < 0.31f; v = MathF.BitIncrement(v)) { inputs.Add(v); inputs.Add(-v); } // the seam, value by value

        float[] x = inputs.ToArray(), y = Tanh(x);
        double worstUlps = 0;
        float worstAt = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double exact = Math.Tanh(x[i]);
            float rounded = (float)exact;
            double ulp = Math.Abs(MathF.BitIncrement(Math.Abs(rounded)) - Math.Abs(rounded));
            double ulps = Math.Abs(y[i] - exact) / ulp;
            if (ulps > worstUlps) (worstUlps, worstAt) = (ulps, x[i]);
        }
        output.WriteLine($"max {worstUlps:F3} ulp at x = {worstAt:R}, over {x.Length} points");
        Assert.True(worstUlps <= 3, $"{worstUlps} ulp at {worstAt:R}");
    }

    [Fact]
    public void EdgeCases()
    {
        float[] x = [0f, -0f, float.PositiveInfinity, float.NegativeInfinity, float.NaN, 100f, -100f, 1e-30f, -1e-30f, float.Epsilon];
        float[] y = Tanh(x);
        Assert.Equal(0f, y[0]);
        Assert.True(float.IsNegative(y[1]) && y[1] == 0, "tanh(−0) is −0");
        Assert.Equal(1f, y[2]);
        Assert.Equal(-1f, y[3]);
        Assert.True(float.IsNaN(y[4]));
        Assert.Equal(1f, y[5]);
        Assert.Equal(-1f, y[6]);
        Assert.Equal(1e-30f, y[7]);
        Assert.Equal(-1e-30f, y[8]);
        Assert.Equal(float.Epsilon, y[9]);
    }

    [Fact]
    public void TheSixteenLaneOverloadGivesEachLaneTheSameBits()
    {
        // ElementwiseActivation runs 512-bit blocks and a Vector<float> remainder over one array: the two must agree. Run
        // everywhere: without 512-bit hardware Vector512 is computed lane by lane with the same IEEE operations.
        var random = new Random(29);
        var x = new float[16 * 20_000];
        for (int i = 0; i < x.Length; i++) x[i] = (float)((random.NextDouble() * 2 - 1) * Math.Pow(2, random.Next(-30, 6)));
        float[] edges = [0f, -0f, float.PositiveInfinity, float.NegativeInfinity, float.NaN, 0.3f, -0.3f, MathF.BitDecrement(0.3f), 44f, float.Epsilon];
        edges.CopyTo(x, 0);
        float[] narrow = Tanh(x);
        var wide = new float[x.Length];
        for (int i = 0; i < x.Length; i += 16) VectorTanh.Tanh(Vector512.Create(x.AsSpan(i, 16))).CopyTo(wide.AsSpan(i, 16));
        Assert.Equal(narrow.Select(BitConverter.SingleToInt32Bits), wide.Select(BitConverter.SingleToInt32Bits));
    }

    private static float[] Tanh(float[] x)
    {
        int width = Vector<float>.Count;
        var padded = new float[(x.Length + width - 1) / width * width];
        x.CopyTo(padded, 0);
        var y = new float[padded.Length];
        for (int i = 0; i < padded.Length; i += width) VectorTanh.Tanh(new Vector<float>(padded, i)).CopyTo(y, i);
        return y[..x.Length];
    }
}
