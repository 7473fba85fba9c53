using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

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
    /// NaN counts as nonzero, so it propagates as it would through a dense product.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public unsafe bool TryCompress(ReadOnlySpan<float> dense, int rows, int columns)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(columns);
        if (rows > _rowStarts.Length - 1) throw new ArgumentOutOfRangeException(nameof(rows), rows, $"This instance holds at most {_rowStarts.Length - 1} rows.");
        if (dense.Length < (long)rows * columns) throw new ArgumentException($"{rows}×{columns} values needed, {dense.Length} given.", nameof(dense));
        _transposedIsCurrent = false;
        int count = 0, capacity = Capacity;
        fixed (float* source = dense)
        fixed (int* rowStarts = _rowStarts)
        fixed (int* indices = _columnIndices)
        fixed (float* values = _values)
        {
            for (int r = 0; r < rows; r++)
            {
                rowStarts[r] = count;
                float* row = source + (nint)r * columns;
                int c = 0;
                if (Avx512F.IsSupported)
                {
                    // Sixteen at a time: one compare finds the lit values, VCOMPRESSPS packs them (and their column
                    // numbers) into a register stored whole; the arrays keep 16 spare slots for the lanes past the count.
                    var columnNumbers = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
                    for (; c <= columns - 16; c += 16)
                    {
                        var chunk = Vector512.Load(row + c);
                        var lit = ~Vector512.Equals(chunk, Vector512<float>.Zero);
                        int found = BitOperations.PopCount(lit.ExtractMostSignificantBits());
                        if (found == 0) continue;
                        if (count + found > capacity) return Fail();
                        Avx512F.Compress(Vector512<float>.Zero, lit, chunk).Store(values + count);
                        Avx512F.Compress(Vector512<int>.Zero, lit.AsInt32(), columnNumbers + Vector512.Create(c)).Store(indices + count);
                        count += found;
                    }
                }

                for (; c <= columns - Vector256<float>.Count; c += Vector256<float>.Count)
                {
                    uint lit = ~Vector256.Equals(Vector256.Load(row + c), Vector256<float>.Zero).ExtractMostSignificantBits() & 0xFFu;
                    if (lit == 0) continue;
                    if (count + BitOperations.PopCount(lit) > capacity) return Fail();
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
                    if (count == capacity) return Fail();
                    indices[count] = c;
                    values[count++] = row[c];
                }
            }
        }

        _rowStarts[rows] = count;
        Rows = rows;
        Columns = columns;
        Count = count;
        return true;
    }

    /// <summary>
    /// The same matrix transposed, in the same form (so its rows are this one's columns), built on first request
    /// after each <see cref="TryCompress"/> into buffers kept for the next time. A weight gradient Xᵀ·dY reads it.
    /// </summary>
    public SparseRows Transposed()
    {
        if (_transposed == null || _transposed._rowStarts.Length < Columns + 1) _transposed = new SparseRows(Columns, Capacity);
        if (!_transposedIsCurrent)
        {
            _transposed.TransposeFrom(this);
            _transposedIsCurrent = true;
        }

        return _transposed;
    }

    /// <summary>A counting sort by column: walking the source in row order leaves every new row sorted by column.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private unsafe void TransposeFrom(SparseRows source)
    {
        int rows = source.Columns, count = source.Count;
        fixed (int* starts = _rowStarts)
        fixed (int* indices = _columnIndices)
        fixed (float* values = _values)
        fixed (int* sourceStarts = source._rowStarts)
        fixed (int* sourceIndices = source._columnIndices)
        fixed (float* sourceValues = source._values)
        {
            new Span<int>(starts, rows + 1).Clear();
            for (int i = 0; i < count; i++) starts[sourceIndices[i] + 1]++;
            for (int r = 0; r < rows; r++) starts[r + 1] += starts[r];
            // starts[r] walks forward as row r fills; afterwards it holds row r + 1's start, hence the shift below.
            for (int sourceRow = 0; sourceRow < source.Rows; sourceRow++)
            {
                for (int i = sourceStarts[sourceRow], end = sourceStarts[sourceRow + 1]; i < end; i++)
                {
                    int slot = starts[sourceIndices[i]]++;
                    indices[slot] = sourceRow;
                    values[slot] = sourceValues[i];
                }
            }

            for (int r = rows; r > 0; r--) starts[r] = starts[r - 1];
            starts[0] = 0;
        }

        Rows = rows;
        Columns = source.Rows;
        Count = count;
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
