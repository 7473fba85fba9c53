namespace Microsoft.ML.Autoencoders;

/// <summary>
/// Whether an in-memory copy of the training data can fit, asked before allocating it: a column read past the GC heap hard
/// limit (DOTNET_GCHeapHardLimit, a container's limit) or the machine's memory would otherwise end in a bare
/// <see cref="OutOfMemoryException"/> part way through the read, saying nothing of what to do.
/// </summary>
internal static class MemoryBudget
{
    /// <summary>
    /// Bytes the managed heap may still grow by: what the GC may use in all (the heap hard limit when one is set, else the
    /// physical or container memory) less what it holds now. An estimate (other processes use the machine's memory too), so
    /// it finds the copies that cannot fit, not every one that will not.
    /// </summary>
    public static long AvailableBytes()
    {
        long total = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        // Zero means the runtime does not know: then nothing is refused in advance.
        return total <= 0 ? long.MaxValue : Math.Max(0, total - GC.GetTotalMemory(forceFullCollection: false));
    }

    /// <summary>The error for a copy of <paramref name="bytes"/> bytes that does not fit, naming <paramref name="what"/> and the way out.</summary>
    public static InsufficientMemoryException TooLarge(string what, long bytes, long available, string remedy) =>
        new($"Reading {what} into memory needs {Megabytes(bytes)}, more than the {Megabytes(available)} this process can still allocate " +
            $"(the GC heap limit, e.g. DOTNET_GCHeapHardLimit, or the machine's memory). {remedy}");

    /// <summary>
    /// The error for an allocation the estimate let through but the runtime refused (the heap needs room beyond the bytes
    /// asked for: fragmentation, the copy's old array): the same advice, wrapping the runtime's exception.
    /// </summary>
    public static InsufficientMemoryException Refused(string what, long bytes, string remedy, OutOfMemoryException inner) =>
        new($"Reading {what} into memory ran out of memory allocating {Megabytes(bytes)} more " +
            $"(the GC heap limit, e.g. DOTNET_GCHeapHardLimit, or the machine's memory). {remedy}", inner);

    private static string Megabytes(long bytes) => $"{bytes / (1024.0 * 1024.0):N0} MiB";
}
