namespace Microsoft.ML.Autoencoders.Engine.Kernels;

/// <summary>
/// One product cut into bands of whole tiles for the threads to share: along M when M is the larger (each band packs its
/// own rows of A), else along N (its own columns of B); a product with few rows (<see cref="GemmSmallRows"/>) is always
/// cut along N. Every element of C is computed inside one band by the path the product's shape picks, so how the bands
/// fall, and which thread computes each, changes no bit.
/// </summary>
internal readonly unsafe struct GemmBands
{
    private readonly GemmOperands _operands;
    private readonly GemmBlocking _blocking;
    private readonly bool _smallRows, _splitRows;
    private readonly int _tile;

    /// <summary>Cuts <paramref name="operands"/> into <paramref name="count"/> bands (fewer when it has fewer tiles).</summary>
    public GemmBands(in GemmOperands operands, GemmBlocking blocking, int count)
    {
        _operands = operands;
        _blocking = blocking;
        _smallRows = GemmSmallRows.Handles(blocking.Kernel, operands.M);
        _splitRows = !_smallRows && SplitRows(operands);
        _tile = _smallRows ? GemmMicroKernelAvx512.Columns : _splitRows ? blocking.Kernel.Rows : blocking.Kernel.Columns;
        int length = _splitRows ? operands.M : operands.N;
        Count = Math.Clamp(Math.Min(count, (length + _tile - 1) / _tile), 1, int.MaxValue);
    }

    /// <summary>How many bands there are.</summary>
    public int Count { get; }

    /// <summary>The product's output, pinned by the caller.</summary>
    public GemmOperands Operands => _operands;

    /// <summary>Whether the blocked path cuts C into row bands (else column bands): along the larger dimension.</summary>
    public static bool SplitRows(in GemmOperands operands) => operands.M > operands.N;

    /// <summary>How many bands a product of this shape can be cut into at most: its tiles along the cut.</summary>
    public static int MaxCount(in GemmOperands operands, GemmMicroKernel kernel)
    {
        bool smallRows = GemmSmallRows.Handles(kernel, operands.M);
        if (smallRows) return (operands.N + GemmMicroKernelAvx512.Columns - 1) / GemmMicroKernelAvx512.Columns;
        return SplitRows(operands) ? (operands.M + kernel.Rows - 1) / kernel.Rows : (operands.N + kernel.Columns - 1) / kernel.Columns;
    }

    /// <summary>Computes band <paramref name="band"/> and returns the rectangle of C it wrote (empty when the band is).</summary>
    public (int RowStart, int RowEnd, int ColumnStart, int ColumnEnd) Compute(int band)
    {
        int length = _splitRows ? _operands.M : _operands.N;
        int tiles = (length + _tile - 1) / _tile;
        int start = Math.Min(length, (int)((long)tiles * band / Count) * _tile);
        int end = Math.Min(length, (int)((long)tiles * (band + 1) / Count) * _tile);
        if (start >= end) return (0, 0, 0, 0);
        if (_smallRows)
        {
            GemmSmallRows.Compute(_operands, _blocking, start, end);
            return (0, _operands.M, start, end);
        }

        if (_splitRows)
        {
            GemmBlockedProduct.Compute(_operands, _blocking, start, end, 0, _operands.N);
            return (start, end, 0, _operands.N);
        }

        GemmBlockedProduct.Compute(_operands, _blocking, 0, _operands.M, start, end);
        return (0, _operands.M, start, end);
    }
}
