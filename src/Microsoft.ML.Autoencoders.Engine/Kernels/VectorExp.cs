using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Microsoft.ML.Autoencoders.Engine.Kernels;

/// <summary>
/// e^x for every lane of a <see cref="Vector{T}"/> of floats, all in single precision with fused multiply-adds,
/// for the hot activations (sigmoid in the GEMM epilogue). <see cref="Vector.Exp(Vector{float})"/> is accurate
/// but widens to double on the way, which costs several times more.
/// </summary>
/// <remarks>
/// <para>
/// Method: write x = n·ln2 + r with n = round(x·log2 e) and |r| ≤ ln2/2 (Cody–Waite reduction, ln2 split in two
/// floats so that n·ln2 is carried to about 48 bits), approximate e^r by a degree-6 polynomial, then multiply
/// by 2^n by adding n to the exponent field. The error is about one ulp at most (0.99 ulp, 8.2e-8 relative, measured
/// against double-precision exp over the normal range): the final roundings, not the polynomial, account for it.
/// </para>
/// <para>
/// Edge cases: results that would overflow are +∞; results that would be subnormal (x below ln of the
/// smallest normal float) are flushed to +0, so no subnormal ever reaches the next operation; NaN gives NaN.
/// Every lane runs the same instructions and <see cref="Vector.FusedMultiplyAdd(Vector{float}, Vector{float}, Vector{float})"/>
/// is always fused (in software where the CPU has no FMA), so a lane's value depends only on its input.
/// </para>
/// </remarks>
internal static class VectorExp
{
    // log2(e) rounded to float (0x3FB8AA3B): only picks n, so its rounding never shows in the result.
    private const float Log2E = 1.44269502f;

    // 1.5·2^23: adding it to a float in (-2^22, 2^22) rounds that float to an integer (to nearest, ties to even)
    // and leaves the integer in the low mantissa bits, which saves a float→int conversion (saturating, and so
    // several instructions, in .NET 9+).
    private const float RoundingShifter = 12582912f;

    // ln2 = Ln2High + Ln2Low: Ln2High is ln2 rounded to float (0x3F317218), Ln2Low is the rest rounded to float
    // (0xB102E308); the pair leaves 9e-17 out. With an FMA, x - n·Ln2High is exact for |n| ≤ 128: when n ≠ 0, |x| > 0.34,
    // so x and n·Ln2High are multiples of 2^-25 and so is their difference, which is below 0.5 in size and so fits in
    // 24 bits. r then carries only the rounding of the second, small step.
    private const float Ln2High = 0.693147182f;
    private const float Ln2Low = -1.90465421e-9f;

    // e^r ≈ 1 + r + C2·r² + … + C6·r⁶ on [-ln2/2, ln2/2]: C0 = C1 = 1 are held exact (so e^0 is exactly 1) and C2…C6
    // are the minimax fit to the relative error (Remez exchange in 50-digit arithmetic, then rounded to float),
    // 3.1e-9 at most, far below a float's half ulp (6e-8): the result's error is the rounding of the last steps.
    private const float C2 = 0.49999994f;    // 0x3EFFFFFE
    private const float C3 = 0.166665211f;   // 0x3E2AAA49
    private const float C4 = 0.041668389f;   // 0x3D2AAC79
    private const float C5 = 0.00836871f;    // 0x3C091CEA
    private const float C6 = 0.00138146128f; // 0x3AB51226

    /// <summary>
    /// The largest float whose e^x rounds to a finite float (0x42B17217, just below ln of float.MaxValue, 88.7228391):
    /// above it the result is +∞. Up to it n ≤ 128 and e^r &lt; 1, so adding n to e^r's exponent (-1) stays finite.
    /// </summary>
    internal const float OverflowBound = 88.7228317f;

    /// <summary>
    /// The smallest float whose e^x is a normal float (0xC2AEAC4F, just above ln of 2^-126, -87.3365448): below it the
    /// result is flushed to +0. From it up n ≥ -126 and r &gt; 0, so e^r ≥ 1 and the scaled exponent is at least 1.
    /// </summary>
    internal const float UnderflowBound = -87.3365402f;

