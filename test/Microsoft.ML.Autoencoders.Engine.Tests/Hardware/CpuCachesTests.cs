using Microsoft.ML.Autoencoders.Engine.Hardware;

namespace Microsoft.ML.Autoencoders.Engine.Tests.Hardware;

/// <summary>The cache detector: sysfs as Linux writes it, and CPUID agreeing with it where both can be read.</summary>
public class CpuCachesTests
{
    [Fact]
    public void SysfsEntriesAreReadWithLevelsWaysAndSharing()
    {
        string root = Path.Combine(Path.GetTempPath(), "cpucaches-" + Guid.NewGuid().ToString("N"));
        try
        {
            Write(root, "index0", level: "1", type: "Data", size: "48K", ways: "12", shared: "0,64");
            Write(root, "index1", level: "1", type: "Instruction", size: "32K", ways: "8", shared: "0,64");
            Write(root, "index2", level: "2", type: "Unified", size: "2048K", ways: "16", shared: "0,64");
            Write(root, "index3", level: "3", type: "Unified", size: "327680K", ways: "20", shared: "0-63,64-127");

            CpuCaches caches = CpuCaches.FromSysfs(root)!;
            Assert.Equal(new CpuCache(1, 48 << 10, 12, 64, 2), caches.L1Data);
            Assert.Equal(new CpuCache(2, 2 << 20, 16, 64, 2), caches.L2);
            Assert.Equal(new CpuCache(3, 320L << 20, 20, 64, 128), caches.L3);
            Assert.Equal(64, caches.L1Data.Sets);
            Assert.Equal("sysfs", caches.Source);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void AMissingDirectoryOrLevelGivesNothing()
    {
        Assert.Null(CpuCaches.FromSysfs(Path.Combine(Path.GetTempPath(), "no-such-cache-dir-" + Guid.NewGuid().ToString("N"))));
    }

    [Fact]
    public void AmdSizeLeavesDecodeAsTheManualGivesThem()
    {
        // The registers an EPYC Zen 5 guest (family 26 model 2) returned for 0x80000005 ECX and 0x80000006 ECX/EDX.
        CpuCaches caches = CpuCaches.DecodeAmdSizeLeaves(0x300c0140, 0x04006140, 0x0fe09140)!;
        Assert.Equal(new CpuCache(1, 48 << 10, 12, 64, 1), caches.L1Data);
        Assert.Equal(new CpuCache(2, 1 << 20, 8, 64, 1), caches.L2);
        Assert.Equal(new CpuCache(3, 1016L * (512 << 10), 16, 64, 8), caches.L3);
        Assert.Null(CpuCaches.DecodeAmdSizeLeaves(0, 0x04006140, 0)); // no L1d size: nothing to build on
    }

    [Fact]
    public void DeterministicCacheLeafDecodesAsTheManualGivesIt()
    {
        // Leaf 4 as an Emerald Rapids core (family 6 model 207) reports it: EAX type, level, self-initializing, sharing − 1
        // and cores − 1; EBX ways − 1, partitions − 1, line − 1; ECX sets − 1.
        static int Eax(int type, int level, int sharing) => type | level << 5 | 1 << 8 | (sharing - 1) << 14 | 63 << 26;
        static int Ebx(int ways) => (ways - 1) << 22 | 0 << 12 | 63;
        Assert.Equal(new CpuCache(1, 48 << 10, 12, 64, 2), CpuCaches.DecodeDeterministicCacheLeaf(Eax(1, 1, 2), Ebx(12), 63));
        Assert.Equal(new CpuCache(2, 2 << 20, 16, 64, 2), CpuCaches.DecodeDeterministicCacheLeaf(Eax(3, 2, 2), Ebx(16), 2047));
        Assert.Equal(new CpuCache(3, 320L << 20, 20, 64, 128), CpuCaches.DecodeDeterministicCacheLeaf(Eax(3, 3, 128), Ebx(20), 262143));
        Assert.Null(CpuCaches.DecodeDeterministicCacheLeaf(Eax(2, 1, 2), Ebx(8), 63)); // the instruction cache
        Assert.Null(CpuCaches.DecodeDeterministicCacheLeaf(0, 0, 0));                  // no cache
        // A hypervisor's garbage (EBX all ones): 1024 ways × 1024 partitions × 4096-byte lines overflows an int; the entry is
        // a plausible huge cache or skipped, never a refused one that would stop the engine at its first product.
        Assert.True(CpuCaches.DecodeDeterministicCacheLeaf(1 | 1 << 5, unchecked((int)0xFFFFFFFF), 0) is null or { SizeBytes: > 0 });
        Assert.True(CpuCaches.DecodeDeterministicCacheLeaf(1 | 1 << 5, unchecked((int)0xFFFFF7FF), 0) is null or { SizeBytes: > 0 });
    }

    [Fact]
    public void IntelServerCoresHaveTheirPublishedCachesWhereNothingCanBeRead()
    {
        CpuCaches emerald = CpuCaches.ForKnownModel(new CpuIdentity("GenuineIntel", 6, 207, HasAvx512: true))!;
        Assert.Equal(new CpuCache(1, 48 << 10, 12, 64, 1), emerald.L1Data);
        Assert.Equal(new CpuCache(2, 2 << 20, 16, 64, 1), emerald.L2);
        Assert.Equal("table: family 6 model 207", emerald.Source);
        Assert.Equal(32 << 10, CpuCaches.ForKnownModel(new CpuIdentity("GenuineIntel", 6, 85, true))!.L1Data.SizeBytes);
        Assert.Equal(1280 << 10, CpuCaches.ForKnownModel(new CpuIdentity("GenuineIntel", 6, 106, true))!.L2.SizeBytes);
        Assert.Null(CpuCaches.ForKnownModel(new CpuIdentity("GenuineIntel", 6, 151, false))); // a client part: not in the table
        Assert.Null(CpuCaches.ForKnownModel(new CpuIdentity("AuthenticAMD", 26, 2, true)));
        Assert.Null(CpuCaches.ForKnownModel(new CpuIdentity("", 0, 0, false)));
    }

    [Theory]
    [InlineData(0L, 8, 64)]
    [InlineData(32L << 10, 0, 64)]
    [InlineData(32L << 10, 8, 0)]
    [InlineData(32L, 8, 64)]
    public void ACacheWithoutLinesWaysOrRoomIsRefusedWhereItIsMade(long size, int ways, int line) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new CpuCache(1, size, ways, line, 1));

    [Fact]
    public void CpuidAgreesWithSysfsOnL1dAndL2()
    {
        CpuCaches? sysfs = CpuCaches.FromSysfs("/sys/devices/system/cpu/cpu0/cache"), cpuid = CpuCaches.FromCpuid();
        if (sysfs is null || cpuid is null) return; // Needs Linux on x86 with the deterministic cache leaves.
        Assert.Equal(sysfs.L1Data.SizeBytes, cpuid.L1Data.SizeBytes);
        Assert.Equal(sysfs.L1Data.Ways, cpuid.L1Data.Ways);
        Assert.Equal(sysfs.L2.SizeBytes, cpuid.L2.SizeBytes);
    }

    [Fact]
    public void ThisMachineHasPlausibleCachesAndAnIdentity()
    {
        CpuCaches caches = CpuCaches.Current;
        Assert.InRange(caches.L1Data.SizeBytes, 8 << 10, 4 << 20);
        Assert.True(caches.L2.SizeBytes >= caches.L1Data.SizeBytes);
        Assert.Contains(CpuIdentity.Current.FmaBitsPerCycle, new[] { 128, 512, 1024 });
    }

    private static void Write(string root, string index, string level, string type, string size, string ways, string shared)
    {
        string dir = Path.Combine(root, index);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "level"), level + "\n");
        File.WriteAllText(Path.Combine(dir, "type"), type + "\n");
        File.WriteAllText(Path.Combine(dir, "size"), size + "\n");
        File.WriteAllText(Path.Combine(dir, "ways_of_associativity"), ways + "\n");
        File.WriteAllText(Path.Combine(dir, "coherency_line_size"), "64\n");
        File.WriteAllText(Path.Combine(dir, "shared_cpu_list"), shared + "\n");
    }
}
