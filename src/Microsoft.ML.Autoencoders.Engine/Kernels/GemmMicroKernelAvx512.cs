using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Microsoft.ML.Autoencoders.Engine.Kernels;

/// <summary>
/// The 12 × 32 AVX-512 micro-kernel. Zen 4 executes a 512-bit FMA as two 256-bit halves, so the win over
/// AVX2 is fewer instructions per FLOP: each depth step is 2 B loads, 12 broadcasts and 24 FMAs.
/// 24 accumulators + 2 B rows + 1 broadcast = 27 of the 32 zmm registers, so nothing spills.
/// </summary>
internal static unsafe class GemmMicroKernelAvx512
{
    /// <summary>Tile height (mr).</summary>
    public const int Rows = 12;

    /// <summary>Tile width (nr): two Vector512 of floats.</summary>
    public const int Columns = 32;

    /// <summary>Computes C[0..12, 0..32] = alpha·(packedA·packedB) + beta·C over <paramref name="depth"/> steps.</summary>
    /// <param name="packedA">depth × 12, lane-contiguous (the 12 row values of one step are adjacent).</param>
    /// <param name="packedB">depth × 32, lane-contiguous.</param>
    /// <param name="depth">Steps of the dot products (k of this block).</param>
    /// <param name="c">The tile's top-left element of C.</param>
    /// <param name="ldc">Distance between consecutive rows of C.</param>
    /// <param name="alpha">Scale of the product.</param>
    /// <param name="beta">Scale of C's old contents; 0 ignores them (even NaN).</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Compute(int depth, float* packedA, float* packedB, float* c, nint ldc, float alpha, float beta)
    {
        Vector512<float> c00 = default, c01 = default;
        Vector512<float> c10 = default, c11 = default;
        Vector512<float> c20 = default, c21 = default;
        Vector512<float> c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default;
        Vector512<float> c50 = default, c51 = default;
        Vector512<float> c60 = default, c61 = default;
        Vector512<float> c70 = default, c71 = default;
        Vector512<float> c80 = default, c81 = default;
        Vector512<float> c90 = default, c91 = default;
        Vector512<float> c100 = default, c101 = default;
        Vector512<float> c110 = default, c111 = default;
        for (int p = 0; p < depth; p++)
        {
            Vector512<float> b0 = Vector512.Load(packedB);
            Vector512<float> b1 = Vector512.Load(packedB + 16);
            Vector512<float> a;
            a = Vector512.Create(packedA[0]);
            c00 = Vector512.FusedMultiplyAdd(a, b0, c00);
            c01 = Vector512.FusedMultiplyAdd(a, b1, c01);
            a = Vector512.Create(packedA[1]);
            c10 = Vector512.FusedMultiplyAdd(a, b0, c10);
            c11 = Vector512.FusedMultiplyAdd(a, b1, c11);
            a = Vector512.Create(packedA[2]);
            c20 = Vector512.FusedMultiplyAdd(a, b0, c20);
            c21 = Vector512.FusedMultiplyAdd(a, b1, c21);
            a = Vector512.Create(packedA[3]);
            c30 = Vector512.FusedMultiplyAdd(a, b0, c30);
            c31 = Vector512.FusedMultiplyAdd(a, b1, c31);
            a = Vector512.Create(packedA[4]);
            c40 = Vector512.FusedMultiplyAdd(a, b0, c40);
            c41 = Vector512.FusedMultiplyAdd(a, b1, c41);
            a = Vector512.Create(packedA[5]);
            c50 = Vector512.FusedMultiplyAdd(a, b0, c50);
            c51 = Vector512.FusedMultiplyAdd(a, b1, c51);
            a = Vector512.Create(packedA[6]);
            c60 = Vector512.FusedMultiplyAdd(a, b0, c60);
            c61 = Vector512.FusedMultiplyAdd(a, b1, c61);
            a = Vector512.Create(packedA[7]);
            c70 = Vector512.FusedMultiplyAdd(a, b0, c70);
            c71 = Vector512.FusedMultiplyAdd(a, b1, c71);
            a = Vector512.Create(packedA[8]);
            c80 = Vector512.FusedMultiplyAdd(a, b0, c80);
            c81 = Vector512.FusedMultiplyAdd(a, b1, c81);
            a = Vector512.Create(packedA[9]);
            c90 = Vector512.FusedMultiplyAdd(a, b0, c90);
            c91 = Vector512.FusedMultiplyAdd(a, b1, c91);
            a = Vector512.Create(packedA[10]);
            c100 = Vector512.FusedMultiplyAdd(a, b0, c100);
            c101 = Vector512.FusedMultiplyAdd(a, b1, c101);
            a = Vector512.Create(packedA[11]);
            c110 = Vector512.FusedMultiplyAdd(a, b0, c110);
            c111 = Vector512.FusedMultiplyAdd(a, b1, c111);
            packedA += Rows;
            packedB += Columns;
        }

        Vector512<float> alphaVector = Vector512.Create(alpha);
        StoreRow(c + 0 * ldc, c00, c01, alphaVector, beta);
        StoreRow(c + 1 * ldc, c10, c11, alphaVector, beta);
        StoreRow(c + 2 * ldc, c20, c21, alphaVector, beta);
        StoreRow(c + 3 * ldc, c30, c31, alphaVector, beta);
        StoreRow(c + 4 * ldc, c40, c41, alphaVector, beta);
        StoreRow(c + 5 * ldc, c50, c51, alphaVector, beta);
        StoreRow(c + 6 * ldc, c60, c61, alphaVector, beta);
        StoreRow(c + 7 * ldc, c70, c71, alphaVector, beta);
        StoreRow(c + 8 * ldc, c80, c81, alphaVector, beta);
        StoreRow(c + 9 * ldc, c90, c91, alphaVector, beta);
        StoreRow(c + 10 * ldc, c100, c101, alphaVector, beta);
        StoreRow(c + 11 * ldc, c110, c111, alphaVector, beta);
    }

    /// <summary>
    /// Writes one row of a tile (two vectors). Every AVX-512 path (this kernel, the narrow edge kernels, the small-rows
    /// path) writes back through here, so an element's bits never depend on which path produced it; the beta branch is
    /// uniform across a tile, so it predicts perfectly.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void StoreRow(float* c, Vector512<float> left, Vector512<float> right, Vector512<float> alpha, float beta)
    {
        StoreVector(c, left, alpha, beta);
        StoreVector(c + 16, right, alpha, beta);
    }

    /// <summary>C = alpha·sum + beta·C for one vector of C; beta == 0 never reads C (it may be uninitialized, NaN).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void StoreVector(float* c, Vector512<float> sum, Vector512<float> alpha, float beta)
    {
        if (beta == 0) (sum * alpha).Store(c);
        else if (beta == 1) Vector512.FusedMultiplyAdd(sum, alpha, Vector512.Load(c)).Store(c);
        else Vector512.FusedMultiplyAdd(sum, alpha, Vector512.Load(c) * Vector512.Create(beta)).Store(c);
    }
}
