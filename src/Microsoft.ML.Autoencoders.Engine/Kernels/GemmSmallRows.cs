using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Microsoft.ML.Autoencoders.Engine.Kernels;

/// <summary>
/// The path for products with only a few rows (scoring one example, m = 1..8). The blocked path would
/// pack all of B to use it once and pad each 12-row tile mostly with zeros; here B is read in place
/// when stored row by row, and the tile has only as many rows as there are.
/// </summary>
/// <remarks>
/// Each element sums the same depth blocks (<see cref="GemmBlocking.DepthBlockFor"/> of the AVX-512 kernel's blocking), in the same FMA
/// order, with the same write-back as <see cref="GemmMicroKernelAvx512"/>, so a row's result is bit-identical
/// whether it is scored alone or inside a batch. AVX-512 only: other processors use the blocked path.
/// </remarks>
internal static unsafe class GemmSmallRows
{
    /// <summary>Most rows this path takes; beyond it the blocked path's larger tiles win.</summary>
    public const int MaxRows = 16;

    /// <summary>Rows per pass over B: 4 rows × 2 vectors = 8 accumulators hide the FMA latency.</summary>
    private const int GroupRows = 4;

    /// <summary>Columns per tile: two Vector512, the same as the blocked AVX-512 kernel's panels.</summary>
    private const int Columns = GemmMicroKernelAvx512.Columns;

    /// <summary>Whether this path exists here and suits <paramref name="kernel"/> (its results must match that kernel's).</summary>
    public static bool Handles(GemmMicroKernel kernel, int m) => m <= MaxRows && ReferenceEquals(kernel, GemmMicroKernel.Avx512);

    /// <summary>Computes columns [columnStart, columnEnd) of every row of C.</summary>
    /// <param name="op">The product, pinned.</param>
    /// <param name="blocking">The AVX-512 kernel's blocking, whose depth blocks this path must sum in.</param>
    /// <param name="columnStart">First column of C to compute (a multiple of 32, or 0).</param>
    /// <param name="columnEnd">One past the last column.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Compute(in GemmOperands op, GemmBlocking blocking, int columnStart, int columnEnd)
    {
        int kc = blocking.DepthBlockFor(op.K);
        GemmWorkspace workspace = GemmWorkspace.Current;
        int columns = columnEnd - columnStart;
        float* packedA = workspace.PackedA(MaxRows * kc);
        // Bᵀ must be transposed into panels first; B as stored only needs its ragged last panel padded.
        float* packedB = workspace.PackedB((op.TransB ? RoundUp(columns, Columns) : Columns) * kc);
        float* edgeTile = workspace.EdgeTile(GroupRows * Columns);

        for (int pc = 0; pc < op.K; pc += kc)
        {
            int depth = Math.Min(kc, op.K - pc);
            float beta = pc == 0 ? op.Beta : 1f;
            GemmPacking.PackBlock(op.AAt(0, pc), op.Lda, lanesContiguous: op.TransA, op.M, depth, GroupRows, packedA);
            if (op.TransB)
            {
                GemmPacking.PackBlock(op.BAt(pc, columnStart), op.Ldb, lanesContiguous: false, columns, depth, Columns, packedB);
            }

            for (int j = 0; j < columns; j += Columns)
            {
                int tileColumns = Math.Min(Columns, columns - j);
                float* panel;
                nint panelStride;
                if (op.TransB)
                {
                    panel = packedB + (nint)j * depth;
                    panelStride = Columns;
                }
                else if (tileColumns == Columns)
                {
                    panel = op.BAt(pc, columnStart + j);
                    panelStride = op.Ldb;
                }
                else
                {
                    GemmPacking.PackBlock(op.BAt(pc, columnStart + j), op.Ldb, lanesContiguous: true, tileColumns, depth, Columns, packedB);
                    panel = packedB;
                    panelStride = Columns;
                }

                for (int row = 0; row < op.M; row += GroupRows)
                {
                    int rows = Math.Min(GroupRows, op.M - row);
                    float* sliver = packedA + (nint)row * depth;
                    float* c = op.C + row * op.Ldc + columnStart + j;
                    if (tileColumns == Columns)
                    {
                        Tile(rows, depth, sliver, panel, panelStride, c, op.Ldc, op.Alpha, beta);
                    }
                    else
                    {
                        Tile(rows, depth, sliver, panel, panelStride, edgeTile, Columns, 1f, 0f);
                        GemmEdgeTile.Write(edgeTile, Columns, c, op.Ldc, rows, tileColumns, op.Alpha, beta);
                    }
                }
            }
        }
    }

    /// <summary>
    /// rows (1..4) × 32 tile from a packed A sliver (depth × 4) and B rows <paramref name="bStride"/> apart.
    /// One row gets its own loop: the padded rows of the 4-row loop would be three quarters of the work.
    /// </summary>
    // A kernel loop like the micro-kernels': compiled optimized from the first call, never as tier-0 code.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile(int rows, int depth, float* a, float* b, nint bStride, float* c, nint ldc, float alpha, float beta)
    {
        Vector512<float> alphaVector = Vector512.Create(alpha);
        if (rows == 1)
        {
            Vector512<float> c00 = default, c01 = default;
            for (int p = 0; p < depth; p++, a += GroupRows, b += bStride)
            {
                Vector512<float> a0 = Vector512.Create(a[0]);
                c00 = Vector512.FusedMultiplyAdd(a0, Vector512.Load(b), c00);
                c01 = Vector512.FusedMultiplyAdd(a0, Vector512.Load(b + 16), c01);
            }

            GemmMicroKernelAvx512.StoreRow(c, c00, c01, alphaVector, beta);
            return;
        }

        Vector512<float> r00 = default, r01 = default, r10 = default, r11 = default;
        Vector512<float> r20 = default, r21 = default, r30 = default, r31 = default;
        for (int p = 0; p < depth; p++, a += GroupRows, b += bStride)
        {
            Vector512<float> b0 = Vector512.Load(b), b1 = Vector512.Load(b + 16);
            Vector512<float> av = Vector512.Create(a[0]);
            r00 = Vector512.FusedMultiplyAdd(av, b0, r00);
            r01 = Vector512.FusedMultiplyAdd(av, b1, r01);
            av = Vector512.Create(a[1]);
            r10 = Vector512.FusedMultiplyAdd(av, b0, r10);
            r11 = Vector512.FusedMultiplyAdd(av, b1, r11);
            av = Vector512.Create(a[2]);
            r20 = Vector512.FusedMultiplyAdd(av, b0, r20);
            r21 = Vector512.FusedMultiplyAdd(av, b1, r21);
            av = Vector512.Create(a[3]);
            r30 = Vector512.FusedMultiplyAdd(av, b0, r30);
            r31 = Vector512.FusedMultiplyAdd(av, b1, r31);
        }

        GemmMicroKernelAvx512.StoreRow(c, r00, r01, alphaVector, beta);
        if (rows > 1) GemmMicroKernelAvx512.StoreRow(c + ldc, r10, r11, alphaVector, beta);
        if (rows > 2) GemmMicroKernelAvx512.StoreRow(c + 2 * ldc, r20, r21, alphaVector, beta);
        if (rows > 3) GemmMicroKernelAvx512.StoreRow(c + 3 * ldc, r30, r31, alphaVector, beta);
    }

    private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;
}
