using System.Globalization;
using System.Runtime.Intrinsics.X86;

namespace Microsoft.ML.Autoencoders.Engine.Hardware;

/// <summary>
/// The data caches of the processor this process runs on, which the GEMM sizes its blocks from
/// (<see cref="Kernels.GemmBlocking"/>). Read from sysfs on Linux (what the kernel learned from the CPU), else from
/// CPUID's deterministic cache leaves on x86 (leaf 4 on Intel, 0x8000001D on AMD), else AMD's older size leaves
/// (0x80000005/0x80000006, which hypervisors that hide the others still pass through), else a table of Intel's server
/// cores (<see cref="ForKnownModel"/>), else conservative defaults.
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

    /// <summary>Where the figures came from: "sysfs", "cpuid", "cpuid size leaves", "table: family 6 model N" or "defaults".</summary>
    public string Source { get; }

    /// <inheritdoc/>
    public override string ToString() => $"L1d {CpuCache.Format(L1Data.SizeBytes)}, L2 {CpuCache.Format(L2.SizeBytes)}" +
        (L3 is null ? "" : $", L3 {CpuCache.Format(L3.SizeBytes)} shared by {L3.SharedBy}") + $" ({Source})";

    private static CpuCaches Detect()
    {
        try
        {
            return FromSysfs("/sys/devices/system/cpu/cpu0/cache") ?? FromCpuid() ?? FromAmdSizeLeaves() ?? ForKnownModel(CpuIdentity.Current) ?? Defaults;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return FromCpuid() ?? FromAmdSizeLeaves() ?? ForKnownModel(CpuIdentity.Current) ?? Defaults;
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
            // A size under one line is no cache the blocking can use (and CpuCache refuses it): skip the entry.
            if (size >= line) caches.Add(new CpuCache(level, size, ways, line, CountCpus(Read("shared_cpu_list"))));
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
            if ((eax & 0x1F) == 0) break; // cache type 0: no more caches
            if (DecodeDeterministicCacheLeaf(eax, ebx, ecx) is { } cache) caches.Add(cache);
        }
        return Assemble(caches, "cpuid");
    }

    /// <summary>
    /// One sub-leaf of CPUID leaf 4 (Intel) or 0x8000001D (AMD), which share the layout: EAX type 4–0 (1 data,
    /// 2 instruction, 3 unified), level 7–5, logical processors sharing it minus one 25–14; EBX ways minus one 31–22,
    /// partitions minus one 21–12, line bytes minus one 11–0; ECX sets minus one. Null for an instruction cache or none.
    /// The sharing count is the most the cache can serve (on Intel often the package's whole count), not how many
    /// processors this system has online: only the L3's is used, for its share, where a large count merely shrinks nc.
    /// </summary>
    internal static CpuCache? DecodeDeterministicCacheLeaf(int eax, int ebx, int ecx)
    {
        int type = eax & 0x1F;
        if (type is not (1 or 3)) return null;
        int level = (eax >> 5) & 0x7;
        int sharedBy = ((eax >> 14) & 0xFFF) + 1;
        int ways = ((ebx >> 22) & 0x3FF) + 1, partitions = ((ebx >> 12) & 0x3FF) + 1, line = (ebx & 0xFFF) + 1;
        long sets = (long)(uint)ecx + 1;
        // In long, so that a hypervisor's garbage in EBX (all ones) cannot overflow into a size CpuCache refuses: such an
        // entry is skipped, and the next source (or the defaults) is used, rather than stopping the engine at its first product.
        long size = (long)ways * partitions * line * sets;
        return size >= line ? new CpuCache(level, size, ways, line, sharedBy) : null;
    }

    /// <summary>
    /// Published caches of Intel's server cores, for a guest that shows neither sysfs cache entries nor leaf 4 (as the
    /// Zen 5 guest hid 0x8000001D), so their GEMM blocks are not sized for <see cref="Defaults"/> (which give a 12 × 32
    /// kernel kc = 80 on a core with a 2 MiB L2). L1d and L2 per core as Intel documents them; the L3 as one core's slice. Null for
    /// any other processor. Family 6 models: 85 Skylake-SP/Cascade Lake/Cooper Lake (32 KiB 8-way, 1 MiB 16-way, 1.375 MiB
    /// L3 a core), 106/108 Ice Lake-SP (48 KiB 12-way, 1.25 MiB 20-way, 1.5 MiB), 143 Sapphire Rapids (48 KiB 12-way,
    /// 2 MiB 16-way, 1.875 MiB), 207 Emerald Rapids (the same core; up to 5 MiB of L3 a core, on the 64-core parts), 173/174 Granite Rapids (48 KiB
    /// 12-way, 2 MiB 16-way, about 4 MiB). The L3 slice only sizes nc, which changes no result.
    /// </summary>
    internal static CpuCaches? ForKnownModel(CpuIdentity cpu)
    {
        if (cpu.Vendor != "GenuineIntel" || cpu.Family != 6) return null;
        const long KiB = 1 << 10, MiB = 1 << 20;
        (long l1, int l1Ways, long l2, int l2Ways, long l3Slice)? known = cpu.Model switch
        {
            85 => (32 * KiB, 8, 1 * MiB, 16, 1408 * KiB),
            106 or 108 => (48 * KiB, 12, 1280 * KiB, 20, 1536 * KiB),
            143 => (48 * KiB, 12, 2 * MiB, 16, 1920 * KiB),
            207 => (48 * KiB, 12, 2 * MiB, 16, 5 * MiB),
            173 or 174 => (48 * KiB, 12, 2 * MiB, 16, 4 * MiB),
            _ => null,
        };
        if (known is not { } c) return null;
        return new CpuCaches(new CpuCache(1, c.l1, c.l1Ways, 64, 1), new CpuCache(2, c.l2, c.l2Ways, 64, 1),
            new CpuCache(3, c.l3Slice, 16, 64, 1), $"table: family 6 model {cpu.Model}");
    }

    /// <summary>
    /// AMD's L1/L2/L3 size leaves, for a virtual machine that shows neither sysfs cache entries nor leaf 0x8000001D (seen
    /// on an EPYC Zen 5 guest: topology extensions off, 0x8000001D all zeros, while 0x80000005/6 gave 48 KiB 12-way L1d
    /// and 1 MiB L2).
    /// </summary>
    internal static CpuCaches? FromAmdSizeLeaves()
    {
        if (!X86Base.IsSupported) return null;
        (_, int vendorB, _, _) = X86Base.CpuId(0, 0);
        (int maxExtended, _, _, _) = X86Base.CpuId(unchecked((int)0x80000000), 0);
        if (vendorB != 0x68747541 || (uint)maxExtended < 0x80000006) return null;
        (_, _, int l1Register, _) = X86Base.CpuId(unchecked((int)0x80000005), 0);
        (_, _, int l2Register, int l3Register) = X86Base.CpuId(unchecked((int)0x80000006), 0);
        return DecodeAmdSizeLeaves(l1Register, l2Register, l3Register);
    }

    /// <summary>
    /// Decodes 0x80000005 ECX (L1d: size KiB in bits 31–24, ways 23–16, line 7–0), 0x80000006 ECX (L2: size KiB 31–16,
    /// encoded ways 15–12, line 7–0) and EDX (L3: size in 512 KiB units 31–18, encoded ways 15–12, line 7–0), as AMD's
    /// programmer's manual gives them. The leaves do not say how many cores share the L3; it is counted as shared by 8,
    /// the cores of one core complex since Zen 3, and its size as reported (a guest can be shown the whole socket's L3).
    /// </summary>
    internal static CpuCaches? DecodeAmdSizeLeaves(int l1DataEcx, int l2Ecx, int l3Edx)
    {
        long l1Size = (long)(((uint)l1DataEcx >> 24) & 0xFF) << 10;
        int l1Ways = (l1DataEcx >> 16) & 0xFF, l1Line = l1DataEcx & 0xFF;
        long l2Size = (long)(((uint)l2Ecx >> 16) & 0xFFFF) << 10;
        int l2Line = l2Ecx & 0xFF;
        if (l1Size == 0 || l2Size == 0 || l1Line == 0 || l2Line == 0) return null;
        var l1 = new CpuCache(1, l1Size, l1Ways is 0 or 0xFF ? 8 : l1Ways, l1Line, 1);
        var l2 = new CpuCache(2, l2Size, DecodeAmdWays((l2Ecx >> 12) & 0xF), l2Line, 1);
        long l3Size = (long)(((uint)l3Edx >> 18) & 0x3FFF) * (512 << 10);
        CpuCache? l3 = l3Size == 0 ? null : new CpuCache(3, l3Size, DecodeAmdWays((l3Edx >> 12) & 0xF), Math.Max(1, l3Edx & 0xFF), 8);
        return new CpuCaches(l1, l2, l3, "cpuid size leaves");
    }

    /// <summary>The 4-bit associativity code of 0x80000006; 16 where the code defers to leaf 0x8000001D (9) or is full (15).</summary>
    private static int DecodeAmdWays(int code) => code switch
    {
        1 => 1, 2 => 2, 3 => 3, 4 => 4, 5 => 6, 6 => 8, 8 => 16, 0xA => 32, 0xB => 48, 0xC => 64, 0xD => 96, 0xE => 128,
        _ => 16,
    };

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
