using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Tensors;

namespace Microsoft.ML.Autoencoders.Engine.Kernels;

/// <summary>
/// C = A·B with A sparse (<see cref="SparseRows"/>) and B dense [k, n] row-major: each row of C is the sum of the
/// rows of B that the row of A selects, scaled by its values. This is how the first layer meets an input batch that
/// is mostly zeros — the forward product X·W and the weight gradient Xᵀ·dY then cost in proportion to the nonzeros,
/// not to the pixels. Held to <see cref="GemmReference"/> by tests.
/// </summary>
/// <remarks>
/// A row of C is built in registers, 128 columns at a time (eight Vector512 accumulators), over the row's nonzeros in
/// column order, and stored once; all rows take one column block before the next, so the block of B stays in cache. Threads take whole rows, cut where the nonzeros (the work) are split evenly, so every
/// element is summed in the same order whatever the thread count: results are bit-identical for any number of threads.
/// </remarks>
internal static unsafe class SparseDenseGemm
{
    /// <summary>
    /// Above this share of nonzeros the dense GEMM is faster. Measured on the first layer's shape (256×784 by 784×256,
    /// random nonzeros, AVX-512, 2 threads, compression included): the two cost the same between 30 % and 40 %; at
    /// MNIST's 19 % the sparse one takes a third to two thirds of the dense time.
    /// </summary>
    public const double MaxDensity = 0.30;

    /// <summary>Below this many multiply-adds per extra thread, waking a worker costs more than it saves.</summary>
    private const long MinWorkPerThread = 1L << 19;

    /// <summary>
    /// A dense layer's forward pass over a sparse input: c[m, n] = a·b + bias, and activated = f(c) when it is not
    /// empty (the same <see cref="GemmEpilogue"/> as the dense GEMM, applied by each thread to its own rows).
    /// </summary>
    public static void MultiplyAddBias(SparseRows a, ReadOnlySpan<float> b, int n, ReadOnlySpan<float> bias,
        Span<float> c, Activation activation, float slope, Span<float> activated, int threads)
    {
        Check(a, b, n, c);
        if (bias.Length < n) throw new ArgumentException($"The bias holds {bias.Length} values but C has {n} columns.", nameof(bias));
        if (!activated.IsEmpty && activated.Length < (long)a.Rows * n) throw new ArgumentException("activated is smaller than C.", nameof(activated));
        fixed (float* pBias = bias)
        fixed (float* pActivated = activated)
        {
            var epilogue = new GemmEpilogue(pBias, activation, slope, activated.IsEmpty ? null : pActivated, n);
            Run(a, b, n, c, accumulate: false, epilogue, threads);
        }
    }

    /// <summary>c[m, n] = a·b, or c += a·b when <paramref name="accumulate"/>: a weight gradient Xᵀ·dY when a is the transposed sparse input.</summary>
    public static void Multiply(SparseRows a, ReadOnlySpan<float> b, int n, Span<float> c, bool accumulate, int threads)
    {
        Check(a, b, n, c);
        Run(a, b, n, c, accumulate, default, threads);
    }

