using System.Runtime.CompilerServices;

namespace Microsoft.ML.Autoencoders.Engine.Kernels;

/// <summary>
/// The cache-blocked loop nest (the BLIS shape) over one rectangle of C:
/// columns in blocks of <see cref="GemmBlocking.ColumnBlock"/> (nc) → depth in blocks of <see cref="GemmBlocking.DepthBlockFor"/>
/// (kc), packing a kc × nc block of B → rows in blocks of <see cref="GemmBlocking.RowBlock"/> (mc), packing an mc × kc block
/// of A → the micro-kernel over every (B panel, A sliver) pair, each B panel serving all the block's slivers
/// before the next one is touched.
/// </summary>
/// <remarks>
/// Every element of C sums the same depth blocks in the same order whatever rectangle it falls in, and
/// rectangles start on tile boundaries, so splitting C among threads cannot change a single bit.
/// </remarks>
internal static unsafe class GemmBlockedProduct
{
    /// <summary>Computes rows [rowStart, rowEnd) × columns [columnStart, columnEnd) of C with <paramref name="blocking"/>.</summary>
    /// <param name="op">The product, pinned.</param>
    /// <param name="blocking">The micro-kernel and block sizes; the packing follows the kernel's tile.</param>
    /// <param name="rowStart">First row of C to compute (a multiple of the kernel's rows, or 0).</param>
    /// <param name="rowEnd">One past the last row.</param>
    /// <param name="columnStart">First column of C to compute (a multiple of the kernel's columns, or 0).</param>
    /// <param name="columnEnd">One past the last column.</param>
    /// <param name="allowAInPlace">
    /// Let full tiles read A where it is stored (<see cref="ReadsAInPlace"/>); tests turn it off to hold the two ways
    /// to the same bits.
    /// </param>
    /// <param name="prepackedB">
    /// B already packed whole for <paramref name="blocking"/> (op.B is then not read): its blocks are used where they lie
    /// instead of packing each one into this thread's workspace.
    /// </param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Compute(in GemmOperands op, GemmBlocking blocking, int rowStart, int rowEnd, int columnStart, int columnEnd,
        bool allowAInPlace = true, GemmPackedB? prepackedB = null)
    {
        GemmMicroKernel kernel = blocking.Kernel;
        int mr = kernel.Rows, nr = kernel.Columns;
        int mc = blocking.RowBlock, nc = blocking.ColumnBlock;
        int kcMax = blocking.DepthBlockFor(op.K);

        GemmWorkspace workspace = GemmWorkspace.Current;
        int rowsInBlock = Math.Min(mc, RoundUp(rowEnd - rowStart, mr));
        int columnsInBlock = Math.Min(nc, RoundUp(columnEnd - columnStart, nr));
        float* packedA = workspace.PackedA(rowsInBlock * kcMax);
        float* packedB = prepackedB is null ? workspace.PackedB(columnsInBlock * kcMax) : null;
        float* edgeTile = workspace.EdgeTile(mr * nr);
        bool aInPlace = allowAInPlace && ReadsAInPlace(op, kernel, columnEnd - columnStart);

        for (int jc = columnStart; jc < columnEnd; jc += nc)
        {
            int columns = Math.Min(nc, columnEnd - jc);
            for (int pc = 0; pc < op.K; pc += kcMax)
            {
                int depth = Math.Min(kcMax, op.K - pc);
                if (prepackedB is null) GemmPacking.PackBlock(op.BAt(pc, jc), op.Ldb, lanesContiguous: !op.TransB, columns, depth, nr, packedB);
                else packedB = prepackedB.BlockAt(pc, jc, depth);

                // The first depth block applies the caller's beta; later ones add onto what it wrote.
                float beta = pc == 0 ? op.Beta : 1f;
                for (int ic = rowStart; ic < rowEnd; ic += mc)
                {
                    int rows = Math.Min(mc, rowEnd - ic);
                    if (aInPlace)
                    {
                        // Only a last partial sliver is packed (its missing rows zero-padded): full ones are read in place.
                        int fullRows = rows / mr * mr;
                        if (fullRows < rows) GemmPacking.PackBlock(op.AAt(ic + fullRows, pc), op.Lda, lanesContiguous: false, rows - fullRows, depth, mr, packedA);
                    }
                    else
                    {
                        GemmPacking.PackBlock(op.AAt(ic, pc), op.Lda, lanesContiguous: op.TransA, rows, depth, mr, packedA);
                    }

                    MacroKernel(op, kernel, packedA, packedB, edgeTile, ic, rows, jc, columns, depth, beta, aInPlace ? pc : -1);
                }
            }
        }
    }

    /// <summary>
    /// True when full tiles of this band can read A in place (<see cref="GemmMicroKernelAvx512.ComputeInPlaceA"/>): the AVX-512
    /// kernel, A stored row by row, and only full 32-column panels, so every tile that is not in the last partial sliver
    /// is a full one. A leading dimension that is a multiple of 512 floats (2 KiB) would put the twelve rows in one or
    /// two of the L1's 8-way sets, where they would evict each other; those keep packing.
    /// </summary>
    public static bool ReadsAInPlace(in GemmOperands op, GemmMicroKernel kernel, int columns) =>
        ReferenceEquals(kernel, GemmMicroKernel.Avx512) && !op.TransA && columns % kernel.Columns == 0 && op.Lda % 512 != 0;

    /// <summary>
    /// Runs the micro-kernel over every tile of one packed A block × packed B block. With <paramref name="inPlaceStep"/>
    /// ≥ 0, full slivers are read from A in place from that step on, and <paramref name="packedA"/> holds only the last
    /// partial sliver.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MacroKernel(in GemmOperands op, GemmMicroKernel kernel, float* packedA, float* packedB,
        float* edgeTile, int rowOrigin, int rows, int columnOrigin, int columns, int depth, float beta, int inPlaceStep)
    {
        int mr = kernel.Rows, nr = kernel.Columns;
        float alpha = op.Alpha;
        for (int jr = 0; jr < columns; jr += nr)
        {
            float* panel = packedB + (nint)jr * depth;
            int tileColumns = Math.Min(nr, columns - jr);
            for (int ir = 0; ir < rows; ir += mr)
            {
                float* sliver = packedA + (nint)ir * depth;
                int tileRows = Math.Min(mr, rows - ir);
                float* c = op.C + (rowOrigin + ir) * op.Ldc + columnOrigin + jr;
                if (inPlaceStep >= 0)
                {
                    if (tileRows == mr)
                    {
                        GemmMicroKernelAvx512.ComputeInPlaceA(depth, op.AAt(rowOrigin + ir, inPlaceStep), op.Lda, panel, c, op.Ldc, alpha, beta);
                        continue;
                    }

                    sliver = packedA;
                }

                if (tileRows == mr && tileColumns == nr)
                {
                    kernel.Compute(depth, sliver, panel, c, op.Ldc, alpha, beta);
                }
                else if (kernel == GemmMicroKernel.Avx512 && (tileColumns == nr || tileColumns <= GemmMicroKernelAvx512Edges.HalfWidth))
                {
                    AvxEdge(depth, sliver, panel, edgeTile, c, op.Ldc, tileRows, tileColumns, alpha, beta);
                }
                else
                {
                    // Edge tile: the padded lanes computed zeros; keep only the part inside C.
                    kernel.Compute(depth, sliver, panel, edgeTile, nr, 1f, 0f);
                    GemmEdgeTile.Write(edgeTile, nr, c, op.Ldc, tileRows, tileColumns, alpha, beta);
                }
            }
        }
    }

    /// <summary>
    /// An edge tile under the AVX-512 kernel, computed by the narrow kernels instead of a padded full tile: full-width
    /// tiles in groups of four rows, half-width ones (≤ 16 columns) twelve rows at a time. Parts that overhang C go
    /// through the scratch tile as before.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AvxEdge(int depth, float* sliver, float* panel, float* edgeTile, float* c, nint ldc,
        int tileRows, int tileColumns, float alpha, float beta)
    {
        const int nr = GemmMicroKernelAvx512.Columns, four = GemmMicroKernelAvx512Edges.FourRows;
        if (tileColumns <= GemmMicroKernelAvx512Edges.HalfWidth)
        {
            if (tileRows == GemmMicroKernelAvx512.Rows && tileColumns == GemmMicroKernelAvx512Edges.HalfWidth)
            {
                GemmMicroKernelAvx512Edges.ComputeHalfWidth(depth, sliver, panel, c, ldc, alpha, beta);
                return;
            }

            GemmMicroKernelAvx512Edges.ComputeHalfWidth(depth, sliver, panel, edgeTile, nr, 1f, 0f);
            GemmEdgeTile.Write(edgeTile, nr, c, ldc, tileRows, tileColumns, alpha, beta);
            return;
        }

        for (int row = 0; row < tileRows; row += four)
        {
            int rows = Math.Min(four, tileRows - row);
            if (rows == four)
            {
                GemmMicroKernelAvx512Edges.ComputeFourRows(depth, sliver, row, panel, c + row * ldc, ldc, alpha, beta);
            }
            else
            {
                GemmMicroKernelAvx512Edges.ComputeFourRows(depth, sliver, row, panel, edgeTile, nr, 1f, 0f);
                GemmEdgeTile.Write(edgeTile, nr, c + row * ldc, ldc, rows, tileColumns, alpha, beta);
            }
        }
    }

    private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;
}
