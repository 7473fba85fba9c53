using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Microsoft.ML.Autoencoders.Engine.Kernels;

/// <summary>
/// A PReLU's passes over a run of values, branch-free and vectorized: with one slope for the whole run (a channel's plane),
/// or a slope per value (features, read from a span as long as the run). Each output value is the scalar formula's,
/// bit for bit: a select between v and a·v, never max(x, 0) + a·min(x, 0), which would turn −0 into +0.
/// </summary>
/// <remarks>
/// "x &gt; 0" is the ordered comparison, false for NaN, so a NaN input takes the slope side everywhere: a·v in forward and
/// dx, its product in the slope's sum.
/// </remarks>
internal static unsafe class PReluRuns
{
    /// <summary><paramref name="target"/>[i] = (or +=) x[i] &gt; 0 ? v[i] : <paramref name="slope"/>·v[i], for i &lt; n.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Apply(float* x, float* v, float* target, int n, float slope, bool overwrite)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var a = Vector512.Create(slope);
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                var value = Vector512.Load(v + i);
                var result = Vector512.ConditionalSelect(Vector512.GreaterThan(Vector512.Load(x + i), Vector512<float>.Zero), value, a * value);
                (overwrite ? result : Vector512.Load(target + i) + result).Store(target + i);
            }
        }
        if (Vector.IsHardwareAccelerated)
        {
            var a = new Vector<float>(slope);
            for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
            {
                var value = Vector.Load(v + i);
                var result = Vector.ConditionalSelect(Vector.GreaterThan(Vector.Load(x + i), Vector<float>.Zero), value, a * value);
                (overwrite ? result : Vector.Load(target + i) + result).Store(target + i);
            }
        }
        for (; i < n; i++)
        {
            float result = x[i] > 0 ? v[i] : slope * v[i];
            target[i] = overwrite ? result : target[i] + result;
        }
    }

    /// <summary><paramref name="target"/>[i] = (or +=) x[i] &gt; 0 ? v[i] : <paramref name="slopes"/>[i]·v[i], for i &lt; n.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Apply(float* x, float* v, float* target, int n, float* slopes, bool overwrite)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                var value = Vector512.Load(v + i);
                var positive = Vector512.GreaterThan(Vector512.Load(x + i), Vector512<float>.Zero);
                var result = Vector512.ConditionalSelect(positive, value, Vector512.Load(slopes + i) * value);
                (overwrite ? result : Vector512.Load(target + i) + result).Store(target + i);
            }
        }
        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
            {
                var value = Vector.Load(v + i);
                var positive = Vector.GreaterThan(Vector.Load(x + i), Vector<float>.Zero);
                var result = Vector.ConditionalSelect(positive, value, Vector.Load(slopes + i) * value);
                (overwrite ? result : Vector.Load(target + i) + result).Store(target + i);
            }
        }
        for (; i < n; i++)
        {
            float result = x[i] > 0 ? v[i] : slopes[i] * v[i];
            target[i] = overwrite ? result : target[i] + result;
        }
    }

    /// <summary>
    /// Σ (double)v[i]·g[i] over i &lt; n with x[i] not above 0 (NaN included). Each product is exact in double; the lanes'
    /// sums are added in a fixed order, so the result depends on n and the machine's vector width only.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double NegativeSideSum(float* x, float* v, float* g, int n)
    {
        int i = 0;
        double sum = 0;
        if (Vector512.IsHardwareAccelerated && n >= Vector512<float>.Count)
        {
            Vector512<double> low = Vector512<double>.Zero, high = Vector512<double>.Zero;
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                // Both factors zeroed where x > 0, so an infinite or NaN factor there adds 0·0, as the scalar skips it.
                var positive = Vector512.GreaterThan(Vector512.Load(x + i), Vector512<float>.Zero);
                var (v0, v1) = Vector512.Widen(Vector512.ConditionalSelect(positive, Vector512<float>.Zero, Vector512.Load(v + i)));
                var (g0, g1) = Vector512.Widen(Vector512.ConditionalSelect(positive, Vector512<float>.Zero, Vector512.Load(g + i)));
                low += v0 * g0;
                high += v1 * g1;
            }
            sum += Vector512.Sum(low + high);
        }
        if (Vector.IsHardwareAccelerated && n - i >= Vector<float>.Count)
        {
            Vector<double> low = Vector<double>.Zero, high = Vector<double>.Zero;
            for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
            {
                var positive = Vector.GreaterThan(Vector.Load(x + i), Vector<float>.Zero);
                Vector.Widen(Vector.ConditionalSelect(positive, Vector<float>.Zero, Vector.Load(v + i)), out var v0, out var v1);
                Vector.Widen(Vector.ConditionalSelect(positive, Vector<float>.Zero, Vector.Load(g + i)), out var g0, out var g1);
                low += v0 * g0;
                high += v1 * g1;
            }
            sum += Vector.Sum(low + high);
        }
        for (; i < n; i++)
            if (!(x[i] > 0)) sum += (double)v[i] * g[i];
        return sum;
    }

    /// <summary>
    /// <paramref name="sums"/>[i] += (double)v[i]·g[i] for i &lt; n with x[i] not above 0 (NaN included): each sum on its
    /// own, the scalar loop's bits (the lanes adding +0 where x &gt; 0 leave a sum as it was).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AddNegativeSideProducts(float* x, float* v, float* g, double* sums, int n)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                var positive = Vector512.GreaterThan(Vector512.Load(x + i), Vector512<float>.Zero);
                var (v0, v1) = Vector512.Widen(Vector512.ConditionalSelect(positive, Vector512<float>.Zero, Vector512.Load(v + i)));
                var (g0, g1) = Vector512.Widen(Vector512.ConditionalSelect(positive, Vector512<float>.Zero, Vector512.Load(g + i)));
                (Vector512.Load(sums + i) + v0 * g0).Store(sums + i);
                (Vector512.Load(sums + i + Vector512<double>.Count) + v1 * g1).Store(sums + i + Vector512<double>.Count);
            }
        }
        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= n - Vector<float>.Count; i += Vector<float>.Count)
            {
                var positive = Vector.GreaterThan(Vector.Load(x + i), Vector<float>.Zero);
                Vector.Widen(Vector.ConditionalSelect(positive, Vector<float>.Zero, Vector.Load(v + i)), out var v0, out var v1);
                Vector.Widen(Vector.ConditionalSelect(positive, Vector<float>.Zero, Vector.Load(g + i)), out var g0, out var g1);
                (Vector.Load(sums + i) + v0 * g0).Store(sums + i);
                (Vector.Load(sums + i + Vector<double>.Count) + v1 * g1).Store(sums + i + Vector<double>.Count);
            }
        }
        for (; i < n; i++)
            if (!(x[i] > 0)) sums[i] += (double)v[i] * g[i];
    }
}