    /// <summary>e^x for every lane of <paramref name="x"/>, within about one ulp; +∞ above <see cref="OverflowBound"/>,
    /// +0 below <see cref="UnderflowBound"/>, NaN for NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Exp(Vector<float> x)
    {
        // n = round(x·log2 e), still as the shifted float: its low bits are n in two's complement.
        Vector<float> shifted = Vector.FusedMultiplyAdd(x, new Vector<float>(Log2E), new Vector<float>(RoundingShifter));
        Vector<float> n = shifted - new Vector<float>(RoundingShifter);

        // r = x - n·ln2, in two steps (see Ln2High): the first is exact, the second adds the small correction.
        Vector<float> r = Vector.FusedMultiplyAdd(n, new Vector<float>(-Ln2High), x);
        r = Vector.FusedMultiplyAdd(n, new Vector<float>(-Ln2Low), r);

        // e^r = 1 + (r + r²·q(r)): the bracket is small (|·| < 0.42), so its rounding is a quarter ulp of the sum at
        // most and the final add to 1 gives the one half-ulp rounding that dominates.
        Vector<float> q = Vector.FusedMultiplyAdd(new Vector<float>(C6), r, new Vector<float>(C5));
        q = Vector.FusedMultiplyAdd(q, r, new Vector<float>(C4));
        q = Vector.FusedMultiplyAdd(q, r, new Vector<float>(C3));
        q = Vector.FusedMultiplyAdd(q, r, new Vector<float>(C2));
        Vector<float> expR = Vector<float>.One + Vector.FusedMultiplyAdd(q, r * r, r);

        // e^x = e^r·2^n: add n to the exponent field. The shifted float's bits are 0x4B400000 + n; shifting them left
        // by 23 drops the constant part (its low 9 bits are zero) and leaves n·2^23 modulo 2^32, negative n included.
        // This is exact and needs no 2^n float, which could not hold both n = -126 and n = 128 (both occur in range).
        Vector<int> exponentStep = Vector.ShiftLeft(Vector.AsVectorInt32(shifted), 23);
        Vector<float> result = Vector.AsVectorSingle(Vector.AsVectorInt32(expR) + exponentStep);

        // Out-of-range lanes computed garbage above (the exponent add wraps); replace them. Selecting on the output
        // rather than clamping the input keeps NaN: it fails both compares and takes x + ∞, which is NaN for NaN and
        // +∞ for everything above OverflowBound (+∞ included). -∞ and everything below UnderflowBound become +0.
        result = Vector.ConditionalSelect(Vector.LessThan(x, new Vector<float>(UnderflowBound)), Vector<float>.Zero, result);
        return Vector.ConditionalSelect(
            Vector.LessThanOrEqual(x, new Vector<float>(OverflowBound)), result, x + new Vector<float>(float.PositiveInfinity));
    }

    /// <summary>
    /// <see cref="Exp(Vector{float})"/> sixteen lanes at a time, for loops that run on 512-bit registers where
    /// <see cref="Vector{T}"/> is narrower. Every step is the same lane-wise IEEE operation in the same order, so each lane's
    /// bits are those of the other overload: a caller may mix the two widths over one array.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Exp(Vector512<float> x)
    {
        Vector512<float> shifted = Vector512.FusedMultiplyAdd(x, Vector512.Create(Log2E), Vector512.Create(RoundingShifter));
        Vector512<float> n = shifted - Vector512.Create(RoundingShifter);
        Vector512<float> r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2High), x);
        r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2Low), r);
        Vector512<float> q = Vector512.FusedMultiplyAdd(Vector512.Create(C6), r, Vector512.Create(C5));
        q = Vector512.FusedMultiplyAdd(q, r, Vector512.Create(C4));
        q = Vector512.FusedMultiplyAdd(q, r, Vector512.Create(C3));
        q = Vector512.FusedMultiplyAdd(q, r, Vector512.Create(C2));
        Vector512<float> expR = Vector512<float>.One + Vector512.FusedMultiplyAdd(q, r * r, r);
        Vector512<int> exponentStep = Vector512.ShiftLeft(shifted.AsInt32(), 23);
        Vector512<float> result = (expR.AsInt32() + exponentStep).AsSingle();
        result = Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512.Create(UnderflowBound)), Vector512<float>.Zero, result);
        return Vector512.ConditionalSelect(
            Vector512.LessThanOrEqual(x, Vector512.Create(OverflowBound)), result, x + Vector512.Create(float.PositiveInfinity));
    }
}
