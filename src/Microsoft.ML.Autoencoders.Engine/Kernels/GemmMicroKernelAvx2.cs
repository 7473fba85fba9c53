using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Microsoft.ML.Autoencoders.Engine.Kernels;

/// <summary>
/// The 6 × 16 AVX2 + FMA micro-kernel for processors without AVX-512. With 16 ymm registers,
/// 12 accumulators + 2 B rows + 1 broadcast is the largest tile that does not spill.
/// </summary>
internal static unsafe class GemmMicroKernelAvx2
{
    /// <summary>Tile height (mr).</summary>
    public const int Rows = 6;

    /// <summary>Tile width (nr): two Vector256 of floats.</summary>
    public const int Columns = 16;

    /// <summary>Computes C[0..6, 0..16] = alpha·(packedA·packedB) + beta·C over <paramref name="depth"/> steps.</summary>
    /// <param name="packedA">depth × 6, lane-contiguous.</param>
    /// <param name="packedB">depth × 16, lane-contiguous.</param>
    /// <param name="depth">Steps of the dot products (k of this block).</param>
    /// <param name="c">The tile's top-left element of C.</param>
    /// <param name="ldc">Distance between consecutive rows of C.</param>
    /// <param name="alpha">Scale of the product.</param>
    /// <param name="beta">Scale of C's old contents; 0 ignores them (even NaN).</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Compute(int depth, float* packedA, float* packedB, float* c, nint ldc, float alpha, float beta)
    {
        Vector256<float> c00 = default, c01 = default;
        Vector256<float> c10 = default, c11 = default;
        Vector256<float> c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default;
        Vector256<float> c40 = default, c41 = default;
        Vector256<float> c50 = default, c51 = default;
        for (int p = 0; p < depth; p++)
        {
            Vector256<float> b0 = Vector256.Load(packedB);
            Vector256<float> b1 = Vector256.Load(packedB + 8);
            Vector256<float> a;
            a = Vector256.Create(packedA[0]);
            c00 = Vector256.FusedMultiplyAdd(a, b0, c00);
            c01 = Vector256.FusedMultiplyAdd(a, b1, c01);
            a = Vector256.Create(packedA[1]);
            c10 = Vector256.FusedMultiplyAdd(a, b0, c10);
            c11 = Vector256.FusedMultiplyAdd(a, b1, c11);
            a = Vector256.Create(packedA[2]);
            c20 = Vector256.FusedMultiplyAdd(a, b0, c20);
            c21 = Vector256.FusedMultiplyAdd(a, b1, c21);
            a = Vector256.Create(packedA[3]);
            c30 = Vector256.FusedMultiplyAdd(a, b0, c30);
            c31 = Vector256.FusedMultiplyAdd(a, b1, c31);
            a = Vector256.Create(packedA[4]);
            c40 = Vector256.FusedMultiplyAdd(a, b0, c40);
            c41 = Vector256.FusedMultiplyAdd(a, b1, c41);
            a = Vector256.Create(packedA[5]);
            c50 = Vector256.FusedMultiplyAdd(a, b0, c50);
            c51 = Vector256.FusedMultiplyAdd(a, b1, c51);
            packedA += Rows;
            packedB += Columns;
        }

        Vector256<float> alphaVector = Vector256.Create(alpha);
        StoreRow(c + 0 * ldc, c00, c01, alphaVector, beta);
        StoreRow(c + 1 * ldc, c10, c11, alphaVector, beta);
        StoreRow(c + 2 * ldc, c20, c21, alphaVector, beta);
        StoreRow(c + 3 * ldc, c30, c31, alphaVector, beta);
        StoreRow(c + 4 * ldc, c40, c41, alphaVector, beta);
        StoreRow(c + 5 * ldc, c50, c51, alphaVector, beta);
    }

    /// <summary>Writes one row of the tile; beta == 0 never reads C.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(float* c, Vector256<float> left, Vector256<float> right, Vector256<float> alpha, float beta)
    {
        if (beta == 0)
        {
            (left * alpha).Store(c);
            (right * alpha).Store(c + 8);
        }
        else if (beta == 1)
        {
            Vector256.FusedMultiplyAdd(left, alpha, Vector256.Load(c)).Store(c);
            Vector256.FusedMultiplyAdd(right, alpha, Vector256.Load(c + 8)).Store(c + 8);
        }
        else
        {
            Vector256<float> betaVector = Vector256.Create(beta);
            Vector256.FusedMultiplyAdd(left, alpha, Vector256.Load(c) * betaVector).Store(c);
            Vector256.FusedMultiplyAdd(right, alpha, Vector256.Load(c + 8) * betaVector).Store(c + 8);
        }
    }
}
