namespace Microsoft.ML.Autoencoders.Engine.Tensors;

/// <summary>
/// Float buffers whose usable part starts on a 64-byte cache line. .NET aligns arrays to 8 or 16 bytes only; when two
/// threads write neighbouring parts of the same rows, a row boundary inside a cache line makes that line travel between
/// the cores on every write. The array is pinned (never moved by the GC), so the alignment found once holds for good.
/// </summary>
internal static class CacheLineAligned
{
    /// <summary>Bytes per cache line on x64 and Arm64 alike.</summary>
    public const int LineBytes = 64;

    /// <summary>A zeroed, pinned array with room for <paramref name="length"/> floats from <paramref name="start"/>, which is line-aligned.</summary>
    public static unsafe float[] Allocate(int length, out int start)
    {
        const int lineFloats = LineBytes / sizeof(float);
        float[] array = GC.AllocateArray<float>(checked(length + lineFloats), pinned: true);
        fixed (float* first = array)
        {
            int misalignment = (int)((nuint)first % LineBytes);
            start = misalignment == 0 ? 0 : (LineBytes - misalignment) / sizeof(float);
        }

        return array;
    }
}
