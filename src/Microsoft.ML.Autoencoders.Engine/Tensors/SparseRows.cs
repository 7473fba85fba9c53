using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Microsoft.ML.Autoencoders.Engine.Kernels;

namespace Microsoft.ML.Autoencoders.Engine.Tensors;

/// <summary>
/// The nonzero values of a row-major matrix, row by row (compressed sparse rows): row r's values are
/// <c>Values[RowStarts[r] .. RowStarts[r + 1]]</c> at columns <c>ColumnIndices[...]</c>, in increasing column order.
/// Images with a background (MNIST is 81 % exact zeros) reach the first layer in this form, so its two products
/// touch only the pixels that are lit. Buffers are sized once; compressing allocates nothing.
/// </summary>
public sealed class SparseRows
{
    private readonly int[] _rowStarts;
    private readonly int[] _columnIndices;
    private readonly float[] _values;
    private SparseRows? _transposed;
    private int[]? _cursors;
    private bool _transposedIsCurrent;

    /// <summary>Makes room for up to <paramref name="maxRows"/> rows and <paramref name="capacity"/> nonzeros.</summary>
    public SparseRows(int maxRows, int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxRows);
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        _rowStarts = new int[maxRows + 1];
        // Sixteen spare slots: the vector compressor stores whole registers past the last value it keeps.
        _columnIndices = new int[capacity + 16];
        _values = new float[capacity + 16];
        Capacity = capacity;
    }

    /// <summary>Rows of the matrix held now.</summary>
    public int Rows { get; private set; }

    /// <summary>Columns of the matrix held now.</summary>
    public int Columns { get; private set; }

    /// <summary>Nonzeros held now.</summary>
    public int Count { get; private set; }

    /// <summary>The most nonzeros this instance can hold.</summary>
    public int Capacity { get; }

    /// <summary>Where each row's nonzeros start (Rows + 1 entries, the last one is <see cref="Count"/>).</summary>
    public ReadOnlySpan<int> RowStarts => _rowStarts.AsSpan(0, Rows + 1);

    /// <summary>The column of each nonzero.</summary>
    public ReadOnlySpan<int> ColumnIndices => _columnIndices.AsSpan(0, Count);

    /// <summary>The nonzero values.</summary>
    public ReadOnlySpan<float> Values => _values.AsSpan(0, Count);

    /// <summary>
    /// Holds the nonzeros of <paramref name="dense"/> ([rows, columns], row-major); false, leaving this instance
    /// empty, as soon as there are more than <see cref="Capacity"/> of them (the caller then keeps the dense form).
    /// NaN counts as nonzero, so it propagates as it would through a dense product. With <paramref name="threads"/> above
    /// one, each thread compresses a band of rows into its share of the capacity and the bands are then closed up, so
    /// a batch whose nonzeros crowd into one band can be refused below the capacity (the dense form is then kept).
    /// </summary>
    public unsafe bool TryCompress(ReadOnlySpan<float> dense, int rows, int columns, int threads = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(columns);
        if (rows > _rowStarts.Length - 1) throw new ArgumentOutOfRangeException(nameof(rows), rows, $"This instance holds at most {_rowStarts.Length - 1} rows.");
        if (dense.Length < (long)rows * columns) throw new ArgumentException($"{rows}×{columns} values needed, {dense.Length} given.", nameof(dense));
        _transposedIsCurrent = false;
        // A second thread pays for its wake-up from about 100,000 values on.
        int parts = (long)rows * columns < 100_000 ? 1 : Math.Clamp(Math.Min(threads, rows), 1, WorkerPool.Shared.MaxParallelism);
        Span<int> ends = stackalloc int[parts];
        fixed (float* source = dense)
        fixed (int* rowStarts = _rowStarts)
        fixed (int* indices = _columnIndices)
        fixed (float* values = _values)
        fixed (int* partEnds = ends)
        {
            var job = new CompressJob(source, rows, columns, Capacity, rowStarts, indices, values, partEnds);
            if (parts == 1) job.Execute(0, 1);
            else CompressJob.Run(job, parts);

            // Close up the bands: band p starts at its share of the capacity; move it down to where band p - 1 ends.
            int count = 0;
            for (int part = 0; part < parts; part++)
            {
                if (ends[part] < 0) return Fail();
                int regionStart = CompressJob.RegionStart(part, parts, Capacity), found = ends[part] - regionStart;
                if (regionStart != count)
                {
                    new Span<int>(indices + regionStart, found).CopyTo(new Span<int>(indices + count, found));
                    new Span<float>(values + regionStart, found).CopyTo(new Span<float>(values + count, found));
                    int shift = regionStart - count;
                    for (int r = CompressJob.FirstRow(part, parts, rows), last = CompressJob.FirstRow(part + 1, parts, rows); r < last; r++)
                        rowStarts[r] -= shift;
                }

                count += found;
            }

            rowStarts[rows] = count;
            Rows = rows;
            Columns = columns;
            Count = count;
        }

        return true;
    }

    /// <summary>One compression's pointers; part p compresses a band of rows into its own share of the capacity.</summary>
    private readonly unsafe struct CompressJob(float* source, int rows, int columns, int capacity, int* rowStarts, int* indices, float* values, int* partEnds)
    {
        public static int FirstRow(int part, int parts, int rows) => (int)((long)rows * part / parts);

        public static int RegionStart(int part, int parts, int capacity) => (int)((long)capacity * part / parts);

        /// <summary>Writes band <paramref name="part"/>'s row starts and entries; its end position, or -1 when its share overflowed.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Execute(int part, int parts)
        {
            int count = RegionStart(part, parts, capacity), limit = RegionStart(part + 1, parts, capacity);
            partEnds[part] = -1;
            for (int r = FirstRow(part, parts, rows), last = FirstRow(part + 1, parts, rows); r < last; r++)
            {
                rowStarts[r] = count;
                float* row = source + (nint)r * columns;
                int c = 0;
                if (Avx512F.IsSupported)
                {
                    // Sixteen at a time: one compare finds the lit values, VCOMPRESSPS packs them (and their column
                    // numbers) into a register stored whole. The lanes past the count land in the next band's share (or
                    // the arrays' 16 spare slots), so within 16 of its limit a band finishes the row exactly, below.
                    var columnNumbers = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
                    for (; c <= columns - 16 && count <= limit - 16; c += 16)
                    {
                        var chunk = Vector512.Load(row + c);
                        var lit = ~Vector512.Equals(chunk, Vector512<float>.Zero);
                        int found = BitOperations.PopCount(lit.ExtractMostSignificantBits());
                        if (found == 0) continue;
                        if (count + found > limit) return;
                        Avx512F.Compress(Vector512<float>.Zero, lit, chunk).Store(values + count);
                        Avx512F.Compress(Vector512<int>.Zero, lit.AsInt32(), columnNumbers + Vector512.Create(c)).Store(indices + count);
                        count += found;
                    }
                }

                for (; c <= columns - Vector256<float>.Count; c += Vector256<float>.Count)
                {
                    uint lit = ~Vector256.Equals(Vector256.Load(row + c), Vector256<float>.Zero).ExtractMostSignificantBits() & 0xFFu;
                    if (lit == 0) continue;
                    if (count + BitOperations.PopCount(lit) > limit) return;
                    while (lit != 0)
                    {
                        int bit = BitOperations.TrailingZeroCount(lit);
                        indices[count] = c + bit;
                        values[count++] = row[c + bit];
                        lit &= lit - 1;
                    }
                }

                for (; c < columns; c++)
                {
                    if (row[c] == 0f) continue;
                    if (count == limit) return;
                    indices[count] = c;
                    values[count++] = row[c];
                }
            }

            partEnds[part] = count;
        }

        public static void Run(in CompressJob job, int parts)
        {
            Runner runner = t_runner ??= new Runner();
            runner.Job = job;
            runner.Parts = parts;
            try
            {
                WorkerPool.Shared.Run(runner, parts);
            }
            finally
            {
                runner.Job = default;
            }
        }

        [ThreadStatic]
        private static Runner? t_runner;

        /// <summary>The pool's handle on a job; one per calling thread, so a compression allocates nothing.</summary>
        private sealed class Runner : IWorkerPoolJob
        {
            public CompressJob Job;
            public int Parts;

            public void Execute(int part) => Job.Execute(part, Parts);
        }
    }

    /// <summary>
    /// The same matrix transposed, in the same form (so its rows are this one's columns), built on first request
    /// after each <see cref="TryCompress"/> into buffers kept for the next time, on up to <paramref name="threads"/>
    /// threads. A weight gradient Xᵀ·dY reads it.
    /// </summary>
    public SparseRows Transposed(int threads = 1)
    {
        if (_transposed == null || _transposed._rowStarts.Length < Columns + 1) _transposed = new SparseRows(Columns, Capacity);
        if (!_transposedIsCurrent)
        {
            _transposed.TransposeFrom(this, threads);
            _transposedIsCurrent = true;
        }

        return _transposed;
    }

    /// <summary>
    /// A counting sort by column. Each part takes a band of columns (rows of the result) and finds its entries in every
    /// source row by binary search (a row's columns are sorted), so the parts write disjoint ranges and each keeps only
    /// half the scattered writes in its cache; walking the source rows in order leaves every new row sorted.
    /// </summary>
    private unsafe void TransposeFrom(SparseRows source, int threads)
    {
        int rows = source.Columns;
        _cursors ??= new int[_rowStarts.Length];
        if (_cursors.Length < rows) _cursors = new int[rows];
        fixed (int* starts = _rowStarts)
        fixed (int* cursors = _cursors)
        fixed (int* indices = _columnIndices)
        fixed (float* values = _values)
        fixed (int* sourceStarts = source._rowStarts)
        fixed (int* sourceIndices = source._columnIndices)
        fixed (float* sourceValues = source._values)
        {
            var job = new TransposeJob(source.Rows, rows, sourceStarts, sourceIndices, sourceValues, starts, cursors, indices, values);
            // Worth a second thread only for real batches: a wake-up costs about what 10,000 entries do.
            int parts = source.Count < 10_000 ? 1 : Math.Clamp(threads, 1, WorkerPool.Shared.MaxParallelism);
            if (parts == 1) job.Execute(0, 1);
            else TransposeJob.Run(job, parts);
            starts[rows] = source.Count;
        }

        Rows = rows;
        Columns = source.Rows;
        Count = source.Count;
    }

    /// <summary>The first of columns[start..end) that is at least <paramref name="column"/> (end if none is).</summary>
    internal static unsafe int LowerBound(int* columns, int start, int end, int column)
    {
        while (start < end)
        {
            int middle = (start + end) >>> 1;
            if (columns[middle] < column) start = middle + 1;
            else end = middle;
        }

        return start;
    }

    /// <summary>One transposition's pointers, and the band of result rows each part builds.</summary>
    private readonly unsafe struct TransposeJob(int sourceRows, int rows, int* sourceStarts, int* sourceIndices, float* sourceValues,
        int* starts, int* cursors, int* indices, float* values)
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Execute(int part, int parts)
        {
            int first = (int)((long)rows * part / parts), last = (int)((long)rows * (part + 1) / parts);
            if (first == last) return;
            // Count this band's entries per column, and all entries left of it: where the band starts in the result.
            new Span<int>(cursors + first, last - first).Clear();
            int before = 0;
            for (int r = 0; r < sourceRows; r++)
            {
                int start = sourceStarts[r], end = sourceStarts[r + 1];
                int from = first == 0 ? start : LowerBound(sourceIndices, start, end, first);
                int to = last == rows ? end : LowerBound(sourceIndices, from, end, last);
                before += from - start;
                for (int i = from; i < to; i++) cursors[sourceIndices[i]]++;
            }

            int bandStart = before;
            for (int c = first; c < last; c++)
            {
                int count = cursors[c];
                starts[c] = cursors[c] = before;
                before += count;
            }

            // Bring the band's part of the result into cache in one sequential sweep: scattered into cold memory, every
            // write below would wait for its cache line (measured in a training step: 180 µs for MNIST's 42,000 entries).
            new Span<int>(indices + bandStart, before - bandStart).Clear();
            new Span<float>(values + bandStart, before - bandStart).Clear();

            for (int r = 0; r < sourceRows; r++)
            {
                int start = sourceStarts[r], end = sourceStarts[r + 1];
                int from = first == 0 ? start : LowerBound(sourceIndices, start, end, first);
                int to = last == rows ? end : LowerBound(sourceIndices, from, end, last);
                for (int i = from; i < to; i++)
                {
                    int slot = cursors[sourceIndices[i]]++;
                    indices[slot] = r;
                    values[slot] = sourceValues[i];
                }
            }
        }

        public static void Run(in TransposeJob job, int parts)
        {
            Runner runner = t_runner ??= new Runner();
            runner.Job = job;
            runner.Parts = parts;
            try
            {
                WorkerPool.Shared.Run(runner, parts);
            }
            finally
            {
                runner.Job = default;
            }
        }

        [ThreadStatic]
        private static Runner? t_runner;

        /// <summary>The pool's handle on a job; one per calling thread, so a transposition allocates nothing.</summary>
        private sealed class Runner : IWorkerPoolJob
        {
            public TransposeJob Job;
            public int Parts;

            public void Execute(int part) => Job.Execute(part, Parts);
        }
    }

    private bool Fail()
    {
        Rows = 0;
        Columns = 0;
        Count = 0;
        _rowStarts[0] = 0;
        return false;
    }
}
