using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Microsoft.ML.Autoencoders.Engine.Tensors;

namespace Microsoft.ML.Autoencoders.Engine.Kernels;

/// <summary>
/// The first layer's two products when its input batch A is mostly zeros, visiting only the nonzeros that a
/// <see cref="NonzeroMask"/> marks: the forward product C = A·B and the weight gradient C = Aᵀ·D. Held to
/// <see cref="GemmReference"/> by tests.
/// </summary>
/// <remarks>
/// <para>
/// Each output row is a sum of rows of B (of D) scaled by the nonzeros of one row (one column) of A. Summing rows of B
/// one nonzero at a time loads a row of B per 16 multiply-adds and runs at the speed of the L2 cache, so output rows are
/// built in pairs: one load of a row of B feeds both, over the union of the pair's nonzeros (a value that is zero in
/// one of the two simply adds zero). Neighbouring pixels are lit together, so for the weight gradient (pairs of pixels)
/// 85 % of the union's multiply-adds are useful on MNIST; for the forward product (pairs of images) 66 %.
/// </para>
/// <para>
/// A pair's 2 × 128 columns live in sixteen Vector512 registers; B is visited in blocks of rows small enough to stay in
/// L2. Threads take bands of whole pairs, so every output is summed in the same order whatever the thread count:
/// results are bit-identical for any number of threads.
/// </para>
/// </remarks>
internal static unsafe class SparseDenseGemm
{
    /// <summary>
    /// Above this share of nonzeros the dense GEMM is taken. On the first layer's shape (256×784 by 784×256, AVX-512,
    /// 2 threads, random nonzeros) the first, row-at-a-time version of these products cost what the dense GEMM does
    /// between 30 % and 40 %; the paired products are faster, so the bound is on the safe side. MNIST (19 %) is well
    /// below it: docs/benchmarks.md has the epoch and inference figures with the path on and off.
    /// </summary>
    public const double MaxDensity = 0.30;

    /// <summary>Below this many multiply-adds per extra thread, waking a worker costs more than it saves.</summary>
    private const long MinWorkPerThread = 1L << 19;

    /// <summary>
    /// Floats of B per cache block (64 KB, 64 rows of a 256-wide B): little more than an L1, so most of the rows a pair
    /// visits are still there from the pairs before it. Measured on Zen 5 (one thread, MNIST's first 256 test images, a
    /// 784 × 256 B, the sizes alternating in one process over 20 rounds): the forward product took 0.87 and the weight
    /// gradient 0.92 of the time they took with 256 KB blocks (a quarter of a Zen 4 L2), 128 KB blocks 0.99 and 1.02.
    /// Blocks only cut where each output's chain of FMAs is stored and reloaded, so they do not change a bit.
    /// </summary>
    private const int DepthBlockFloats = 1 << 14;

