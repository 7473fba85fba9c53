using System.Numerics;
using System.Runtime.CompilerServices;

namespace Microsoft.ML.Autoencoders.Engine.Kernels;

/// <summary>
/// The 4 × (2·Vector&lt;float&gt;.Count) micro-kernel on <see cref="Vector{T}"/>, for processors with neither
/// AVX2 nor AVX-512 (Arm64 NEON, older x64) and for runtimes where vectors fall back to software.
/// 8 accumulators fit the 16 registers of SSE and leave plenty on NEON's 32.
/// </summary>
internal static unsafe class GemmMicroKernelPortable
{
    /// <summary>Tile height (mr).</summary>
    public const int Rows = 4;

    /// <summary>Tile width (nr): two Vector&lt;float&gt;.</summary>
    public static int Columns => 2 * Vector<float>.Count;

    /// <summary>Computes C[0..4, 0..Columns] = alpha·(packedA·packedB) + beta·C over <paramref name="depth"/> steps.</summary>
    /// <param name="packedA">depth × 4, lane-contiguous.</param>
    /// <param name="packedB">depth × Columns, lane-contiguous.</param>
    /// <param name="depth">Steps of the dot products (k of this block).</param>
    /// <param name="c">The tile's top-left element of C.</param>
    /// <param name="ldc">Distance between consecutive rows of C.</param>
    /// <param name="alpha">Scale of the product.</param>
    /// <param name="beta">Scale of C's old contents; 0 ignores them (even NaN).</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Compute(int depth, float* packedA, float* packedB, float* c, nint ldc, float alpha, float beta)
    {
        int width = Vector<float>.Count;
        Vector<float> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector<float> c20 = default, c21 = default, c30 = default, c31 = default;
        for (int p = 0; p < depth; p++)
        {
            Vector<float> b0 = Vector.Load(packedB);
            Vector<float> b1 = Vector.Load(packedB + width);
            Vector<float> a = new(packedA[0]);
            c00 = Vector.FusedMultiplyAdd(a, b0, c00);
            c01 = Vector.FusedMultiplyAdd(a, b1, c01);
            a = new(packedA[1]);
            c10 = Vector.FusedMultiplyAdd(a, b0, c10);
            c11 = Vector.FusedMultiplyAdd(a, b1, c11);
            a = new(packedA[2]);
            c20 = Vector.FusedMultiplyAdd(a, b0, c20);
            c21 = Vector.FusedMultiplyAdd(a, b1, c21);
            a = new(packedA[3]);
            c30 = Vector.FusedMultiplyAdd(a, b0, c30);
            c31 = Vector.FusedMultiplyAdd(a, b1, c31);
            packedA += Rows;
            packedB += 2 * width;
        }

        var alphaVector = new Vector<float>(alpha);
        StoreRow(c, c00, c01, alphaVector, beta);
        StoreRow(c + ldc, c10, c11, alphaVector, beta);
        StoreRow(c + 2 * ldc, c20, c21, alphaVector, beta);
        StoreRow(c + 3 * ldc, c30, c31, alphaVector, beta);
    }

    /// <summary>Writes one row of the tile; beta == 0 never reads C.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(float* c, Vector<float> left, Vector<float> right, Vector<float> alpha, float beta)
    {
        int width = Vector<float>.Count;
        if (beta == 0)
        {
            (left * alpha).Store(c);
            (right * alpha).Store(c + width);
        }
        else if (beta == 1)
        {
            Vector.FusedMultiplyAdd(left, alpha, Vector.Load(c)).Store(c);
            Vector.FusedMultiplyAdd(right, alpha, Vector.Load(c + width)).Store(c + width);
        }
        else
        {
            var betaVector = new Vector<float>(beta);
            Vector.FusedMultiplyAdd(left, alpha, Vector.Load(c) * betaVector).Store(c);
            Vector.FusedMultiplyAdd(right, alpha, Vector.Load(c + width) * betaVector).Store(c + width);
        }
    }
}
