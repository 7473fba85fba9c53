using System.Runtime.Intrinsics.X86;

namespace Microsoft.ML.Autoencoders.Engine.Kernels;

/// <summary>
/// Copies listed rows of a large row-major array into consecutive rows: a shuffled mini-batch. Each shuffled row lies in
/// pages of its own, so the hardware prefetcher starts cold on every one and a plain copy waits on memory line after
/// line; asking for the rows a few ahead first overlaps those waits (MNIST, 256 of the 60k rows shuffled, two threads:
/// 156 µs plain, 100–110 µs with prefetches, in a per-phase harness; 1 to 10 rows ahead measured alike).
/// </summary>
internal static unsafe class RowGather
{
    /// <summary>How many rows ahead of the copy the prefetches run.</summary>
    private const int Ahead = 4;

    /// <summary>Copies the rows listed in <paramref name="rows"/> of <paramref name="source"/> into consecutive rows of <paramref name="destination"/>.</summary>
    public static void Gather(float[] source, ReadOnlySpan<int> rows, int width, Span<float> destination, int threads = 1)
    {
        if (destination.Length < (long)rows.Length * width) throw new ArgumentException("The destination is smaller than the rows.", nameof(destination));
        CheckRows(source, rows, width);
        // Shuffled rows come from all over a large array, each a wait on memory: two threads keep twice as many in flight.
        fixed (float* pSource = source)
        fixed (int* pRows = rows)
        fixed (float* pDestination = destination)
        {
            ParallelRange.Run(rows.Length, threads, new Band(pSource, pRows, width, pDestination),
                grain: 1, minPerThread: Math.Max(1, 32 * 1024 / Math.Max(1, width)));
        }
    }

    /// <summary>Copies rows [start, end) of the list.</summary>
    private readonly struct Band(float* source, int* rows, int width, float* destination) : IRangeKernel
    {
        public void Execute(int start, int end)
        {
            Start(source, rows, width, start, end);
            for (int row = start; row < end; row++) Copy(source, rows, width, destination, row, end);
        }
    }

    /// <summary>Throws unless every index in <paramref name="rows"/> names a row of <paramref name="source"/>.</summary>
    public static void CheckRows(ReadOnlySpan<float> source, ReadOnlySpan<int> rows, int width)
    {
        int sourceRows = source.Length / Math.Max(1, width);
        foreach (int row in rows)
            if ((uint)row >= (uint)sourceRows) throw new ArgumentOutOfRangeException(nameof(rows), row, "A row index is outside the source.");
    }

    /// <summary>Prefetches the first rows a band will copy, before its first <see cref="Copy"/>.</summary>
    public static void Start(float* source, int* rows, int width, int first, int end)
    {
        for (int row = first; row < Math.Min(end, first + Ahead); row++) Prefetch(source + (nint)rows[row] * width, width);
    }

    /// <summary>
    /// Copies row <paramref name="row"/> of the list into row <paramref name="row"/> of <paramref name="destination"/>, and
    /// asks for the row <see cref="Ahead"/> further on, if the band (ending at <paramref name="end"/>) has it.
    /// </summary>
    public static void Copy(float* source, int* rows, int width, float* destination, int row, int end)
    {
        if (row + Ahead < end) Prefetch(source + (nint)rows[row + Ahead] * width, width);
        new ReadOnlySpan<float>(source + (nint)rows[row] * width, width).CopyTo(new Span<float>(destination + (nint)row * width, width));
    }

    private static void Prefetch(float* row, int width)
    {
        if (!Sse.IsSupported || width == 0) return;
        byte* last = (byte*)(row + width - 1);
        for (byte* line = (byte*)row; line <= last; line += 64) Sse.Prefetch1(line);
    }
}
