using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Microsoft.ML.Autoencoders.Engine.Kernels;

/// <summary>
/// A whole B operand (k × n, stored row by row, not transposed) packed once into the panels
/// <see cref="GemmBlockedProduct"/> would otherwise pack on every call and on every thread: for each depth block of
/// <see cref="GemmBlocking.DepthBlockFor"/>, the n columns in panels of the kernel's width. Products that reuse one B over
/// several row chunks (inference runs a batch's rows through a layer chunk by chunk, on every thread) then pack it once
/// and share it read-only.
/// </summary>
/// <remarks>
/// The panels are exactly what <see cref="GemmPacking.PackBlock"/> writes for any column block starting on a panel
/// boundary, so a product reading them gives the same bits as one that packs. The buffer holds a copy of B as it was
/// when <see cref="Pack"/> last ran: whoever changes B must pack again before the next product.
/// </remarks>
internal sealed unsafe class GemmPackedB
{
    private const int CacheLineFloats = 16;
    private float[] _buffer = [];
    private nint _start;

    /// <summary>The blocking the panels follow; products must use the same one.</summary>
    public GemmBlocking? Blocking { get; private set; }

    /// <summary>Rows of B (the products' depth).</summary>
    public int Depth { get; private set; }

    /// <summary>Columns of B.</summary>
    public int Columns { get; private set; }

    /// <summary>The depth of every block but possibly the last: <see cref="GemmBlocking.DepthBlockFor"/> of <see cref="Depth"/>.</summary>
    public int DepthBlock { get; private set; }

    /// <summary>Columns rounded up to whole panels: the stride between depth blocks is this times the block's depth.</summary>
    private int PaddedColumns { get; set; }

    /// <summary>Packs <paramref name="b"/> ([k, n] with leading dimension <paramref name="ldb"/>) for <paramref name="blocking"/>.</summary>
    public void Pack(ReadOnlySpan<float> b, int k, int n, int ldb, GemmBlocking blocking)
    {
        Gemm.CheckMatrix(b, k, n, ldb, nameof(b));
        Prepare(k, n, blocking);
        fixed (float* pb = b) PackColumns(pb, ldb, 0, n);
    }

    /// <summary>
    /// Sizes the buffer for a [<paramref name="k"/>, <paramref name="n"/>] B under <paramref name="blocking"/>, packing
    /// nothing yet: <see cref="PackColumns"/> then fills it, in as many pieces (and on as many threads) as the caller likes.
    /// </summary>
    public void Prepare(int k, int n, GemmBlocking blocking)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        int nr = blocking.Columns;
        int padded = (n + nr - 1) / nr * nr;
        long floats = (long)k * padded;
        if (floats > int.MaxValue - CacheLineFloats) throw new ArgumentException("B is too large to pack whole.", nameof(k));
        if (_buffer.Length < floats + CacheLineFloats)
        {
            _buffer = GC.AllocateUninitializedArray<float>((int)floats + CacheLineFloats, pinned: true);
            nint address = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_buffer));
            _start = (address + 63) & ~(nint)63;
        }

        Blocking = blocking;
        Depth = k;
        Columns = n;
        PaddedColumns = padded;
        DepthBlock = blocking.DepthBlockFor(k);
    }

    /// <summary>
    /// Packs columns [<paramref name="columnStart"/>, <paramref name="columnEnd"/>) of B (<paramref name="columnStart"/> a
    /// multiple of the kernel's width) in every depth block, after <see cref="Prepare"/>; <paramref name="b"/> is B's
    /// first element, pinned by the caller.
    /// </summary>
    public void PackColumns(float* b, nint ldb, int columnStart, int columnEnd)
    {
        GemmBlocking blocking = Blocking ?? throw new InvalidOperationException("Prepare first.");
        int nr = blocking.Columns;
        if (columnStart % nr != 0 || columnStart < 0 || columnEnd > Columns || columnEnd <= columnStart)
            throw new ArgumentOutOfRangeException(nameof(columnStart), $"Columns [{columnStart}, {columnEnd}) are not whole panels of B's {Columns}.");
        for (int pc = 0; pc < Depth; pc += DepthBlock)
        {
            int depth = Math.Min(DepthBlock, Depth - pc);
            GemmPacking.PackBlock(b + (nint)pc * ldb + columnStart, ldb, lanesContiguous: true, columnEnd - columnStart, depth, nr,
                BlockAt(pc, columnStart, depth));
        }
    }

    /// <summary>
    /// Whether a product of <paramref name="rows"/> rows reads these panels: the blocked path does, while few enough rows
    /// for <see cref="GemmSmallRows"/> are computed from B as stored.
    /// </summary>
    public bool Serves(int rows) => Blocking is { } blocking && !GemmSmallRows.Handles(blocking.Kernel, rows);

    /// <summary>
    /// The packed block of depth steps [<paramref name="step"/>, +<paramref name="depth"/>) from column
    /// <paramref name="column"/> (a multiple of the kernel's width) on: its panels follow one another as PackBlock lays them.
    /// </summary>
    public float* BlockAt(int step, int column, int depth) =>
        (float*)_start + (nint)step * PaddedColumns + (nint)column * depth;
}
