namespace Microsoft.ML.Autoencoders.Engine.Hardware;

/// <summary>One level of data (or unified) cache as one core sees it.</summary>
/// <param name="Level">1, 2 or 3.</param>
/// <param name="SizeBytes">Capacity of the whole cache, shared or not.</param>
/// <param name="Ways">Associativity: lines one set holds.</param>
/// <param name="LineBytes">Cache line size.</param>
/// <param name="SharedBy">Logical processors sharing it (1 for a private L1 without SMT siblings).</param>
public sealed record CpuCache(int Level, long SizeBytes, int Ways, int LineBytes, int SharedBy)
{
    // Checked here because the blocking divides by them: a description made by hand (tests, another processor's caches)
    // with a zero fails where it is made, not as a division by zero at the first product. Get-only, so that no `with`
    // can set them past the check.
    /// <summary>Capacity of the whole cache in bytes, at least one line.</summary>
    public long SizeBytes { get; } = SizeBytes >= LineBytes && LineBytes > 0 ? SizeBytes
        : throw new ArgumentOutOfRangeException(nameof(SizeBytes), SizeBytes, "A cache holds at least one line of at least one byte.");

    /// <summary>Associativity, at least 1.</summary>
    public int Ways { get; } = Ways >= 1 ? Ways : throw new ArgumentOutOfRangeException(nameof(Ways), Ways, "A cache has at least one way.");

    /// <summary>Line size in bytes, at least 1.</summary>
    public int LineBytes { get; } = LineBytes >= 1 ? LineBytes : throw new ArgumentOutOfRangeException(nameof(LineBytes), LineBytes, "A cache line has at least one byte.");

    /// <summary>Sets of the cache: size / (ways · line).</summary>
    public long Sets => Math.Max(1, SizeBytes / ((long)Ways * LineBytes));

    /// <summary>One core's fair share of a shared cache: its size over the logical processors that share it.</summary>
    public long ShareBytes => SizeBytes / Math.Max(1, SharedBy);

    /// <inheritdoc/>
    public override string ToString() => $"L{Level} {Format(SizeBytes)} {Ways}-way" + (SharedBy > 1 ? $" shared by {SharedBy}" : "");

    /// <summary>"48 KiB", "2 MiB".</summary>
    internal static string Format(long bytes) => bytes >= 1 << 20 && bytes % (1 << 20) == 0 ? $"{bytes >> 20} MiB" : $"{bytes >> 10} KiB";
}
