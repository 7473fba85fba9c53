using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Text;

namespace Microsoft.ML.Autoencoders.Engine.Hardware;

/// <summary>
/// Who made the processor and which one it is (CPUID leaves 0 and 1), and from that how many bits of fused multiply-add
/// a core retires per cycle, which CPUID does not say.
/// </summary>
/// <param name="Vendor">"GenuineIntel", "AuthenticAMD", or "" off x86.</param>
/// <param name="Family">Display family (base family plus extended family).</param>
/// <param name="Model">Display model (with the extended model bits where the family uses them).</param>
/// <param name="HasAvx512">AVX-512F, as the runtime reports it.</param>
public sealed record CpuIdentity(string Vendor, int Family, int Model, bool HasAvx512)
{
    /// <summary>
    /// Intel family 6 server models with AVX-512 whose cores have two 512-bit FMA units: Skylake-SP / Cascade Lake /
    /// Cooper Lake (85; the Gold 6000 and Platinum parts — Silver, Bronze and Gold 5000 have one, which CPUID cannot tell
    /// apart), Ice Lake-SP (106, 108), Sapphire Rapids (143), Emerald Rapids (207), Granite Rapids (173, 174). On model 85
    /// .NET leaves Vector512 off by default (the 512-bit frequency licence), so <see cref="HasAvx512"/> is false there and
    /// it gets 512 unless <c>DOTNET_PreferredVectorBitWidth=512</c> turns the wide vectors on: the one-unit parts' figure,
    /// which gives the 12 × 32 kernel (still run, on AVX-512F) the long L2-fed kc measured on Zen 4's equal FMA rate.
    /// </summary>
    private static readonly int[] s_intelTwoAvx512FmaModels = [85, 106, 108, 143, 207, 173, 174];

    /// <summary>
    /// AMD family 26 (Zen 5) model ranges with the full 512-bit datapath (two 512-bit FMA pipes): EPYC Turin (0x00–0x1F),
    /// Ryzen Granite Ridge (0x40–0x4F) and Strix Halo (0x70–0x7F). The mobile Strix and Krackan Point parts (0x20–0x2F,
    /// 0x60–0x6F) split a 512-bit FMA over two 256-bit pipes as Zen 4 does. Measured on family 26 model 2 (2026-12-04,
    /// <c>run --part kernels</c>): Vector512 FMA 229.9 GFLOP/s on one thread against 114.6 with Vector256, so 64 FLOP per
    /// cycle at about 3.6 GHz.
    /// </summary>
    private static readonly (int First, int Last)[] s_zen5FullWidthModels = [(0x00, 0x1F), (0x40, 0x4F), (0x70, 0x7F)];

    private static readonly Lazy<CpuIdentity> s_current = new(Detect);

    /// <summary>This machine's processor, read once.</summary>
    public static CpuIdentity Current => s_current.Value;

    /// <summary>
    /// FP32 FMA width a core retires per cycle, in bits: 1024 for two 512-bit units (the Intel servers and Zen 5 parts above), 512 for
    /// two 256-bit units — AMD Zen 2 to Zen 4 (Zen 4 splits a 512-bit FMA over both) and Intel cores since Haswell —
    /// which is also assumed for any processor not in the table, 128 without FMA. A table, not a measurement, so the
    /// blocking derived from it (and with it the bits of every product) is the same in every process on one machine.
    /// </summary>
    public int FmaBitsPerCycle =>
        Vendor == "GenuineIntel" && Family == 6 && HasAvx512 && s_intelTwoAvx512FmaModels.Contains(Model) ? 1024
        : Vendor == "AuthenticAMD" && Family == 26 && HasAvx512 && s_zen5FullWidthModels.Any(r => Model >= r.First && Model <= r.Last) ? 1024
        : Fma.IsSupported || !X86Base.IsSupported ? 512
        : 128;

    /// <summary>
    /// Bytes per cycle the L2 delivers to the L1 of one core: 64 on Zen 5 (family 26), whose L2–L1 path AMD doubled to
    /// 64 bytes, and 32 everywhere else — Zen 2 to Zen 4, and the assumption for any processor not in the table, which
    /// keeps the GEMM's L2-fed rule (<see cref="Kernels.GemmBlocking.L2FedShareOfBandwidth"/>) where it was measured.
    /// Intel's server cores also move 64 bytes a cycle, but that is unmeasured here, so they keep the default.
    /// </summary>
    public int L2BytesPerCycle => Vendor == "AuthenticAMD" && Family == 26 ? 64 : 32;

    /// <inheritdoc/>
    public override string ToString() => Vendor.Length == 0 ? "non-x86" : $"{Vendor} family {Family} model {Model}";

    private static CpuIdentity Detect()
    {
        bool avx512 = Avx512F.IsSupported && Vector512.IsHardwareAccelerated;
        if (!X86Base.IsSupported) return new CpuIdentity("", 0, 0, avx512);
        (_, int ebx, int ecx, int edx) = X86Base.CpuId(0, 0);
        var vendor = new StringBuilder(12);
        foreach (int word in new[] { ebx, edx, ecx })
            for (int shift = 0; shift < 32; shift += 8) vendor.Append((char)((word >> shift) & 0xFF));
        (int eax, _, _, _) = X86Base.CpuId(1, 0);
        int baseFamily = (eax >> 8) & 0xF, baseModel = (eax >> 4) & 0xF;
        int family = baseFamily == 0xF ? baseFamily + ((eax >> 20) & 0xFF) : baseFamily;
        int model = baseFamily is 0x6 or 0xF ? baseModel | (((eax >> 16) & 0xF) << 4) : baseModel;
        return new CpuIdentity(vendor.ToString(), family, model, avx512);
    }
}
