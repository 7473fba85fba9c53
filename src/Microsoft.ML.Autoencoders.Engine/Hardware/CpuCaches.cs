using System.Globalization;
using System.Runtime.Intrinsics.X86;

namespace Microsoft.ML.Autoencoders.Engine.Hardware;

/// <summary>
/// The data caches of the processor this process runs on, which the GEMM sizes its blocks from
/// (<see cref="Kernels.GemmBlocking"/>). Read from sysfs on Linux (what the kernel learned from the CPU), else from
/// CPUID's deterministic cache leaves on x86 (leaf 4 on Intel, 0x8000001D on AMD), else conservative defaults.
/// </summary>
public sealed class CpuCaches
{
    /// <summary>Assumed where nothing can be read (Arm outside Linux, a sandbox hiding sysfs): small, so blocks never overflow.</summary>
    public static CpuCaches Defaults { get; } = new(
        new CpuCache(1, 32 << 10, 8, 64, 1), new CpuCache(2, 256 << 10, 8, 64, 1), new CpuCache(3, 2 << 20, 16, 64, 1), "defaults");

    private static readonly Lazy<CpuCaches> s_current = new(Detect);

    /// <summary>Creates a description; tests use it to derive the blocking of processors other than this one.</summary>
    public CpuCaches(CpuCache l1Data, CpuCache l2, CpuCache? l3, string source)
    {
        L1Data = l1Data;
        L2 = l2;
        L3 = l3;
        Source = source;
    }

    /// <summary>The caches of this machine, detected once.</summary>
    public static CpuCaches Current => s_current.Value;

    /// <summary>The level-1 data cache.</summary>
    public CpuCache L1Data { get; }

    /// <summary>The level-2 cache (private to a core on every processor these machines have).</summary>
    public CpuCache L2 { get; }

    /// <summary>The last-level cache, when there is one.</summary>
    public CpuCache? L3 { get; }

    /// <summary>Where the figures came from: "sysfs", "cpuid" or "defaults".</summary>
    public string Source { get; }

    /// <inheritdoc/>
    public override string ToString() => $"L1d {CpuCache.Format(L1Data.SizeBytes)}, L2 {CpuCache.Format(L2.SizeBytes)}" +
        (L3 is null ? "" : $", L3 {CpuCache.Format(L3.SizeBytes)} shared by {L3.SharedBy}") + $" ({Source})";

    private static CpuCaches Detect()
    {
        try
        {
            return FromSysfs("/sys/devices/system/cpu/cpu0/cache") ?? FromCpuid() ?? Defaults;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return FromCpuid() ?? Defaults;
        }
    }

    /// <summary>
    /// Reads <paramref name="root"/>/index*/{level,type,size,ways_of_associativity,coherency_line_size,shared_cpu_list}
    /// as Linux writes them; null when the directory or an L1d/L2 entry is missing.
    /// </summary>
    internal static CpuCaches? FromSysfs(string root)
    {
        if (!Directory.Exists(root)) return null;
        var caches = new List<CpuCache>();
        foreach (string index in Directory.GetDirectories(root, "index*"))
        {
            string Read(string name) => File.Exists(Path.Combine(index, name)) ? File.ReadAllText(Path.Combine(index, name)).Trim() : "";
            string type = Read("type");
            if (type is not ("Data" or "Unified") || !int.TryParse(Read("level"), CultureInfo.InvariantCulture, out int level)) continue;
            long size = ParseSize(Read("size"));
            int ways = int.TryParse(Read("ways_of_associativity"), CultureInfo.InvariantCulture, out int w) && w > 0 ? w : 8;
            int line = int.TryParse(Read("coherency_line_size"), CultureInfo.InvariantCulture, out int l) && l > 0 ? l : 64;
            if (size > 0) caches.Add(new CpuCache(level, size, ways, line, CountCpus(Read("shared_cpu_list"))));
        }
        return Assemble(caches, "sysfs");
    }

    /// <summary>CPUID's deterministic cache parameters (leaf 4, or 0x8000001D on AMD with topology extensions).</summary>
    internal static CpuCaches? FromCpuid()
    {
        if (!X86Base.IsSupported) return null;
        (int maxLeaf, int vendorB, _, _) = X86Base.CpuId(0, 0);
        bool amd = vendorB == 0x68747541; // "Auth" of AuthenticAMD
        int leaf = 4;
        if (amd)
        {
            (int maxExtended, _, _, _) = X86Base.CpuId(unchecked((int)0x80000000), 0);
            (_, _, int extendedFeatures, _) = X86Base.CpuId(unchecked((int)0x80000001), 0);
            bool topologyExtensions = (extendedFeatures & (1 << 22)) != 0;
            if ((uint)maxExtended < 0x8000001D || !topologyExtensions) return null;
            leaf = unchecked((int)0x8000001D);
        }
        else if (maxLeaf < 4)
        {
            return null;
        }

        var caches = new List<CpuCache>();
        for (int sub = 0; sub < 16; sub++)
        {
            (int eax, int ebx, int ecx, _) = X86Base.CpuId(leaf, sub);
            int type = eax & 0x1F; // 0 none (the end), 1 data, 2 instruction, 3 unified
            if (type == 0) break;
            if (type == 2) continue;
            int level = (eax >> 5) & 0x7;
            int sharedBy = ((eax >> 14) & 0xFFF) + 1;
            int ways = ((ebx >> 22) & 0x3FF) + 1, partitions = ((ebx >> 12) & 0x3FF) + 1, line = (ebx & 0xFFF) + 1;
            long sets = (long)(uint)ecx + 1;
            caches.Add(new CpuCache(level, ways * partitions * line * sets, ways, line, sharedBy));
        }
        return Assemble(caches, "cpuid");
    }

    private static CpuCaches? Assemble(List<CpuCache> caches, string source)
    {
        CpuCache? l1 = caches.FirstOrDefault(c => c.Level == 1), l2 = caches.FirstOrDefault(c => c.Level == 2);
        return l1 is null || l2 is null ? null : new CpuCaches(l1, l2, caches.FirstOrDefault(c => c.Level == 3), source);
    }

    /// <summary>"48K", "2048K", "32M" → bytes.</summary>
    private static long ParseSize(string text)
    {
        if (text.Length == 0) return 0;
        long unit = char.ToUpperInvariant(text[^1]) switch { 'K' => 1L << 10, 'M' => 1L << 20, 'G' => 1L << 30, _ => 1 };
        string digits = unit == 1 ? text : text[..^1];
        return long.TryParse(digits, CultureInfo.InvariantCulture, out long value) ? value * unit : 0;
    }

    /// <summary>Logical processors in a list such as "0-1,4,6-7".</summary>
    private static int CountCpus(string list)
    {
        int count = 0;
        foreach (string part in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string[] range = part.Split('-');
            count += range.Length == 2 && int.TryParse(range[0], CultureInfo.InvariantCulture, out int first)
                && int.TryParse(range[1], CultureInfo.InvariantCulture, out int last) ? last - first + 1 : 1;
        }
        return Math.Max(1, count);
    }
}
