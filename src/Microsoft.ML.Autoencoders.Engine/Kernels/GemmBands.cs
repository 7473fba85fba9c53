namespace Microsoft.ML.Autoencoders.Engine.Kernels;

/// <summary>
/// One product cut into bands of whole tiles for the threads to share: along M when M is the larger (each band packs its
/// own rows of A), else along N (its own columns of B); a product with few rows (<see cref="GemmSmallRows"/>) is always
/// cut along N. Every element of C is computed inside one band by the path the product's shape picks, so how the bands
/// fall, and which thread computes each, changes no bit.
/// </summary>
/// <remarks>
/// Each part's share is a head band and, when they are cheap, tail bands a fifth of the share each: a
/// <see cref="ChunkSchedule"/> lets a part that is done take another's tails, so a slower core does less. A band is not
/// free where it must pack the operand the cut does not split: B for row bands, A for column bands when A is not read in
/// place (stored transposed, or at a 2 KiB leading dimension). That operand is packed once per band, so its tails are
/// kept only while the packing they repeat stays under <see cref="MaxRepackShare"/> of the product's work.
/// </remarks>
internal readonly unsafe struct GemmBands
{
    /// <summary>Most bands per part: a head and two tails of <see cref="ChunkSchedule.TailShare"/> of the share each.</summary>
    public const int MaxPerPart = ChunkSchedule.MostChunksPerPart;

    /// <summary>
    /// The most the repeated packing may cost, as a share of the product's multiply-adds, counting a packed element as
    /// <see cref="PackCostInMultiplyAdds"/>. That weight is read off one bench (Zen 5, 2 threads, `./build.sh bench
    /// --rounds 2`): with every product cut into three bands per part (the run of 2026-12-05 00:46 UTC, its page not kept)
    /// the four weight-gradient products, whose Aᵀ is packed, ran at 248–361 GFLOP/s against 297–393 in the run before
    /// (2026-12-04 23:14 UTC); the 256 × 784 one fell from 364 to 331, 9 % for four extra packings of its 256 × 256 Aᵀ in
    /// 51 M multiply-adds, about 2.3 % each. With this bound those products,
    /// and square products with a 2 KiB leading dimension, keep one band per part and the ratios against the static halves
    /// sit at 0.97–1.03 (6 process pairs of `run --part kernels`, step mix 1.003).
    /// </summary>
    private const double MaxRepackShare = 0.01;

    /// <summary>What packing one element costs, in multiply-adds' time (see <see cref="MaxRepackShare"/>).</summary>
    private const long PackCostInMultiplyAdds = 16;

    private readonly GemmOperands _operands;
    private readonly GemmBlocking _blocking;
    private readonly bool _smallRows, _splitRows;
    private readonly int _tile, _tiles, _parts, _perPart;

    /// <summary>
    /// Cuts <paramref name="operands"/> for <paramref name="parts"/> parts into at most <paramref name="perPart"/> bands each:
    /// fewer when the tails' packing would cost too much, but at least <paramref name="minPerPart"/> (a tail however dear,
    /// where one thread owns the whole product and the other may need to help), and fewer when the product has too few tiles.
    /// </summary>
    public GemmBands(in GemmOperands operands, GemmBlocking blocking, int parts, int perPart, int minPerPart = 1)
    {
        _operands = operands;
        _blocking = blocking;
        (_smallRows, _splitRows, _tile, _tiles) = Cut(operands, blocking.Kernel);
        _parts = Math.Clamp(parts, 1, Math.Max(1, _tiles));

        // As many bands as asked, fewer where their repeated packing costs too much, at least minPerPart...
        long repacked = RepackedPerBand(operands, blocking.Kernel, _smallRows, _splitRows);
        long work = (long)operands.M * operands.N * operands.K;
        int affordable = repacked == 0 ? MaxPerPart
            : 1 + (int)Math.Min(MaxPerPart, (long)(MaxRepackShare * work) / (repacked * PackCostInMultiplyAdds * _parts));
        int wanted = Math.Max(Math.Min(perPart, affordable), minPerPart);
        // ...and never more than the share's tiles allow: a tail needs at least one tile of its own, the head too.
        int tilesPerPart = _tiles / _parts;
        int fitting = tilesPerPart >= 5 ? MaxPerPart : tilesPerPart >= 2 ? 2 : 1;
        _perPart = Math.Clamp(Math.Min(wanted, fitting), 1, MaxPerPart);
    }

    /// <summary>
    /// How a product of this shape is cut: by the small-rows path's columns, by row tiles (M the larger), or by column tiles;
    /// the tile, and how many tiles lie along the cut.
    /// </summary>
    private static (bool SmallRows, bool SplitRows, int Tile, int Tiles) Cut(in GemmOperands operands, GemmMicroKernel kernel)
    {
        bool smallRows = GemmSmallRows.Handles(kernel, operands.M);
        bool splitRows = !smallRows && SplitRows(operands);
        int tile = smallRows ? GemmMicroKernelAvx512.Columns : splitRows ? kernel.Rows : kernel.Columns;
        return (smallRows, splitRows, tile, ((splitRows ? operands.M : operands.N) + tile - 1) / tile);
    }

    /// <summary>How many bands there are: <see cref="Parts"/> runs of <see cref="PerPart"/>.</summary>
    public int Count => _parts * _perPart;

    /// <summary>How many parts the bands were cut for (each part's run is <see cref="PerPart"/> consecutive bands).</summary>
    public int Parts => _parts;

    /// <summary>Bands in each part's run.</summary>
    public int PerPart => _perPart;

    /// <summary>The product, pinned by the caller.</summary>
    public GemmOperands Operands => _operands;

    /// <summary>Whether the blocked path cuts C into row bands (else column bands): along the larger dimension.</summary>
    public static bool SplitRows(in GemmOperands operands) => operands.M > operands.N;

    /// <summary>How many bands a product of this shape can be cut into at most: its tiles along the cut.</summary>
    public static int MaxCount(in GemmOperands operands, GemmMicroKernel kernel) => Cut(operands, kernel).Tiles;

    /// <summary>The elements every band packs again whatever its size: the operand the cut does not split, when packed.</summary>
    private static long RepackedPerBand(in GemmOperands operands, GemmMicroKernel kernel, bool smallRows, bool splitRows)
    {
        if (smallRows) return (long)operands.M * operands.K; // B is read where it lies; A is packed, a few rows
        if (splitRows) return (long)operands.K * operands.N;
        return GemmBlockedProduct.ReadsAInPlace(operands, kernel, kernel.Columns) ? 0 : (long)operands.M * operands.K;
    }

    /// <summary>Computes band <paramref name="band"/> and returns the rectangle of C it wrote (empty when the band is).</summary>
    public (int RowStart, int RowEnd, int ColumnStart, int ColumnEnd) Compute(int band)
    {
        var (start, end) = TileRange(band);
        int length = _splitRows ? _operands.M : _operands.N;
        start = Math.Min(length, start * _tile);
        end = Math.Min(length, end * _tile);
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

    /// <summary>The tiles of band <paramref name="band"/>: its part's share, cut into a head and tails of <see cref="ChunkSchedule.TailShare"/>.</summary>
    private (int Start, int End) TileRange(int band)
    {
        int part = band / _perPart, piece = band % _perPart;
        int shareStart = (int)((long)_tiles * part / _parts), shareEnd = (int)((long)_tiles * (part + 1) / _parts);
        int share = shareEnd - shareStart, tails = _perPart - 1;
        int tail = tails == 0 ? 0 : Math.Max(1, (int)Math.Round(share * ChunkSchedule.TailShare));
        int headEnd = shareEnd - tails * tail;
        if (piece == 0) return (shareStart, headEnd);
        return (headEnd + (piece - 1) * tail, headEnd + piece * tail);
    }
}
