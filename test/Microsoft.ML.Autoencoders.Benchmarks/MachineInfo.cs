using System.Runtime.InteropServices;

namespace Microsoft.ML.Autoencoders.Benchmarks;

/// <summary>
/// A one-line description of the machine the figures came from: CPU model, vendor, family and model numbers, the
/// L1d, L2 and L3 caches as the engine reads them (<see cref="Engine.Hardware.CpuCaches"/>), cores, vector width, memory, OS. The page names the CPU because the engine's
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
        // The engine's own reading (sysfs, else CPUID), so the page names the caches the GEMM blocking was derived from.
        string caches = $", {Engine.Hardware.CpuCaches.Current}";
        return $"{cpu}{identity}{caches}, {Environment.ProcessorCount} cores{ThreadsPerCore()}{vectors}{memory}, {RuntimeInformation.OSDescription}";
    }

    /// <summary>
    /// ", 2 threads per core" when processor 0 has an SMT sibling online (sysfs), else nothing: two threads sharing one
    /// core's FMA units, L1 and L2 halve what each gets, which the GEMM blocking does not model, so the page must say so.
    /// </summary>
    public static string ThreadsPerCore(string siblingsFile = "/sys/devices/system/cpu/cpu0/topology/thread_siblings_list")
    {
        if (!File.Exists(siblingsFile)) return "";
        int count = 0;
        foreach (string part in File.ReadAllText(siblingsFile).Trim().Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] range = part.Split('-');
            count += range.Length == 2 && int.TryParse(range[0], out int first) && int.TryParse(range[1], out int last) ? last - first + 1 : 1;
        }
        return count > 1 ? $", {count} threads per core" : "";
    }

    /// <summary>
    /// The GEMM blocking our engine chose on this CPU (micro-kernel tile, kc, mc, nc and the caches they came from), as
    /// the page's header and the <c>gemm</c> verb print it.
    /// </summary>
    public static string GemmBlocking() => $"GEMM blocking: {Engine.Kernels.GemmBlocking.Current}";

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
