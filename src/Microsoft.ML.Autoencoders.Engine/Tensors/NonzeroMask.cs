using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Microsoft.ML.Autoencoders.Engine.Kernels;

namespace Microsoft.ML.Autoencoders.Engine.Tensors;

/// <summary>
/// Which values of a row-major batch are nonzero: one bit per value, row by row, and on request column by column.
/// The values themselves stay where they are, in the dense batch. Images with a background (MNIST is 81 % exact zeros)
/// reach the first layer with this mask, so its two products visit only the lit pixels (<see cref="SparseDenseGemm"/>).
/// Buffers are sized once; building allocates nothing.
/// </summary>
public sealed class NonzeroMask
{
    private readonly ulong[] _rowBits;
    private ulong[] _columnBits = [];
    private bool _columnBitsAreCurrent;

    /// <summary>Makes room for up to <paramref name="maxRows"/> rows of <paramref name="maxColumns"/> values.</summary>
    /// <param name="maxRows">The most rows a batch will have.</param>
    /// <param name="maxColumns">The most values per row.</param>
    /// <param name="maxNonzeros">The most nonzeros worth keeping a mask for: denser batches are refused.</param>
    public NonzeroMask(int maxRows, int maxColumns, int maxNonzeros)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxRows);
        ArgumentOutOfRangeException.ThrowIfNegative(maxColumns);
        ArgumentOutOfRangeException.ThrowIfNegative(maxNonzeros);
        MaxRows = maxRows;
        MaxColumns = maxColumns;
        MaxNonzeros = maxNonzeros;
        _rowBits = new ulong[checked(maxRows * WordsFor(maxColumns))];
    }

    /// <summary>The most rows a batch may have.</summary>
    public int MaxRows { get; }

    /// <summary>The most values per row.</summary>
    public int MaxColumns { get; }

    /// <summary>The most nonzeros <see cref="TryBuild"/> accepts.</summary>
    public int MaxNonzeros { get; }

    /// <summary>Rows of the batch described now.</summary>
    public int Rows { get; private set; }

    /// <summary>Values per row of the batch described now.</summary>
    public int Columns { get; private set; }

    /// <summary>Nonzeros in the batch described now.</summary>
    public int Count { get; private set; }

    /// <summary>64-bit words per row's bits.</summary>
    public int WordsPerRow => WordsFor(Columns);

    /// <summary>64-bit words per column's bits (one bit per row).</summary>
    public int WordsPerColumn => WordsFor(Rows);

    /// <summary>Row <paramref name="row"/>'s bits: bit c of word c / 64 is set when value (row, c) is nonzero.</summary>
    public ReadOnlySpan<ulong> RowBits(int row) => _rowBits.AsSpan(row * WordsPerRow, WordsPerRow);

    /// <summary>
    /// Describes <paramref name="dense"/> ([rows, columns], row-major); false, describing nothing, when it holds more than
    /// <see cref="MaxNonzeros"/> nonzeros (the caller then keeps to the dense path). NaN counts as nonzero.
    /// </summary>
    public unsafe bool TryBuild(ReadOnlySpan<float> dense, int rows, int columns, int threads = 1)
    {
        CheckShape(rows, columns);
        if (dense.Length < (long)rows * columns) throw new ArgumentException($"{rows}×{columns} values needed, {dense.Length} given.", nameof(dense));
        fixed (float* values = dense)
        {
            return Build(values, null, null, rows, columns, threads);
        }
    }

    /// <summary>
    /// Copies the rows of <paramref name="source"/> listed in <paramref name="rows"/> into consecutive rows of
    /// <paramref name="destination"/> and describes them as <see cref="TryBuild"/> would, in one pass: each row is marked
    /// while it is still in cache from the copy. The copy is always complete, whatever is returned.
    /// </summary>
    public unsafe bool TryBuildGathered(ReadOnlySpan<float> source, ReadOnlySpan<int> rows, int columns, Span<float> destination, int threads = 1)
    {
        CheckShape(rows.Length, columns);
        if (destination.Length < (long)rows.Length * columns) throw new ArgumentException("The destination is smaller than the rows.", nameof(destination));
        RowGather.CheckRows(source, rows, columns);
        fixed (float* pSource = source)
        fixed (int* pRows = rows)
        fixed (float* pDestination = destination)
        {
            return Build(pDestination, pSource, pRows, rows.Length, columns, threads);
        }
    }

    private void CheckShape(int rows, int columns)
    {
        if ((uint)rows > (uint)MaxRows) throw new ArgumentOutOfRangeException(nameof(rows), rows, $"This mask holds at most {MaxRows} rows.");
        if ((uint)columns > (uint)MaxColumns) throw new ArgumentOutOfRangeException(nameof(columns), columns, $"This mask holds at most {MaxColumns} columns.");
    }

    /// <summary>Marks the rows at <paramref name="values"/>, first gathering them there when <paramref name="gatherRows"/> is given.</summary>
    private unsafe bool Build(float* values, float* gatherSource, int* gatherRows, int rows, int columns, int threads)
    {
        _columnBitsAreCurrent = false;
        Rows = rows;
        Columns = columns;
        long count = 0;
        fixed (ulong* bits = _rowBits)
        {
            // Rows are independent: each part marks a band of them and adds its nonzeros to the (integer, so
            // order-free) total. Copying a row from memory costs more than marking it, so gathering splits sooner.
            ParallelRange.Run(rows, threads, new MarkRows(values, columns, gatherSource, gatherRows, bits, WordsPerRow, &count),
                grain: 1, minPerThread: Math.Max(1, (gatherRows != null ? 32 : 64) * 1024 / Math.Max(1, columns)));
        }

        if (count > MaxNonzeros)
        {
            Rows = Columns = 0;
            Count = 0;
            return false;
        }

        Count = (int)count;
        return true;
    }

    /// <summary>
    /// Marks rows [start, end) of <c>values</c> and adds their nonzeros to the total; with <c>rows</c> given, first copies
    /// each of them there from <c>source</c> (<see cref="RowGather"/>).
    /// </summary>
    private readonly unsafe struct MarkRows(float* values, int columns, float* source, int* rows, ulong* bits, int words, long* total) : IRangeKernel
    {
        private bool Gathers => rows != null;

        public void Execute(int start, int end)
        {
            if (Gathers) RowGather.Start(source, rows, columns, start, end);
            long count = 0;
            for (int r = start; r < end; r++)
            {
                if (Gathers) RowGather.Copy(source, rows, columns, values, r, end);
                float* row = values + (nint)r * columns;
                ulong* rowBits = bits + (nint)r * words;
                for (int w = 0; w < words; w++)
                {
                    ulong word = LitBits(row + w * 64, Math.Min(64, columns - w * 64));
                    rowBits[w] = word;
                    count += BitOperations.PopCount(word);
                }
            }

            Interlocked.Add(ref *total, count);
        }
    }

    /// <summary>
    /// Column <paramref name="column"/>'s bits (bit r of word r / 64 set when value (r, column) is nonzero), built for
    /// all columns on the first request after each <see cref="TryBuild"/>. A weight gradient Xᵀ·dY reads them.
    /// </summary>
    public ReadOnlySpan<ulong> ColumnBits(int column)
    {
        EnsureColumnBits();
        return _columnBits.AsSpan(column * WordsPerColumn, WordsPerColumn);
    }

    /// <summary>Transposes the row bits into column bits, each thread a band of 64-column words (microseconds for MNIST).</summary>
    internal unsafe void EnsureColumnBits(int threads = 1)
    {
        if (_columnBitsAreCurrent) return;
        int length = Columns * WordsPerColumn;
        if (_columnBits.Length < length) _columnBits = new ulong[Math.Max(length, MaxColumns * WordsFor(MaxRows))];
        fixed (ulong* rowBits = _rowBits)
        fixed (ulong* columnBits = _columnBits)
        {
            ParallelRange.Run(WordsPerRow, threads, new TransposeBits(rowBits, columnBits, Rows, Columns, WordsPerRow, WordsPerColumn),
                grain: 1, minPerThread: Count > 8192 ? 1 : int.MaxValue);
        }

        _columnBitsAreCurrent = true;
    }

    /// <summary>
    /// Column bits for the columns of row-bit words [start, end), one 64 × 64 block of bits at a time: 64 row words in,
    /// 64 column words out. Setting one bit per nonzero instead costs a scattered read-modify-write each (MNIST: 38k per
    /// batch, ~55 µs on two threads against ~5 µs by blocks).
    /// </summary>
    private readonly unsafe struct TransposeBits(ulong* rowBits, ulong* columnBits, int rows, int columns, int rowWords, int columnWords) : IRangeKernel
    {
        public void Execute(int start, int end)
        {
            ulong* block = stackalloc ulong[64];
            for (int w = start; w < end; w++)
            {
                int blockColumns = Math.Min(64, columns - w * 64);
                for (int rowWord = 0; rowWord < columnWords; rowWord++)
                {
                    int firstRow = rowWord * 64, blockRows = Math.Min(64, rows - firstRow);
                    for (int i = 0; i < blockRows; i++) block[i] = rowBits[(nint)(firstRow + i) * rowWords + w];
                    for (int i = blockRows; i < 64; i++) block[i] = 0;
                    Transpose64(block);
                    for (int j = 0; j < blockColumns; j++) columnBits[(nint)(w * 64 + j) * columnWords + rowWord] = block[j];
                }
            }
        }
    }

    /// <summary>
    /// Transposes a 64 × 64 bit matrix in place (bit j of word i becomes bit i of word j) by swapping ever smaller
    /// off-diagonal blocks: 32 × 32, then 16 × 16, ... (Hacker's Delight, §7-3, in least-significant-bit-first order).
    /// </summary>
    internal static unsafe void Transpose64(ulong* a)
    {
        ulong m = 0x00000000FFFFFFFFUL;
        for (int j = 32; j != 0; j >>= 1, m ^= m << j)
        {
            for (int k = 0; k < 64; k = (k + j + 1) & ~j)
            {
                ulong t = ((a[k] >> j) ^ a[k + j]) & m;
                a[k] ^= t << j;
                a[k + j] ^= t;
            }
        }
    }

    internal ulong[] RowBitsArray => _rowBits;

    internal ulong[] ColumnBitsArray => _columnBits;

    private static int WordsFor(int bits) => (bits + 63) / 64;

    /// <summary>The nonzero lanes of <paramref name="count"/> (≤ 64) floats as bits, 16 (or 8) at a time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe ulong LitBits(float* values, int count)
    {
        ulong word = 0;
        int c = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; c <= count - 16; c += 16)
                word |= (ulong)(~Vector512.Equals(Vector512.Load(values + c), Vector512<float>.Zero).ExtractMostSignificantBits() & 0xFFFFu) << c;
        }

        for (; c <= count - 8; c += 8)
            word |= (ulong)(~Vector256.Equals(Vector256.Load(values + c), Vector256<float>.Zero).ExtractMostSignificantBits() & 0xFFu) << c;
        for (; c < count; c++)
            if (values[c] != 0f) word |= 1UL << c;
        return word;
    }
}
