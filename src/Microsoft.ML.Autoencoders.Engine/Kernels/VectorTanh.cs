using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Microsoft.ML.Autoencoders.Engine.Kernels;

/// <summary>
/// tanh for every lane of a <see cref="Vector{T}"/> of floats. Written for the LSTM and GRU cells, which take it per hidden
/// value per step and cannot afford a call per row (<see cref="System.Numerics.Tensors.TensorPrimitives.Tanh(ReadOnlySpan{float}, Span{float})"/>
/// on the 64 values of one row cost about as much as that row's share of the recurrent GEMM); the tanh layer and the
/// fused Dense → tanh epilogue use it too (<see cref="ElementwiseActivation"/>), so the tanh of every activation layer and cell has one code's bits (the sequence-to-sequence decoders' starting
/// state, one row at a time, keeps TensorPrimitives').
/// </summary>
/// <remarks>
/// Away from zero, tanh|x| = (1 − q) / (1 + q) with q = e^{−2|x|} (<see cref="VectorExp"/>), the sign put back; from
/// |x| = 0.3 on q &lt; 0.55, so the subtraction loses at most one bit. Nearer zero, where it would lose more, the odd Taylor
/// polynomial of degree 13 takes over: its first dropped term is below 1e-10 of the value there. Measured against
/// double-precision tanh over [−20, 20] the result is within 2.2 ulps (2.1 measured; VectorTanhTests holds it to 3); ±∞ give ±1, NaN gives NaN, and −0
/// stays −0.
/// </remarks>
internal static class VectorTanh
{
    /// <summary>Below this |x| the polynomial is used.</summary>
    private const float PolynomialBound = 0.3f;

    // tanh x = x − x³/3 + 2x⁵/15 − 17x⁷/315 + 62x⁹/2835 − 1382x¹¹/155925 + 21844x¹³/6081075 − …
    private const float C3 = -1f / 3, C5 = 2f / 15, C7 = -17f / 315, C9 = 62f / 2835, C11 = -1382f / 155925, C13 = 21844f / 6081075;

    /// <summary>tanh of every lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Tanh(Vector<float> x)
    {
        Vector<float> magnitude = Vector.Abs(x);
        // e^{−2|x|} is +0 for |x| above ~44 (and for +∞), making the quotient exactly 1.
        Vector<float> q = VectorExp.Exp(magnitude * new Vector<float>(-2f));
        Vector<float> far = (Vector<float>.One - q) / (Vector<float>.One + q);

        Vector<float> x2 = x * x;
        Vector<float> p = Vector.FusedMultiplyAdd(new Vector<float>(C13), x2, new Vector<float>(C11));
        p = Vector.FusedMultiplyAdd(p, x2, new Vector<float>(C9));
        p = Vector.FusedMultiplyAdd(p, x2, new Vector<float>(C7));
        p = Vector.FusedMultiplyAdd(p, x2, new Vector<float>(C5));
        p = Vector.FusedMultiplyAdd(p, x2, new Vector<float>(C3));
        Vector<float> near = Vector.FusedMultiplyAdd(p * x2, x, x); // x + x·x²·p: tiny x come out exact

        // The far branch is |tanh|, the near one has the sign already but turns −0 into +0: x's sign bit, or-ed in, fixes both.
        // NaN fails the compare and takes the far branch, which is NaN.
        Vector<float> selected = Vector.ConditionalSelect(Vector.LessThan(magnitude, new Vector<float>(PolynomialBound)), near, far);
        return Vector.AsVectorSingle(Vector.AsVectorInt32(selected) | (Vector.AsVectorInt32(x) & new Vector<int>(int.MinValue)));
    }

    /// <summary>
    /// <see cref="Tanh(Vector{float})"/> sixteen lanes at a time, for loops on 512-bit registers where <see cref="Vector{T}"/>
    /// is narrower. The same lane-wise IEEE operations in the same order (and <see cref="VectorExp.Exp(Vector512{float})"/>,
    /// whose lanes are the other overload's), so each lane's bits are the other overload's: a caller may mix the two widths
    /// over one array.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Tanh(Vector512<float> x)
    {
        Vector512<float> magnitude = Vector512.Abs(x);
        Vector512<float> q = VectorExp.Exp(magnitude * Vector512.Create(-2f));
        Vector512<float> far = (Vector512<float>.One - q) / (Vector512<float>.One + q);

        Vector512<float> x2 = x * x;
        Vector512<float> p = Vector512.FusedMultiplyAdd(Vector512.Create(C13), x2, Vector512.Create(C11));
        p = Vector512.FusedMultiplyAdd(p, x2, Vector512.Create(C9));
        p = Vector512.FusedMultiplyAdd(p, x2, Vector512.Create(C7));
        p = Vector512.FusedMultiplyAdd(p, x2, Vector512.Create(C5));
        p = Vector512.FusedMultiplyAdd(p, x2, Vector512.Create(C3));
        Vector512<float> near = Vector512.FusedMultiplyAdd(p * x2, x, x);

        Vector512<float> selected = Vector512.ConditionalSelect(Vector512.LessThan(magnitude, Vector512.Create(PolynomialBound)), near, far);
        return (selected.AsInt32() | (x.AsInt32() & Vector512.Create(int.MinValue))).AsSingle();
    }
}