    /// <summary>
    /// A dense layer's forward pass over a mostly-zero input: c[m, n] = a·b + bias with a [m, k] (its nonzeros marked by
    /// <paramref name="mask"/>) and b [k, n], and activated = f(c) when it is not empty (the dense GEMM's epilogue).
    /// </summary>
    public static void MultiplyAddBias(NonzeroMask mask, ReadOnlySpan<float> a, ReadOnlySpan<float> b, int n, ReadOnlySpan<float> bias,
        Span<float> c, Activation activation, float slope, Span<float> activated, int threads)
    {
        int m = mask.Rows, k = mask.Columns;
        Check(a, m * (long)k, b, k * (long)n, c, m * (long)n);
        if (bias.Length < n) throw new ArgumentException($"The bias holds {bias.Length} values but C has {n} columns.", nameof(bias));
        if (!activated.IsEmpty && activated.Length < (long)m * n) throw new ArgumentException("activated is smaller than C.", nameof(activated));
        if (m == 0 || n == 0) return;
        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c)
        fixed (ulong* bits = mask.RowBitsArray)
        fixed (float* pBias = bias)
        fixed (float* pActivated = activated)
        {
            // Output row r reads row r of A (stride 1 along the depth) and is marked by row r's bits.
            var product = new Product(pa, k, 1, bits, mask.WordsPerRow, m, k, pb, pc, n, accumulate: false,
                new GemmEpilogue(pBias, activation, slope, activated.IsEmpty ? null : pActivated, n));
            Run(product, mask.Count, threads);
        }
    }

    /// <summary>
    /// The weight gradient over a mostly-zero input: c[k, n] = aᵀ·d (or c += aᵀ·d when <paramref name="accumulate"/>),
    /// with a [m, k] (its nonzeros marked by <paramref name="mask"/>) and d [m, n].
    /// </summary>
    public static void MultiplyTransposed(NonzeroMask mask, ReadOnlySpan<float> a, ReadOnlySpan<float> d, int n, Span<float> c, bool accumulate, int threads)
    {
        int m = mask.Rows, k = mask.Columns;
        Check(a, m * (long)k, d, m * (long)n, c, k * (long)n);
        if (k == 0 || n == 0) return;
        mask.EnsureColumnBits(threads);
        fixed (float* pa = a)
        fixed (float* pd = d)
        fixed (float* pc = c)
        fixed (ulong* bits = mask.ColumnBitsArray)
        {
            // Output row j (a column of A) reads column j of A (stride k along the depth) and is marked by column j's bits.
            var product = new Product(pa, 1, k, bits, mask.WordsPerColumn, k, m, pd, pc, n, accumulate, default);
            Run(product, mask.Count, threads);
        }
    }

    private static void Check(ReadOnlySpan<float> a, long aLength, ReadOnlySpan<float> b, long bLength, Span<float> c, long cLength)
    {
        if (a.Length < aLength) throw new ArgumentException($"A must hold {aLength} values.", nameof(a));
        if (b.Length < bLength) throw new ArgumentException($"B must hold {bLength} values.", nameof(b));
        if (c.Length < cLength) throw new ArgumentException($"C must hold {cLength} values.", nameof(c));
    }

    private static void Run(in Product product, int nonzeros, int threads)
    {
        long work = (long)nonzeros * product.N;
        int parts = (int)Math.Clamp(work / MinWorkPerThread, 1, Math.Min(threads, WorkerPool.Shared.MaxParallelism));
        // Bands of whole pairs: every output row is summed by one thread, in one order.
        if (parts == 1) product.Execute(0, product.Pairs);
        else BalancedBands.Run(product, parts);
    }

    /// <summary>
    /// Cuts the pairs into one share of equal work per part rather than equal count: rows differ in nonzeros (MNIST's
    /// border pixels are never lit, its centre ones often). A pair's work is its union's nonzeros plus a fixed share for
    /// loading and storing its output rows. Each share is a head and two tails of a fifth of its work: a part that is done
    /// takes the others' tails (<see cref="ChunkSchedule"/>), so a slower core does less; a pair's sums do not depend on
    /// who computes it. Each chunk reads all of B again, so a share is not cut finer than that.
    /// </summary>
    private sealed class BalancedBands : IWorkerPoolJob
    {
        /// <summary>The cost of a pair's loads, stores and epilogue, in nonzeros' worth of multiply-adds.</summary>
        private const int PairOverhead = 8;

        /// <summary>Chunks per part: a head and two tails of <see cref="ChunkSchedule.TailShare"/>.</summary>
        private const int ChunksPerPart = ChunkSchedule.MostChunksPerPart;

        [ThreadStatic]
        private static BalancedBands? t_current;

        private readonly int[] _bounds = new int[WorkerPool.Shared.MaxParallelism * ChunksPerPart + 1];
        private readonly ChunkSchedule _schedule = new(WorkerPool.Shared.MaxParallelism);
        private Product _product;

        public static void Run(in Product product, int parts)
        {
            BalancedBands job = t_current ??= new BalancedBands();
            job._product = product;
            int pairs = product.Pairs;
            long total = 0;
            for (int pair = 0; pair < pairs; pair++) total += product.PairWork(pair) + PairOverhead;
            // Chunk c ends where the work done reaches its target: part p's share is [p, p + 1) / parts of the total, its
            // head the first 1 − 2·TailShare of it, each tail TailShare.
            int chunks = parts * ChunksPerPart;
            job._bounds[0] = 0;
            long done = 0;
            int next = 0;
            for (int chunk = 1; chunk < chunks; chunk++)
            {
                int part = chunk / ChunksPerPart, piece = chunk % ChunksPerPart;
                double fraction = piece == 0 ? 0 : 1 - (ChunksPerPart - piece) * ChunkSchedule.TailShare;
                long target = (long)(total * (part + fraction) / parts);
                while (next < pairs && done < target) done += product.PairWork(next++) + PairOverhead;
                job._bounds[chunk] = next;
            }

            job._bounds[chunks] = pairs;
            job._schedule.Split(chunks, parts);
            try
            {
                WorkerPool.Shared.Run(job, parts);
            }
            finally
            {
                job._product = default;
            }
        }

        public void Execute(int part)
        {
            while (_schedule.TryTake(part, out int chunk))
            {
                int start = _bounds[chunk], end = _bounds[chunk + 1];
                if (start < end) _product.Execute(start, end);
            }
        }
    }

    /// <summary>
    /// C[row, :] (+)= Σ_i value(row, i)·B[i, :] over the i marked in row's bits, for every output row. value(row, i) is
    /// <c>a[row·rowStride + i·depthStride]</c>: a row of A for the forward product, a column of A for the gradient.
    /// </summary>
    private readonly struct Product(float* a, int rowStride, int depthStride, ulong* bits, int wordsPerRow, int rows, int depth,
        float* b, float* c, int n, bool accumulate, GemmEpilogue epilogue) : IRangeKernel
    {
        public int N => n;

        /// <summary>Output rows taken two at a time (the last alone when there is an odd one).</summary>
        public int Pairs => (rows + 1) / 2;

        /// <summary>The nonzeros a pair visits: the union of its two rows' bits.</summary>
        public int PairWork(int pair)
        {
            int row = 2 * pair;
            ulong* bits0 = bits + (nint)row * wordsPerRow, bits1 = row + 1 < rows ? bits0 + wordsPerRow : bits0;
            int count = 0;
            for (int w = 0; w < wordsPerRow; w++) count += BitOperations.PopCount(bits0[w] | bits1[w]);
            return count;
        }

        /// <summary>Computes pairs [<paramref name="firstPair"/>, <paramref name="endPair"/>) of output rows.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Execute(int firstPair, int endPair)
        {
            // Depth blocks outermost: the rows of B a block reads stay in this core's caches while every pair takes its share.
            int depthBlock = Math.Max(64, DepthBlockFloats / Math.Max(1, n) / 64 * 64);
            for (int depthStart = 0; depthStart < depth; depthStart += depthBlock)
            {
                int wordStart = depthStart / 64, wordEnd = Math.Min(wordsPerRow, (depthStart + depthBlock) / 64);
                bool add = accumulate || depthStart > 0, last = depthStart + depthBlock >= depth;
                for (int pair = firstPair; pair < endPair; pair++)
                {
                    int row = 2 * pair;
                    ulong* bits0 = bits + (nint)row * wordsPerRow;
                    if (row + 1 < rows)
                    {
                        PairRows(a + (nint)row * rowStride, a + (nint)(row + 1) * rowStride, depthStride, bits0, bits0 + wordsPerRow,
                            wordStart, wordEnd, b, n, c + (nint)row * n, c + (nint)(row + 1) * n, add);
                    }
                    else
                    {
                        // An odd last row pairs with itself: its second result is thrown away, its first is the same sum.
                        PairRows(a + (nint)row * rowStride, a + (nint)row * rowStride, depthStride, bits0, bits0,
                            wordStart, wordEnd, b, n, c + (nint)row * n, null, add);
                    }

                    if (last && !epilogue.IsEmpty) epilogue.Apply(c, n, row, Math.Min(row + 2, rows), 0, n);
                }
            }
        }
    }

    /// <summary>
    /// c0 (+)= Σ_i a0[i·stride]·b[i, :] and c1 (+)= Σ_i a1[i·stride]·b[i, :] over i in words [wordStart, wordEnd) of
    /// bits0 | bits1; c1 may be null (an odd last row), then only c0 is written.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PairRows(float* a0, float* a1, int stride, ulong* bits0, ulong* bits1, int wordStart, int wordEnd,
        float* b, int n, float* c0, float* c1, bool add)
    {
        int j = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            const int width = 16;
            for (; j <= n - 8 * width; j += 8 * width)
            {
                Vector512<float> x0, x1, x2, x3, x4, x5, x6, x7, y0, y1, y2, y3, y4, y5, y6, y7;
                float* p0 = c0 + j;
                if (add)
                {
                    x0 = Vector512.Load(p0); x1 = Vector512.Load(p0 + width); x2 = Vector512.Load(p0 + 2 * width); x3 = Vector512.Load(p0 + 3 * width);
                    x4 = Vector512.Load(p0 + 4 * width); x5 = Vector512.Load(p0 + 5 * width); x6 = Vector512.Load(p0 + 6 * width); x7 = Vector512.Load(p0 + 7 * width);
                }
                else
                {
                    x0 = x1 = x2 = x3 = x4 = x5 = x6 = x7 = Vector512<float>.Zero;
                }

                if (c1 != null && add)
                {
                    float* p1 = c1 + j;
                    y0 = Vector512.Load(p1); y1 = Vector512.Load(p1 + width); y2 = Vector512.Load(p1 + 2 * width); y3 = Vector512.Load(p1 + 3 * width);
                    y4 = Vector512.Load(p1 + 4 * width); y5 = Vector512.Load(p1 + 5 * width); y6 = Vector512.Load(p1 + 6 * width); y7 = Vector512.Load(p1 + 7 * width);
                }
                else
                {
                    y0 = y1 = y2 = y3 = y4 = y5 = y6 = y7 = Vector512<float>.Zero;
                }

                for (int w = wordStart; w < wordEnd; w++)
                {
                    for (ulong word = bits0[w] | bits1[w]; word != 0; word &= word - 1)
                    {
                        nint i = w * 64 + BitOperations.TrailingZeroCount(word);
                        var v0 = Vector512.Create(a0[i * stride]);
                        var v1 = Vector512.Create(a1[i * stride]);
                        float* row = b + i * n + j;
                        var l = Vector512.Load(row); x0 = Vector512.FusedMultiplyAdd(l, v0, x0); y0 = Vector512.FusedMultiplyAdd(l, v1, y0);
                        l = Vector512.Load(row + width); x1 = Vector512.FusedMultiplyAdd(l, v0, x1); y1 = Vector512.FusedMultiplyAdd(l, v1, y1);
                        l = Vector512.Load(row + 2 * width); x2 = Vector512.FusedMultiplyAdd(l, v0, x2); y2 = Vector512.FusedMultiplyAdd(l, v1, y2);
                        l = Vector512.Load(row + 3 * width); x3 = Vector512.FusedMultiplyAdd(l, v0, x3); y3 = Vector512.FusedMultiplyAdd(l, v1, y3);
                        l = Vector512.Load(row + 4 * width); x4 = Vector512.FusedMultiplyAdd(l, v0, x4); y4 = Vector512.FusedMultiplyAdd(l, v1, y4);
                        l = Vector512.Load(row + 5 * width); x5 = Vector512.FusedMultiplyAdd(l, v0, x5); y5 = Vector512.FusedMultiplyAdd(l, v1, y5);
                        l = Vector512.Load(row + 6 * width); x6 = Vector512.FusedMultiplyAdd(l, v0, x6); y6 = Vector512.FusedMultiplyAdd(l, v1, y6);
                        l = Vector512.Load(row + 7 * width); x7 = Vector512.FusedMultiplyAdd(l, v0, x7); y7 = Vector512.FusedMultiplyAdd(l, v1, y7);
                    }
                }

                x0.Store(p0); x1.Store(p0 + width); x2.Store(p0 + 2 * width); x3.Store(p0 + 3 * width);
                x4.Store(p0 + 4 * width); x5.Store(p0 + 5 * width); x6.Store(p0 + 6 * width); x7.Store(p0 + 7 * width);
                if (c1 != null)
                {
                    float* p1 = c1 + j;
                    y0.Store(p1); y1.Store(p1 + width); y2.Store(p1 + 2 * width); y3.Store(p1 + 3 * width);
                    y4.Store(p1 + 4 * width); y5.Store(p1 + 5 * width); y6.Store(p1 + 6 * width); y7.Store(p1 + 7 * width);
                }
            }
        }

        // The remaining columns, a vector at a time and then one at a time, in the same order of nonzeros.
        int step = Vector<float>.Count;
        for (; j <= n - step; j += step)
        {
            Vector<float> x = add ? Vector.Load(c0 + j) : Vector<float>.Zero;
            Vector<float> y = add && c1 != null ? Vector.Load(c1 + j) : Vector<float>.Zero;
            for (int w = wordStart; w < wordEnd; w++)
            {
                for (ulong word = bits0[w] | bits1[w]; word != 0; word &= word - 1)
                {
                    nint i = w * 64 + BitOperations.TrailingZeroCount(word);
                    var l = Vector.Load(b + i * n + j);
                    x = Vector.FusedMultiplyAdd(l, new Vector<float>(a0[i * stride]), x);
                    y = Vector.FusedMultiplyAdd(l, new Vector<float>(a1[i * stride]), y);
                }
            }

            x.Store(c0 + j);
            if (c1 != null) y.Store(c1 + j);
        }

        for (; j < n; j++)
        {
            float x = add ? c0[j] : 0f, y = add && c1 != null ? c1[j] : 0f;
            for (int w = wordStart; w < wordEnd; w++)
            {
                for (ulong word = bits0[w] | bits1[w]; word != 0; word &= word - 1)
                {
                    nint i = w * 64 + BitOperations.TrailingZeroCount(word);
                    float l = b[i * n + j];
                    x = MathF.FusedMultiplyAdd(l, a0[i * stride], x);
                    y = MathF.FusedMultiplyAdd(l, a1[i * stride], y);
                }
            }

            c0[j] = x;
            if (c1 != null) c1[j] = y;
        }
    }
}
