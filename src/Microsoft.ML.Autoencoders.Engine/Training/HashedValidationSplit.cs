namespace Microsoft.ML.Autoencoders.Engine.Training;

/// <summary>
/// The validation split of streamed training: a row is held out when a seeded hash of its position falls below the
/// fraction. Each row's fate depends on its index alone, so every pass splits the same way without a list of rows held
/// anywhere; the held-out share is the fraction up to sampling noise rather than exactly rounded.
/// </summary>
internal readonly struct HashedValidationSplit(long seed, double fraction)
{
    /// <summary>True when row <paramref name="row"/> is held out for validation.</summary>
    public bool IsValidation(long row) => fraction > 0 && UnitInterval(Mix((ulong)seed ^ ValidationSalt, (ulong)row)) < fraction;

    /// <summary>How many of the first <paramref name="rows"/> rows are held out: one hash per row, no data read.</summary>
    public long CountValidation(long rows)
    {
        if (fraction == 0) return 0;
        long count = 0;
        for (long row = 0; row < rows; row++) if (IsValidation(row)) count++;
        return count;
    }

    /// <summary>SplitMix64's finalizer over seed and row: nearby rows get unrelated values.</summary>
    private static ulong Mix(ulong seed, ulong row)
    {
        ulong z = seed + (row + 1) * 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static double UnitInterval(ulong bits) => (bits >> 11) * (1.0 / (1UL << 53));

    /// <summary>Keeps the split's hash apart from the shuffle's stream for the same seed.</summary>
    private const ulong ValidationSalt = 0x5A11_DA7E_0F_5EEDUL;
}
