using System.Runtime.InteropServices;

namespace Microsoft.ML.Autoencoders.Benchmarks;

/// <summary>
/// A one-line description of the machine the figures came from: CPU model, vendor, family and model numbers, the
/// L1d and L2 caches of one core and the L3, cores, vector width, memory, OS. The page names the CPU because the engine's
/// speed, and the peers', depends on which one ran (AMD Zen 4 and Intel family 6 model 207 have both been seen).
/// </summary>
public static class MachineInfo
{
    public static string Describe()
    {
        string cpu = ReadField("/proc/cpuinfo", "model name") ?? RuntimeInformation.ProcessArchitecture.ToString();
        string? memKb = ReadField("/proc/meminfo", "MemTotal");
        string memory = memKb is null ? "" : $", {double.Parse(memKb.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) / 1024 / 1024:F0} GiB";
        string vectors = System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated ? ", AVX-512"
            : System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated ? ", AVX2" : "";
        string? vendor = ReadField("/proc/cpuinfo", "vendor_id"), family = ReadField("/proc/cpuinfo", "cpu family"), model = ReadField("/proc/cpuinfo", "model");
        string identity = vendor is null ? "" : $" ({vendor}, family {family} model {model})";
        string caches = CacheSize(1, "Data") is { } l1 && CacheSize(2, "Unified") is { } l2 ? $", L1d {l1} and L2 {l2} per core" : "";
        if (caches.Length > 0 && CacheSize(3, "Unified") is { } l3) caches += $", L3 {l3}";
        return $"{cpu}{identity}{caches}, {Environment.ProcessorCount} cores{vectors}{memory}, {RuntimeInformation.OSDescription}";
    }

    /// <summary>
    /// The GEMM blocking our engine chose on this CPU (micro-kernel tile, kc, mc, nc and the caches they came from), as
    /// the page's header and the <c>gemm</c> verb print it.
    /// </summary>
    public static string GemmBlocking() => $"GEMM blocking: {Engine.Kernels.GemmBlocking.Current}";

    // CPU 0's cache of the given level and type, as sysfs writes its size ("48K", "2048K").
    private static string? CacheSize(int level, string type)
    {
        const string Root = "/sys/devices/system/cpu/cpu0/cache";
        if (!Directory.Exists(Root)) return null;
        foreach (string index in Directory.GetDirectories(Root, "index*"))
        {
            string Read(string name) => File.Exists(Path.Combine(index, name)) ? File.ReadAllText(Path.Combine(index, name)).Trim() : "";
            if (Read("level") == level.ToString(System.Globalization.CultureInfo.InvariantCulture) && Read("type") == type)
                return Read("size").Replace("K", " KiB", StringComparison.Ordinal);
        }
        return null;
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
