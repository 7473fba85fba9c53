using Microsoft.ML.Autoencoders.Engine.Hardware;

namespace Microsoft.ML.Autoencoders.Engine.Tests.Hardware;

/// <summary>The processor's identity from CPUID, held to what Linux reports, and the FMA-width table.</summary>
public class CpuIdentityTests
{
    [Fact]
    public void CpuidGivesTheVendorFamilyAndModelLinuxReports()
    {
        if (!File.Exists("/proc/cpuinfo") || !System.Runtime.Intrinsics.X86.X86Base.IsSupported) return;
        string Field(string key) => File.ReadLines("/proc/cpuinfo")
            .Select(line => line.Split(':', 2)).First(parts => parts.Length == 2 && parts[0].Trim() == key)[1].Trim();

        CpuIdentity identity = CpuIdentity.Current;
        Assert.Equal(Field("vendor_id"), identity.Vendor);
        Assert.Equal(int.Parse(Field("cpu family")), identity.Family);
        Assert.Equal(int.Parse(Field("model")), identity.Model);
    }

    [Theory]
    [InlineData("GenuineIntel", 6, 207, true, 1024)]  // Emerald Rapids: two 512-bit FMA units
    [InlineData("GenuineIntel", 6, 143, true, 1024)]  // Sapphire Rapids
    [InlineData("GenuineIntel", 6, 140, true, 512)]   // Tiger Lake (client): one 512-bit unit, counted as two 256-bit pipes
    [InlineData("AuthenticAMD", 25, 17, true, 512)]   // Zen 4: two 256-bit pipes, a 512-bit FMA split over both
    [InlineData("AuthenticAMD", 26, 2, true, 1024)]   // Zen 5 EPYC Turin: full 512-bit datapath (measured)
    [InlineData("AuthenticAMD", 26, 68, true, 1024)]  // Zen 5 Ryzen Granite Ridge (0x44)
    [InlineData("AuthenticAMD", 26, 36, true, 512)]   // Zen 5 mobile Strix Point (0x24): 256-bit pipes
    public void OnlyServerAndFullWidthModelsGetTwo512BitFmaUnits(string vendor, int family, int model, bool avx512, int expected)
    {
        if (!System.Runtime.Intrinsics.X86.Fma.IsSupported) return; // Without FMA every entry reads 128 (or 512 off x86).
        Assert.Equal(expected, new CpuIdentity(vendor, family, model, avx512).FmaBitsPerCycle);
    }

    [Theory]
    [InlineData("AuthenticAMD", 26, 2, 64)]   // Zen 5: the L2 feeds the L1 64 bytes a cycle
    [InlineData("AuthenticAMD", 25, 17, 32)]  // Zen 4
    [InlineData("GenuineIntel", 6, 207, 32)]  // unmeasured here: the default
    public void OnlyZen5GetsTheWideL2Path(string vendor, int family, int model, int expected) =>
        Assert.Equal(expected, new CpuIdentity(vendor, family, model, HasAvx512: true).L2BytesPerCycle);
}
