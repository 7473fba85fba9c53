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
        => Tile(depth, packedA, rowStride: 1, stepStride: Rows, packedB, c, ldc, alpha, beta);

    /// <summary>
    /// The same tile with A read where it is stored, row by row, instead of from a packed sliver. The kernel only ever
    /// broadcasts single elements of A, and a broadcast loads from anywhere, so for an A stored row-major (op(A) = A)
    /// packing buys nothing but contiguity, and it costs a transposing copy: on two threads each thread packs all of A
    /// for its band of columns, which was 5 % of a 256 × 256 product (1.9 µs of 41 at k = 64, 26 of 490 at k = 784).
    /// </summary>
    /// <param name="depth">Steps of the dot products (k of this block).</param>
    /// <param name="a">A's element (tile row 0, step 0); row r is at <c>a + r·lda</c>, its steps consecutive.</param>
    /// <param name="lda">Distance between consecutive rows of A.</param>
    /// <param name="packedB">depth × 32, lane-contiguous.</param>
    /// <param name="c">The tile's top-left element of C.</param>
    /// <param name="ldc">Distance between consecutive rows of C.</param>
    /// <param name="alpha">Scale of the product.</param>
    /// <param name="beta">Scale of C's old contents; 0 ignores them (even NaN).</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ComputeInPlaceA(int depth, float* a, nint lda, float* packedB, float* c, nint ldc, float alpha, float beta)
        => Tile(depth, a, rowStride: lda, stepStride: 1, packedB, c, ldc, alpha, beta);

    /// <summary>
    /// The tile over an A whose row r, step p sits at <c>a[r·rowStride + p·stepStride]</c>: a packed sliver (1, 12) or A
    /// in place (lda, 1). Inlined into both entries, so each compiles with its strides as constants where they are. The
    /// twelve rows are addressed from four base pointers (rows 0, 3, 6, 9) plus one and two row strides, which keeps the
    /// loop within the general registers. Both ways every element is the same chain of fused multiply-adds, in the same
    /// order, with the same write-back: the bits do not depend on whether A was packed.
    /// The JIT does not inline it (more locals than its inliner takes), so it is compiled on its own, and without
    /// AggressiveOptimization it would start as tier-0 code: a process's first ten 1024² products took ~400 ms instead of
    /// ~130 (see docs/performance-journal.md, "Zen 5, second round").
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Tile(int depth, float* a, nint rowStride, nint stepStride, float* packedB, float* c, nint ldc, float alpha, float beta)
    {
        float* a0 = a, a3 = a + 3 * rowStride, a6 = a + 6 * rowStride, a9 = a + 9 * rowStride;
        nint rowStride2 = 2 * rowStride;
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
        for (int p = 0; p < depth; p++, a0 += stepStride, a3 += stepStride, a6 += stepStride, a9 += stepStride, packedB += Columns)
        {
            Vector512<float> b0 = Vector512.Load(packedB);
            Vector512<float> b1 = Vector512.Load(packedB + 16);
            Vector512<float> broadcast;
            broadcast = Vector512.Create(a0[0]);
            c00 = Vector512.FusedMultiplyAdd(broadcast, b0, c00);
            c01 = Vector512.FusedMultiplyAdd(broadcast, b1, c01);
            broadcast = Vector512.Create(a0[rowStride]);
            c10 = Vector512.FusedMultiplyAdd(broadcast, b0, c10);
            c11 = Vector512.FusedMultiplyAdd(broadcast, b1, c11);
            broadcast = Vector512.Create(a0[rowStride2]);
            c20 = Vector512.FusedMultiplyAdd(broadcast, b0, c20);
            c21 = Vector512.FusedMultiplyAdd(broadcast, b1, c21);
            broadcast = Vector512.Create(a3[0]);
            c30 = Vector512.FusedMultiplyAdd(broadcast, b0, c30);
            c31 = Vector512.FusedMultiplyAdd(broadcast, b1, c31);
            broadcast = Vector512.Create(a3[rowStride]);
            c40 = Vector512.FusedMultiplyAdd(broadcast, b0, c40);
            c41 = Vector512.FusedMultiplyAdd(broadcast, b1, c41);
            broadcast = Vector512.Create(a3[rowStride2]);
            c50 = Vector512.FusedMultiplyAdd(broadcast, b0, c50);
            c51 = Vector512.FusedMultiplyAdd(broadcast, b1, c51);
            broadcast = Vector512.Create(a6[0]);
            c60 = Vector512.FusedMultiplyAdd(broadcast, b0, c60);
            c61 = Vector512.FusedMultiplyAdd(broadcast, b1, c61);
            broadcast = Vector512.Create(a6[rowStride]);
            c70 = Vector512.FusedMultiplyAdd(broadcast, b0, c70);
            c71 = Vector512.FusedMultiplyAdd(broadcast, b1, c71);
            broadcast = Vector512.Create(a6[rowStride2]);
            c80 = Vector512.FusedMultiplyAdd(broadcast, b0, c80);
            c81 = Vector512.FusedMultiplyAdd(broadcast, b1, c81);
            broadcast = Vector512.Create(a9[0]);
            c90 = Vector512.FusedMultiplyAdd(broadcast, b0, c90);
            c91 = Vector512.FusedMultiplyAdd(broadcast, b1, c91);
            broadcast = Vector512.Create(a9[rowStride]);
            c100 = Vector512.FusedMultiplyAdd(broadcast, b0, c100);
            c101 = Vector512.FusedMultiplyAdd(broadcast, b1, c101);
            broadcast = Vector512.Create(a9[rowStride2]);
            c110 = Vector512.FusedMultiplyAdd(broadcast, b0, c110);
            c111 = Vector512.FusedMultiplyAdd(broadcast, b1, c111);
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
