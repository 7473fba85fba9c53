using System.Numerics;
using Microsoft.ML.Autoencoders.Engine.Kernels;
using Microsoft.ML.Autoencoders.Engine.Layers;
using Xunit.Abstractions;

namespace Microsoft.ML.Autoencoders.Engine.Tests;

/// <summary>
/// Holds <see cref="VectorExp"/> to double-precision <see cref="Math.Exp"/> over the whole normal range, pins its edge
/// cases (0, overflow, underflow, NaN), and checks the sigmoid built on it in <see cref="ElementwiseActivation"/>.
/// </summary>
public class VectorExpTests(ITestOutputHelper output)
{
    // About 2.5 ulp at the top of a binade (one ulp is 2^-23 ≈ 1.19e-7 relative there, 2^-24 at the bottom).
    private const double RelativeTolerance = 3e-7;

    [Fact]
    public void MatchesMathExpOverTheNormalRange()
    {
        // A dense sweep (step 2^-12, every lane position hit by every residue) plus random points, which land between
        // the sweep's grid and on small magnitudes, where r = x and reduction does nothing.
        var inputs = new List<float>();
        for (double v = -87; v <= 88; v += 1.0 / 4096) inputs.Add((float)v);
        var random = new Random(20240611);
        for (int i = 0; i < 1_000_000; i++) inputs.Add((float)(random.NextDouble() * 175 - 87));
        for (int i = 0; i < 100_000; i++) inputs.Add((float)((random.NextDouble() * 2 - 1) * Math.Pow(2, -random.Next(1, 30))));

        float[] x = inputs.ToArray();
        float[] y = Exp(x);
        double worst = 0, worstUlps = 0;
        float worstAt = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double exact = Math.Exp(x[i]);
            double error = Math.Abs(y[i] - exact);
            if (error / exact > worst) (worst, worstAt) = (error / exact, x[i]);
            float rounded = (float)exact;
            worstUlps = Math.Max(worstUlps, error / (MathF.BitIncrement(rounded) - rounded));
        }
        output.WriteLine($"max relative error {worst:E3} at x = {worstAt:R}, max {worstUlps:F3} ulp, over {x.Length} points");
        Assert.True(worst <= RelativeTolerance, $"relative error {worst:E3} at x = {worstAt:R}");
        // The design's own bound, tighter than the relative one where a float's ulp is small: the minimax polynomial
        // keeps the error near one ulp, where a Taylor polynomial of the same degree would reach almost three.
        Assert.True(worstUlps <= 1.5, $"error of {worstUlps:F3} ulp");
    }

    [Fact]
    public void ZeroGivesExactlyOne()
    {
        Assert.Equal(1f, Exp([0f])[0]);
        Assert.Equal(1f, Exp([-0f])[0]);
    }

    [Fact]
    public void VeryNegativeInputsGivePositiveZero()
    {
        float[] x = [-87.5f, -88f, -100f, -1e10f, float.MinValue, float.NegativeInfinity, BelowUnderflowBound];
        float[] y = Exp(x);
        for (int i = 0; i < x.Length; i++)
        {
            // Bit-exact +0: no NaN, no negative zero, no subnormal.
            Assert.True(BitConverter.SingleToInt32Bits(y[i]) == 0, $"exp({x[i]:R}) = {y[i]:R}, expected +0");
        }
    }

    [Fact]
    public void TheSmallestUnflushedInputGivesANormalFloat()
    {
        float y = Exp([VectorExp.UnderflowBound])[0];
        Assert.True(float.IsNormal(y), $"exp({VectorExp.UnderflowBound:R}) = {y:R} is not normal");
        Assert.True(Math.Abs(y - Math.Exp(VectorExp.UnderflowBound)) / Math.Exp(VectorExp.UnderflowBound) <= RelativeTolerance);
    }

    [Fact]
    public void VeryPositiveInputsGivePositiveInfinity()
    {
        float[] x = [AboveOverflowBound, 88.8f, 89f, 100f, 1e10f, float.MaxValue, float.PositiveInfinity];
        float[] y = Exp(x);
        for (int i = 0; i < x.Length; i++) Assert.True(float.IsPositiveInfinity(y[i]), $"exp({x[i]:R}) = {y[i]:R}, expected +∞");
    }

    [Fact]
    public void TheLargestFiniteInputGivesAFiniteFloat()
    {
        // n = 128 here, one past what a 2^n float could hold: the exponent addition must still give a finite value.
        float y = Exp([VectorExp.OverflowBound])[0];
        Assert.True(float.IsFinite(y), $"exp({VectorExp.OverflowBound:R}) = {y:R} is not finite");
        Assert.True(Math.Abs(y - Math.Exp(VectorExp.OverflowBound)) / Math.Exp(VectorExp.OverflowBound) <= RelativeTolerance);
    }

    [Fact]
    public void NaNGivesNaNWhateverItsPayload()
    {
        // Payloads whose low bits are set would, if NaN went through the exponent addition, turn into a number.
        float[] x = [float.NaN, -float.NaN, Bits(0x7FC00001), Bits(0xFFC001FF), Bits(0x7F8000FF), Bits(0x7FFFFFFF)];
        float[] y = Exp(x);
        for (int i = 0; i < x.Length; i++)
        {
            Assert.True(float.IsNaN(y[i]), $"exp(NaN 0x{BitConverter.SingleToUInt32Bits(x[i]):X8}) = {y[i]:R}");
        }
    }

    [Fact]
    public void EachLaneDependsOnlyOnItsOwnInput()
    {
        // Special values next to ordinary ones: a lane's result must not change with its neighbours or its position.
        float[] specials = [float.NaN, float.PositiveInfinity, float.NegativeInfinity, 0f, -1000f, 1000f, 1.5f, -20.25f, 60f];
        float[] alone = specials.Select(v => Exp([v])[0]).ToArray();
        for (int shift = 0; shift < specials.Length; shift++)
        {
            float[] rotated = specials.Skip(shift).Concat(specials.Take(shift)).ToArray();
            float[] y = Exp(rotated);
            for (int i = 0; i < rotated.Length; i++)
            {
                int original = (i + shift) % specials.Length;
                Assert.Equal(BitConverter.SingleToInt32Bits(alone[original]), BitConverter.SingleToInt32Bits(y[i]));
            }
        }
    }

    [Fact]
    public void SigmoidMatchesItsFormulaInDouble()
    {
        var inputs = new List<float>();
        for (double v = -30; v <= 30; v += 1.0 / 8192) inputs.Add((float)v);
        var random = new Random(7);
        for (int i = 0; i < 200_000; i++) inputs.Add((float)(random.NextDouble() * 60 - 30));
        float[] x = inputs.ToArray();
        var y = new float[x.Length];
        ElementwiseActivation.Apply(Activation.Sigmoid, 0f, x, y);

        double worst = 0;
        float worstAt = 0;
        for (int i = 0; i < x.Length; i++)
        {
            // Relative, not absolute: at z = -30 the sigmoid is 9e-14 and only a relative bound sees its digits.
            double exact = 1 / (1 + Math.Exp(-(double)x[i]));
            double error = Math.Abs(y[i] - exact) / exact;
            if (error > worst) (worst, worstAt) = (error, x[i]);
        }
        output.WriteLine($"sigmoid: max relative error {worst:E3} at z = {worstAt:R} over {x.Length} points");
        Assert.True(worst <= RelativeTolerance, $"sigmoid relative error {worst:E3} at z = {worstAt:R}");
    }

    [Fact]
    public void SigmoidSaturatesCleanly()
    {
        float[] z = [-200f, float.NegativeInfinity, 200f, float.PositiveInfinity, float.NaN];
        var y = new float[z.Length];
        ElementwiseActivation.Apply(Activation.Sigmoid, 0f, z, y);
        Assert.Equal(0, BitConverter.SingleToInt32Bits(y[0]));
        Assert.Equal(0, BitConverter.SingleToInt32Bits(y[1]));
        Assert.Equal(1f, y[2]);
        Assert.Equal(1f, y[3]);
        Assert.True(float.IsNaN(y[4]));
    }

    private static float BelowUnderflowBound => MathF.BitDecrement(VectorExp.UnderflowBound);

    private static float AboveOverflowBound => MathF.BitIncrement(VectorExp.OverflowBound);

    private static float Bits(uint bits) => BitConverter.UInt32BitsToSingle(bits);

    /// <summary>The 512-bit overload against the Vector&lt;T&gt; one lane by lane, where the two differ (Vector&lt;T&gt; narrower).</summary>
    [Fact]
    public void The512BitOverloadGivesEveryLaneTheSameBits()
    {
        // Where Vector<T> is 16 lanes wide it is the same overload, and the comparison would hold by construction.
        if (!System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated || Vector<float>.Count >= 16) return;
        // The sigmoid epilogue runs the 512-bit overload over most of a row and the Vector<T> one over its tail: a value
        // must not depend on which one it met.
        var inputs = new List<float> { 0f, -0f, float.NaN, float.PositiveInfinity, float.NegativeInfinity, float.MaxValue, float.MinValue,
            VectorExp.OverflowBound, MathF.BitIncrement(VectorExp.OverflowBound), VectorExp.UnderflowBound, MathF.BitDecrement(VectorExp.UnderflowBound) };
        for (double v = -100; v <= 100; v += 1.0 / 1024) inputs.Add((float)v);
        var random = new Random(7);
        for (int i = 0; i < 100_000; i++) inputs.Add((float)(random.NextDouble() * 200 - 100));
        while (inputs.Count % 16 != 0) inputs.Add(1f);
        float[] x = inputs.ToArray();
        float[] narrow = Exp(x);
        var wide = new float[x.Length];
        for (int i = 0; i < x.Length; i += 16)
            System.Runtime.Intrinsics.Vector512.CopyTo(VectorExp.Exp(System.Runtime.Intrinsics.Vector512.Create<float>(x.AsSpan(i, 16))), wide.AsSpan(i, 16));
        for (int i = 0; i < x.Length; i++)
            Assert.True(BitConverter.SingleToInt32Bits(narrow[i]) == BitConverter.SingleToInt32Bits(wide[i]), $"x = {x[i]:R}: {narrow[i]:R} against {wide[i]:R}");

        // And the sigmoid as the epilogue computes it, over a length that leaves a ragged tail, against Vector<T> lane by lane.
        float[] z = x.AsSpan(0, 16 * 1000 + 13).ToArray();
        var sigmoid = new float[z.Length];
        ElementwiseActivation.Apply(Activation.Sigmoid, 0f, z, sigmoid);
        float[] expected = Exp(z.Select(v => -v).ToArray()).Select(e => 1f / (1f + e)).ToArray();
        for (int i = 0; i < z.Length; i++)
            Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(sigmoid[i]), $"z = {z[i]:R}: {expected[i]:R} against {sigmoid[i]:R}");
    }

    /// <summary>VectorExp.Exp over an array, the ragged end through a zero-padded vector.</summary>
    private static float[] Exp(float[] x)
    {
        int width = Vector<float>.Count;
        var y = new float[x.Length];
        var lanes = new float[width];
        for (int i = 0; i < x.Length; i += width)
        {
            int count = Math.Min(width, x.Length - i);
            Array.Clear(lanes);
            x.AsSpan(i, count).CopyTo(lanes);
            VectorExp.Exp(new Vector<float>(lanes)).CopyTo(lanes);
            lanes.AsSpan(0, count).CopyTo(y.AsSpan(i, count));
        }
        return y;
    }
}
