using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Microsoft.ML.Autoencoders.Engine.Kernels;

/// <summary>
/// Narrow tiles for the edges of C under the 12 × 32 AVX-512 kernel, reading the same packed slivers and panels.
/// A full kernel on an edge computes padding: the 4 rows left at the bottom of a 256-row C cost a whole 12-row tile
/// (3 % of the output layer's products), the 16 columns left at the side of a 784-column C half a 32-column one.
/// These compute 4 rows × 32 columns, or 12 rows × 16 columns, and nothing else. Every element is the same chain of
/// fused multiply-adds as in the full kernel, so results do not depend on which kernel produced them.
/// </summary>
internal static unsafe class GemmMicroKernelAvx512Edges
{
    /// <summary>Rows of C per call of <see cref="ComputeFourRows"/>.</summary>
    public const int FourRows = 4;

    /// <summary>Columns of C per call of <see cref="ComputeHalfWidth"/>.</summary>
    public const int HalfWidth = 16;

    /// <summary>
    /// C[0..4, 0..32] = alpha·(A·B) + beta·C for rows <paramref name="firstRow"/>.. +3 of a packed 12-lane sliver.
    /// </summary>
    /// <param name="depth">Steps of the dot products (k of this block).</param>
    /// <param name="packedA">The packed sliver (depth × 12, lane-contiguous).</param>
    /// <param name="firstRow">The sliver lane of the first of the four rows.</param>
    /// <param name="packedB">The packed panel (depth × 32, lane-contiguous).</param>
    /// <param name="c">The tile's top-left element of C.</param>
    /// <param name="ldc">Distance between consecutive rows of C.</param>
    /// <param name="alpha">Scale of the product.</param>
    /// <param name="beta">Scale of C's old contents; 0 ignores them (even NaN).</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ComputeFourRows(int depth, float* packedA, int firstRow, float* packedB, float* c, nint ldc, float alpha, float beta)
    {
        const int lanesA = GemmMicroKernelAvx512.Rows, lanesB = GemmMicroKernelAvx512.Columns;
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector512<float> c20 = default, c21 = default, c30 = default, c31 = default;
        float* a = packedA + firstRow;
        for (int p = 0; p < depth; p++, a += lanesA, packedB += lanesB)
        {
            Vector512<float> b0 = Vector512.Load(packedB), b1 = Vector512.Load(packedB + 16);
            Vector512<float> broadcast = Vector512.Create(a[0]);
            c00 = Vector512.FusedMultiplyAdd(broadcast, b0, c00);
            c01 = Vector512.FusedMultiplyAdd(broadcast, b1, c01);
            broadcast = Vector512.Create(a[1]);
            c10 = Vector512.FusedMultiplyAdd(broadcast, b0, c10);
            c11 = Vector512.FusedMultiplyAdd(broadcast, b1, c11);
            broadcast = Vector512.Create(a[2]);
            c20 = Vector512.FusedMultiplyAdd(broadcast, b0, c20);
            c21 = Vector512.FusedMultiplyAdd(broadcast, b1, c21);
            broadcast = Vector512.Create(a[3]);
            c30 = Vector512.FusedMultiplyAdd(broadcast, b0, c30);
            c31 = Vector512.FusedMultiplyAdd(broadcast, b1, c31);
        }

        Vector512<float> alphaVector = Vector512.Create(alpha);
        GemmMicroKernelAvx512.StoreRow(c, c00, c01, alphaVector, beta);
        GemmMicroKernelAvx512.StoreRow(c + ldc, c10, c11, alphaVector, beta);
        GemmMicroKernelAvx512.StoreRow(c + 2 * ldc, c20, c21, alphaVector, beta);
        GemmMicroKernelAvx512.StoreRow(c + 3 * ldc, c30, c31, alphaVector, beta);
    }

    /// <summary>C[0..12, 0..16] = alpha·(A·B) + beta·C from the first 16 lanes of a packed 32-lane panel.</summary>
    /// <param name="depth">Steps of the dot products (k of this block).</param>
    /// <param name="packedA">The packed sliver (depth × 12, lane-contiguous).</param>
    /// <param name="packedB">The packed panel (depth × 32, lane-contiguous); lanes 16..31 are not read.</param>
    /// <param name="c">The tile's top-left element of C.</param>
    /// <param name="ldc">Distance between consecutive rows of C.</param>
    /// <param name="alpha">Scale of the product.</param>
    /// <param name="beta">Scale of C's old contents; 0 ignores them (even NaN).</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ComputeHalfWidth(int depth, float* packedA, float* packedB, float* c, nint ldc, float alpha, float beta)
    {
        const int lanesA = GemmMicroKernelAvx512.Rows, lanesB = GemmMicroKernelAvx512.Columns;
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default;
        Vector512<float> c6 = default, c7 = default, c8 = default, c9 = default, c10 = default, c11 = default;
        for (int p = 0; p < depth; p++, packedA += lanesA, packedB += lanesB)
        {
            Vector512<float> b = Vector512.Load(packedB);
            c0 = Vector512.FusedMultiplyAdd(Vector512.Create(packedA[0]), b, c0);
            c1 = Vector512.FusedMultiplyAdd(Vector512.Create(packedA[1]), b, c1);
            c2 = Vector512.FusedMultiplyAdd(Vector512.Create(packedA[2]), b, c2);
            c3 = Vector512.FusedMultiplyAdd(Vector512.Create(packedA[3]), b, c3);
            c4 = Vector512.FusedMultiplyAdd(Vector512.Create(packedA[4]), b, c4);
            c5 = Vector512.FusedMultiplyAdd(Vector512.Create(packedA[5]), b, c5);
            c6 = Vector512.FusedMultiplyAdd(Vector512.Create(packedA[6]), b, c6);
            c7 = Vector512.FusedMultiplyAdd(Vector512.Create(packedA[7]), b, c7);
            c8 = Vector512.FusedMultiplyAdd(Vector512.Create(packedA[8]), b, c8);
            c9 = Vector512.FusedMultiplyAdd(Vector512.Create(packedA[9]), b, c9);
            c10 = Vector512.FusedMultiplyAdd(Vector512.Create(packedA[10]), b, c10);
            c11 = Vector512.FusedMultiplyAdd(Vector512.Create(packedA[11]), b, c11);
        }

        Vector512<float> alphaVector = Vector512.Create(alpha);
        GemmMicroKernelAvx512.StoreVector(c, c0, alphaVector, beta);
        GemmMicroKernelAvx512.StoreVector(c + ldc, c1, alphaVector, beta);
        GemmMicroKernelAvx512.StoreVector(c + 2 * ldc, c2, alphaVector, beta);
        GemmMicroKernelAvx512.StoreVector(c + 3 * ldc, c3, alphaVector, beta);
        GemmMicroKernelAvx512.StoreVector(c + 4 * ldc, c4, alphaVector, beta);
        GemmMicroKernelAvx512.StoreVector(c + 5 * ldc, c5, alphaVector, beta);
        GemmMicroKernelAvx512.StoreVector(c + 6 * ldc, c6, alphaVector, beta);
        GemmMicroKernelAvx512.StoreVector(c + 7 * ldc, c7, alphaVector, beta);
        GemmMicroKernelAvx512.StoreVector(c + 8 * ldc, c8, alphaVector, beta);
        GemmMicroKernelAvx512.StoreVector(c + 9 * ldc, c9, alphaVector, beta);
        GemmMicroKernelAvx512.StoreVector(c + 10 * ldc, c10, alphaVector, beta);
        GemmMicroKernelAvx512.StoreVector(c + 11 * ldc, c11, alphaVector, beta);
    }
}
