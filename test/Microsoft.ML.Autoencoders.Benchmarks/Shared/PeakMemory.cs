namespace Microsoft.ML.Autoencoders.Benchmarks;

/// <summary>
/// Peak resident memory of this process (VmHWM), which counts native allocations (libtorch's) as well as the
/// managed heap. That is why every framework trains in its own process: the peak then belongs to training alone.
/// </summary>
public static class PeakMemory
{
    /// <summary>VmHWM in MiB, or null where /proc/self/status does not exist (not Linux).</summary>
    public static double? ReadMegabytes()
    {
        const string path = "/proc/self/status";
        if (!File.Exists(path)) return null;
        foreach (string line in File.ReadLines(path))
        {
            if (!line.StartsWith("VmHWM:", StringComparison.Ordinal)) continue;
            // "VmHWM:    123456 kB"
            string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return double.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture) / 1024.0;
        }
        return null;
    }
}