    private static void Check(SparseRows a, ReadOnlySpan<float> b, int n, Span<float> c)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        if (b.Length < (long)a.Columns * n) throw new ArgumentException($"B must hold {a.Columns}×{n} values.", nameof(b));
        if (c.Length < (long)a.Rows * n) throw new ArgumentException($"C must hold {a.Rows}×{n} values.", nameof(c));
    }

    private static void Run(SparseRows a, ReadOnlySpan<float> b, int n, Span<float> c, bool accumulate, in GemmEpilogue epilogue, int threads)
    {
        if (a.Rows == 0 || n == 0) return;
        long work = (long)a.Count * n;
        int parts = (int)Math.Clamp(work / MinWorkPerThread, 1, Math.Min(threads, WorkerPool.Shared.MaxParallelism));
        fixed (int* rowStarts = a.RowStarts)
        fixed (int* columns = a.ColumnIndices)
        fixed (float* values = a.Values)
        fixed (float* pb = b)
        fixed (float* pc = c)
        {
            var operands = new Operands(rowStarts, columns, values, a.Rows, a.Columns, pb, pc, n, accumulate, epilogue);
            if (parts == 1) operands.ComputeRows(0, a.Rows);
            else Job.Run(operands, parts);
        }
    }

    /// <summary>Everything a thread needs to compute a band of rows, as raw pointers pinned by the caller.</summary>
    private readonly struct Operands(int* rowStarts, int* columns, float* values, int rows, int depth, float* b, float* c, int n, bool accumulate, GemmEpilogue epilogue)
    {
        public int Rows => rows;

        /// <summary>The first row of part <paramref name="part"/> of <paramref name="parts"/>: the rows are cut where the nonzeros are split evenly.</summary>
        public int PartStart(int part, int parts)
        {
            if (part == 0) return 0;
            if (part == parts) return rows;
            long target = (long)rowStarts[rows] * part / parts;
            int low = 0, high = rows;
            while (low < high)
            {
                int middle = (low + high) >>> 1;
                if (rowStarts[middle] < target) low = middle + 1;
                else high = middle;
            }

            return low;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void ComputeRows(int rowStart, int rowEnd)
        {
            // Blocks of B small enough to stay in this core's L2 while every row of the band takes its share: whole rows
            // of B (the MNIST W is 800 KB) would be pushed out by the streaming rows of A and C and come again from the
            // L3, whose bandwidth both cores share. Each row's nonzeros are sorted by column, so a block's are a range.
            int depthBlock = Math.Max(16, DepthBlockFloats / Math.Min(n, ColumnBlock));
            for (int blockStart = 0; blockStart < n; blockStart += ColumnBlock)
            {
                int blockEnd = Math.Min(blockStart + ColumnBlock, n);
                for (int depthStart = 0; depthStart < depth; depthStart += depthBlock)
                {
                    int depthEnd = Math.Min(depthStart + depthBlock, depth);
                    bool add = accumulate || depthStart > 0;
                    for (int r = rowStart; r < rowEnd; r++)
                    {
                        int start = rowStarts[r], end = rowStarts[r + 1];
                        if (depthStart > 0) start = SparseRows.LowerBound(columns, start, end, depthStart);
                        if (depthEnd < depth) end = SparseRows.LowerBound(columns, start, end, depthEnd);
                        if (start == end && add) continue;
                        ComputeRow(columns + start, values + start, end - start, b, n, c + (nint)r * n, add, blockStart, blockEnd);
                    }
                }
            }

            if (!epilogue.IsEmpty) epilogue.Apply(c, n, rowStart, rowEnd, 0, n);
        }
    }

    /// <summary>Columns of a row of C computed at a time: sixteen Vector512 accumulators.</summary>
    private const int ColumnBlock = 256;

    /// <summary>Floats of B per cache block (256 KB): a quarter of a Zen 4 core's L2, room left for the streams of A and C.</summary>
    private const int DepthBlockFloats = 1 << 16;

    /// <summary>c[j..jEnd) = (accumulate ? c : 0) + Σ_p values[p]·b[columns[p], j..jEnd).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ComputeRow(int* columns, float* values, int count, float* b, int n, float* c, bool accumulate, int j, int jEnd)
    {
        if (Vector512.IsHardwareAccelerated)
        {
            const int width = 16;
            // Whole 256-float rows of B where they fit: a partial row would leave the hardware prefetcher fetching the
            // rest of it for nothing, which costs the bandwidth both cores share.
            for (; j <= jEnd - 16 * width; j += 16 * width)
            {
                float* cj = c + j;
                Vector512<float> a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15;
                if (accumulate)
                {
                    a0 = Vector512.Load(cj); a1 = Vector512.Load(cj + width); a2 = Vector512.Load(cj + 2 * width); a3 = Vector512.Load(cj + 3 * width);
                    a4 = Vector512.Load(cj + 4 * width); a5 = Vector512.Load(cj + 5 * width); a6 = Vector512.Load(cj + 6 * width); a7 = Vector512.Load(cj + 7 * width);
                    a8 = Vector512.Load(cj + 8 * width); a9 = Vector512.Load(cj + 9 * width); a10 = Vector512.Load(cj + 10 * width); a11 = Vector512.Load(cj + 11 * width);
                    a12 = Vector512.Load(cj + 12 * width); a13 = Vector512.Load(cj + 13 * width); a14 = Vector512.Load(cj + 14 * width); a15 = Vector512.Load(cj + 15 * width);
                }
                else
                {
                    a0 = a1 = a2 = a3 = a4 = a5 = a6 = a7 = a8 = a9 = a10 = a11 = a12 = a13 = a14 = a15 = Vector512<float>.Zero;
                }

                for (int p = 0; p < count; p++)
                {
                    var v = Vector512.Create(values[p]);
                    float* row = b + (nint)columns[p] * n + j;
                    a0 = Vector512.FusedMultiplyAdd(Vector512.Load(row), v, a0);
                    a1 = Vector512.FusedMultiplyAdd(Vector512.Load(row + width), v, a1);
                    a2 = Vector512.FusedMultiplyAdd(Vector512.Load(row + 2 * width), v, a2);
                    a3 = Vector512.FusedMultiplyAdd(Vector512.Load(row + 3 * width), v, a3);
                    a4 = Vector512.FusedMultiplyAdd(Vector512.Load(row + 4 * width), v, a4);
                    a5 = Vector512.FusedMultiplyAdd(Vector512.Load(row + 5 * width), v, a5);
                    a6 = Vector512.FusedMultiplyAdd(Vector512.Load(row + 6 * width), v, a6);
                    a7 = Vector512.FusedMultiplyAdd(Vector512.Load(row + 7 * width), v, a7);
                    a8 = Vector512.FusedMultiplyAdd(Vector512.Load(row + 8 * width), v, a8);
                    a9 = Vector512.FusedMultiplyAdd(Vector512.Load(row + 9 * width), v, a9);
                    a10 = Vector512.FusedMultiplyAdd(Vector512.Load(row + 10 * width), v, a10);
                    a11 = Vector512.FusedMultiplyAdd(Vector512.Load(row + 11 * width), v, a11);
                    a12 = Vector512.FusedMultiplyAdd(Vector512.Load(row + 12 * width), v, a12);
                    a13 = Vector512.FusedMultiplyAdd(Vector512.Load(row + 13 * width), v, a13);
                    a14 = Vector512.FusedMultiplyAdd(Vector512.Load(row + 14 * width), v, a14);
                    a15 = Vector512.FusedMultiplyAdd(Vector512.Load(row + 15 * width), v, a15);
                }

                a0.Store(cj); a1.Store(cj + width); a2.Store(cj + 2 * width); a3.Store(cj + 3 * width);
                a4.Store(cj + 4 * width); a5.Store(cj + 5 * width); a6.Store(cj + 6 * width); a7.Store(cj + 7 * width);
                a8.Store(cj + 8 * width); a9.Store(cj + 9 * width); a10.Store(cj + 10 * width); a11.Store(cj + 11 * width);
                a12.Store(cj + 12 * width); a13.Store(cj + 13 * width); a14.Store(cj + 14 * width); a15.Store(cj + 15 * width);
            }

            for (; j <= jEnd - 8 * width; j += 8 * width)
            {
                float* cj = c + j;
                Vector512<float> a0, a1, a2, a3, a4, a5, a6, a7;
                if (accumulate)
                {
                    a0 = Vector512.Load(cj); a1 = Vector512.Load(cj + width); a2 = Vector512.Load(cj + 2 * width); a3 = Vector512.Load(cj + 3 * width);
                    a4 = Vector512.Load(cj + 4 * width); a5 = Vector512.Load(cj + 5 * width); a6 = Vector512.Load(cj + 6 * width); a7 = Vector512.Load(cj + 7 * width);
                }
                else
                {
                    a0 = a1 = a2 = a3 = a4 = a5 = a6 = a7 = Vector512<float>.Zero;
                }

                for (int p = 0; p < count; p++)
                {
                    var v = Vector512.Create(values[p]);
                    float* row = b + (nint)columns[p] * n + j;
                    a0 = Vector512.FusedMultiplyAdd(Vector512.Load(row), v, a0);
                    a1 = Vector512.FusedMultiplyAdd(Vector512.Load(row + width), v, a1);
                    a2 = Vector512.FusedMultiplyAdd(Vector512.Load(row + 2 * width), v, a2);
                    a3 = Vector512.FusedMultiplyAdd(Vector512.Load(row + 3 * width), v, a3);
                    a4 = Vector512.FusedMultiplyAdd(Vector512.Load(row + 4 * width), v, a4);
                    a5 = Vector512.FusedMultiplyAdd(Vector512.Load(row + 5 * width), v, a5);
                    a6 = Vector512.FusedMultiplyAdd(Vector512.Load(row + 6 * width), v, a6);
                    a7 = Vector512.FusedMultiplyAdd(Vector512.Load(row + 7 * width), v, a7);
                }

                a0.Store(cj); a1.Store(cj + width); a2.Store(cj + 2 * width); a3.Store(cj + 3 * width);
                a4.Store(cj + 4 * width); a5.Store(cj + 5 * width); a6.Store(cj + 6 * width); a7.Store(cj + 7 * width);
            }

            for (; j <= jEnd - width; j += width)
            {
                Vector512<float> a0 = accumulate ? Vector512.Load(c + j) : Vector512<float>.Zero;
                for (int p = 0; p < count; p++)
                    a0 = Vector512.FusedMultiplyAdd(Vector512.Load(b + (nint)columns[p] * n + j), Vector512.Create(values[p]), a0);
                a0.Store(c + j);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            const int width = 8;
            for (; j <= jEnd - 4 * width; j += 4 * width)
            {
                float* cj = c + j;
                Vector256<float> a0, a1, a2, a3;
                if (accumulate)
                {
                    a0 = Vector256.Load(cj); a1 = Vector256.Load(cj + width); a2 = Vector256.Load(cj + 2 * width); a3 = Vector256.Load(cj + 3 * width);
                }
                else
                {
                    a0 = a1 = a2 = a3 = Vector256<float>.Zero;
                }

                for (int p = 0; p < count; p++)
                {
                    var v = Vector256.Create(values[p]);
                    float* row = b + (nint)columns[p] * n + j;
                    a0 = Vector256.FusedMultiplyAdd(Vector256.Load(row), v, a0);
                    a1 = Vector256.FusedMultiplyAdd(Vector256.Load(row + width), v, a1);
                    a2 = Vector256.FusedMultiplyAdd(Vector256.Load(row + 2 * width), v, a2);
                    a3 = Vector256.FusedMultiplyAdd(Vector256.Load(row + 3 * width), v, a3);
                }

                a0.Store(cj); a1.Store(cj + width); a2.Store(cj + 2 * width); a3.Store(cj + 3 * width);
            }

            for (; j <= jEnd - width; j += width)
            {
                Vector256<float> a0 = accumulate ? Vector256.Load(c + j) : Vector256<float>.Zero;
                for (int p = 0; p < count; p++)
                    a0 = Vector256.FusedMultiplyAdd(Vector256.Load(b + (nint)columns[p] * n + j), Vector256.Create(values[p]), a0);
                a0.Store(c + j);
            }
        }

        // The last n mod 8 (or 16) columns, and every column on hardware without vectors.
        for (; j < jEnd; j++)
        {
            float sum = accumulate ? c[j] : 0f;
            for (int p = 0; p < count; p++) sum = MathF.FusedMultiplyAdd(b[(nint)columns[p] * n + j], values[p], sum);
            c[j] = sum;
        }
    }

    /// <summary>Bands of rows on the <see cref="WorkerPool"/>; one instance per calling thread, so a call allocates nothing.</summary>
    private sealed class Job : IWorkerPoolJob
    {
        [ThreadStatic]
        private static Job? t_current;

        private Operands _operands;
        private int _parts;

        public static void Run(in Operands operands, int parts)
        {
            Job job = t_current ??= new Job();
            job._operands = operands;
            job._parts = parts;
            try
            {
                WorkerPool.Shared.Run(job, parts);
            }
            finally
            {
                job._operands = default;
            }
        }

        public void Execute(int part)
        {
            int start = _operands.PartStart(part, _parts), end = _operands.PartStart(part + 1, _parts);
            if (start < end) _operands.ComputeRows(start, end);
        }
    }
}
