using System.Runtime.InteropServices;

namespace Microsoft.ML.Autoencoders.Benchmarks;

/// <summary>A one-line description of the machine the figures came from: CPU model, cores, memory, OS.</summary>
public static class MachineInfo
{
    public static string Describe()
    {
        string cpu = ReadField("/proc/cpuinfo", "model name") ?? RuntimeInformation.ProcessArchitecture.ToString();
        string? memKb = ReadField("/proc/meminfo", "MemTotal");
        string memory = memKb is null ? "" : $", {double.Parse(memKb.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) / 1024 / 1024:F0} GiB";
        string vectors = System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated ? ", AVX-512"
            : System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated ? ", AVX2" : "";
        return $"{cpu}, {Environment.ProcessorCount} cores{vectors}{memory}, {RuntimeInformation.OSDescription}";
    }

    // "key\t: value" lines, as /proc/cpuinfo and /proc/meminfo write them; the first match wins.
    private static string? ReadField(string path, string key)
    {
        if (!File.Exists(path)) return null;
        foreach (string line in File.ReadLines(path))
        {
            int colon = line.IndexOf(':');
            if (colon > 0 && line[..colon].Trim() == key) return line[(colon + 1)..].Trim();
        }
        return null;
    }
}
