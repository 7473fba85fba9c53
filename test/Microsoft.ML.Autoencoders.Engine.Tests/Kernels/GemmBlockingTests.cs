using Microsoft.ML.Autoencoders.Engine.Hardware;
using Microsoft.ML.Autoencoders.Engine.Kernels;

namespace Microsoft.ML.Autoencoders.Engine.Tests.Kernels;

/// <summary>
/// The blocking derived from the caches (<see cref="GemmBlocking"/>): what the model gives for the processors these
/// machines have, and that every blocking — this machine's, other processors', forced small ones — matches the reference
/// on odd shapes and keeps its bits across thread counts and batchings.
/// </summary>
public class GemmBlockingTests
{
    /// <summary>AMD EPYC Zen 4 as sysfs shows it in this project's VMs: 32 KiB 8-way L1d, 1 MiB 8-way L2, 32 MiB L3 seen by 2.</summary>
    private static readonly CpuCaches Zen4 = new(
        new CpuCache(1, 32 << 10, 8, 64, 1), new CpuCache(2, 1 << 20, 8, 64, 1), new CpuCache(3, 32 << 20, 16, 64, 2), "test");

    /// <summary>Intel Xeon family 6 model 207 (Emerald Rapids): 48 KiB 12-way L1d, 2 MiB 16-way L2, 320 MiB 20-way L3 seen by 2.</summary>
    private static readonly CpuCaches EmeraldRapids = new(
        new CpuCache(1, 48 << 10, 12, 64, 1), new CpuCache(2, 2 << 20, 16, 64, 1), new CpuCache(3, 320L << 20, 20, 64, 2), "test");

    /// <summary>AMD EPYC Zen 5 (family 26 model 2) as a guest shows it through CPUID's size leaves: 48 KiB 12-way L1d, 1 MiB L2.</summary>
    private static readonly CpuCaches Zen5 = new(
        new CpuCache(1, 48 << 10, 12, 64, 1), new CpuCache(2, 1 << 20, 8, 64, 1), new CpuCache(3, 1016L * (512 << 10), 16, 64, 8), "test");

    [Fact]
    public void Zen5FeedsTheKernelFromItsWiderL2()
    {
        GemmMicroKernel? avx512 = GemmMicroKernel.Avx512;
        if (avx512 is null) return;
        // Two 512-bit FMAs per cycle: 176 bytes per 12 cycles, 14.7 B/cycle, within a quarter of the 64-byte L2 path.
        GemmBlocking zen5 = GemmBlocking.Derive(avx512, Zen5, fmaBitsPerCycle: 1024, l2BytesPerCycle: 64);
        Assert.True(zen5.BMicroPanelFromL2);
        // Two full-width pipes: the longer L2-fed depth, and the row block that still fits half of L2 beside the B micro-panel.
        Assert.Equal(GemmBlocking.LongDepthBlockTwoFullWidthPipes, zen5.DepthBlock);
        Assert.Equal(1024, zen5.DepthBlock);
        Assert.Equal(96, zen5.RowBlock);      // (512 KiB − 128 KiB B micro-panel) / 4 KiB per row, whole slivers of 12
        Assert.Equal(8128, zen5.ColumnBlock); // 31.75 MiB (half of a 1/8 share of 508 MiB) / 4 KiB per column
        // The same caches with a 32-byte L2 path (the default) take the L1 model.
        Assert.False(GemmBlocking.Derive(avx512, Zen5, fmaBitsPerCycle: 1024).BMicroPanelFromL2);
    }

    [Fact]
    public void Zen4KeepsTheLongL2FedDepthAndEmeraldRapidsGetsTheModelsL1Depth()
    {
        GemmMicroKernel? avx512 = GemmMicroKernel.Avx512;
        if (avx512 is null) return; // The 12 × 32 kernel exists only where AVX-512 does.

        // One 512-bit FMA per cycle (two 256-bit pipes): 176 bytes per 24 cycles, fed from L2; kc stays 768.
        GemmBlocking zen4 = GemmBlocking.Derive(avx512, Zen4, fmaBitsPerCycle: 512);
        Assert.True(zen4.BMicroPanelFromL2);
        Assert.Equal(768, zen4.DepthBlock);
        Assert.Equal(132, zen4.RowBlock);   // (512 KiB − 96 KiB B micro-panel) / 3 KiB per row, whole slivers of 12
        Assert.Equal(2720, zen4.ColumnBlock); // 8 MiB (half of 16 MiB) / 3 KiB per column, whole panels of 32

        // Two 512-bit FMAs per cycle: Low et al.'s L1 bound, ⌊11 / (1 + 32/12)⌋ = 3 ways of 64 sets × 64 bytes for a 12-row sliver.
        GemmBlocking emerald = GemmBlocking.Derive(avx512, EmeraldRapids, fmaBitsPerCycle: 1024);
        Assert.False(emerald.BMicroPanelFromL2);
        Assert.Equal(256, emerald.DepthBlock);
        Assert.Equal(984, emerald.RowBlock);
        Assert.Equal(16384, emerald.ColumnBlock); // capped
    }

    [Fact]
    public void AnImplausiblyLargeL1GivesNoDeeperBlockThanEverMeasured()
    {
        GemmMicroKernel kernel = GemmMicroKernel.Avx512 ?? GemmMicroKernel.Avx2 ?? GemmMicroKernel.Portable;
        // A hypervisor's 4 MiB 16-way "L1d": the model alone would ask for a depth in the tens of thousands.
        var invented = new CpuCaches(new CpuCache(1, 4 << 20, 16, 64, 1), new CpuCache(2, 16 << 20, 16, 64, 1), null, "test");
        GemmBlocking blocking = GemmBlocking.Derive(kernel, invented, fmaBitsPerCycle: 1024);
        Assert.False(blocking.BMicroPanelFromL2);
        Assert.Equal(GemmBlocking.LongDepthBlockTwoFullWidthPipes, blocking.DepthBlock);
    }

    [Fact]
    public void EmeraldRapidsFromThePublishedTableBlocksAsFromItsSysfs()
    {
        GemmMicroKernel? avx512 = GemmMicroKernel.Avx512;
        if (avx512 is null) return;
        // A guest that hides sysfs and leaf 4 gets the same kc and mc as one that shows them, not the defaults' kc = 80.
        CpuCaches table = CpuCaches.ForKnownModel(new CpuIdentity("GenuineIntel", 6, 207, HasAvx512: true))!;
        GemmBlocking fromTable = GemmBlocking.Derive(avx512, table, fmaBitsPerCycle: 1024);
        GemmBlocking fromSysfs = GemmBlocking.Derive(avx512, EmeraldRapids, fmaBitsPerCycle: 1024);
        Assert.Equal(fromSysfs.DepthBlock, fromTable.DepthBlock);
        Assert.Equal(fromSysfs.RowBlock, fromTable.RowBlock);
        Assert.Equal(80, GemmBlocking.Derive(avx512, CpuCaches.Defaults, fmaBitsPerCycle: 1024).DepthBlock);
    }

    [Fact]
    public void ASetDepthBlockReplacesTheModelsAndTheOtherBlocksFitAroundIt()
    {
        GemmMicroKernel kernel = GemmMicroKernel.Avx512 ?? GemmMicroKernel.Portable;
        GemmBlocking model = GemmBlocking.Derive(kernel, EmeraldRapids, fmaBitsPerCycle: 1024);
        Assert.False(model.DepthBlockSet);

        GemmBlocking set = GemmBlocking.Derive(kernel, EmeraldRapids, fmaBitsPerCycle: 1024, depthBlock: 773);
        Assert.True(set.DepthBlockSet);
        Assert.Equal(768, set.DepthBlock);                    // rounded down to the packer's multiple of 8
        Assert.True(set.BMicroPanelFromL2);                    // past the L1-resident depth of 256
        Assert.Contains($"kc=768 (set by {GemmBlocking.DepthBlockVariable}; B micro-panel from L2)", set.ToString());
        // The packed A block still fills half of L2 beside the B micro-panel, now 768 deep.
        long halfL2 = EmeraldRapids.L2.SizeBytes / 2;
        Assert.True((long)set.RowBlock * 768 * 4 + 768L * kernel.Columns * 4 <= halfL2);
        Assert.True((long)(set.RowBlock + kernel.Rows) * 768 * 4 + 768L * kernel.Columns * 4 > halfL2);

        // A depth below the model's stays in L1.
        Assert.False(GemmBlocking.Derive(kernel, EmeraldRapids, 1024, depthBlock: 128).BMicroPanelFromL2);
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("", null)]
    [InlineData(" 512 ", 512)]
    [InlineData("8", 8)]
    [InlineData("65536", 65536)]
    public void TheDepthBlockVariableReadsAWholeNumber(string? value, int? expected) =>
        Assert.Equal(expected, GemmBlocking.DepthBlockFromEnvironment(value));

    [Theory]
    [InlineData("7")]
    [InlineData("0")]
    [InlineData("-256")]
    [InlineData("512k")]
    [InlineData("1e3")]
    [InlineData("65537")]
    public void AnUnreadableDepthBlockVariableIsRefusedByName(string value)
    {
        var error = Assert.Throws<InvalidOperationException>(() => GemmBlocking.DepthBlockFromEnvironment(value));
        Assert.Contains(GemmBlocking.DepthBlockVariable, error.Message);
        Assert.Contains(value, error.Message);
    }

    [Fact]
    public void AvxTwoKernelOnTwo256BitPipesUsesTheL1Model()
    {
        GemmMicroKernel? avx2 = GemmMicroKernel.Avx2;
        if (avx2 is null) return;
        // 6 × 16: 88 bytes per 6 cycles is 14.7 B/cycle; ⌊7 / (1 + 16/6)⌋ = 1 way → 4096 / 24 = 170 → 168.
        GemmBlocking blocking = GemmBlocking.Derive(avx2, Zen4, fmaBitsPerCycle: 512);
        Assert.False(blocking.BMicroPanelFromL2);
        Assert.Equal(168, blocking.DepthBlock);
    }

    [Fact]
    public void ATinyL1FallsBackToHalfOfItForBothSlivers()
    {
        var tiny = new CpuCaches(new CpuCache(1, 8 << 10, 2, 64, 1), new CpuCache(2, 128 << 10, 8, 64, 1), null, "test");
        GemmMicroKernel kernel = GemmMicroKernel.Portable;
        GemmBlocking blocking = GemmBlocking.Derive(kernel, tiny, fmaBitsPerCycle: 1024);
        // ⌊1 / (1 + nr/mr)⌋ = 0 ways: the sliver pair shares half of the 8 KiB.
        Assert.Equal(4096 / ((kernel.Rows + kernel.Columns) * 4) / 8 * 8, blocking.DepthBlock);
        Assert.True(blocking.RowBlock >= kernel.Rows && blocking.RowBlock % kernel.Rows == 0);
        Assert.True(blocking.ColumnBlock >= kernel.Columns && blocking.ColumnBlock % kernel.Columns == 0);
    }

    /// <summary>Every kernel this CPU runs, in this machine's blocking, the two processors' above, and forced small blocks.</summary>
    public static TheoryData<string> Blockings()
    {
        var data = new TheoryData<string>();
        foreach (string name in AllBlockings().Keys) data.Add(name);
        return data;
    }

    [Theory]
    [MemberData(nameof(Blockings))]
    public void EveryBlockingMatchesTheReferenceOnOddShapes(string name)
    {
        GemmBlocking blocking = AllBlockings()[name];
        // 1, 7, 33: narrower than a tile; 130 × 70 × 600 crosses kc = 256 (and the small blocks everywhere); 300 × 257 × 129
        // crosses mc on the small blocks and leaves a one-column edge panel.
        foreach ((int m, int n, int k) in new[] { (1, 7, 33), (7, 33, 1), (33, 1, 7), (13, 40, 9), (130, 70, 600), (300, 257, 129) })
        foreach (Transpose transA in new[] { Transpose.No, Transpose.Yes })
        foreach (Transpose transB in new[] { Transpose.No, Transpose.Yes })
        {
            new GemmTests.Problem(transA, transB, m, n, k, seed: m * 31 + n * 7 + k).AssertMatchesReference(blocking, alpha: 0.75f, beta: 0.5f, threads: 2);
        }
    }

    [Theory]
    [MemberData(nameof(Blockings))]
    public void EveryBlockingGivesTheSameBitsOnOneTwoAndSevenThreads(string name)
    {
        GemmBlocking blocking = AllBlockings()[name];
        foreach ((int m, int n, int k) in new[] { (256, 256, 784), (300, 513, 600), (16, 784, 784) })
        foreach (Transpose transA in new[] { Transpose.No, Transpose.Yes })
        {
            var problem = new GemmTests.Problem(transA, Transpose.No, m, n, k, seed: 21);
            float[] single = problem.RunFast(blocking, 1f, 1f, threads: 1);
            Assert.Equal(single, problem.RunFast(blocking, 1f, 1f, threads: 2));
            Assert.Equal(single, problem.RunFast(blocking, 1f, 1f, threads: 7));
        }
    }

    [Theory]
    [MemberData(nameof(Blockings))]
    public void UnderEveryBlockingARowAloneEqualsTheSameRowInABatch(string name)
    {
        GemmBlocking blocking = AllBlockings()[name];
        const int batch = 40, n = 300, k = 700;
        var random = new Random(batch);
        float[] x = Values(random, batch * k), w = Values(random, k * n);
        var whole = new float[batch * n];
        Gemm.Multiply(blocking, Transpose.No, Transpose.No, batch, n, k, 1f, x, k, w, n, 0f, whole, n, threads: 2);
        foreach (int rows in new[] { 1, 3, 16 })
        {
            var alone = new float[rows * n];
            Gemm.Multiply(blocking, Transpose.No, Transpose.No, rows, n, k, 1f, x.AsSpan(5 * k, rows * k), k, w, n, 0f, alone, n, threads: 1);
            Assert.Equal(whole.AsSpan(5 * n, rows * n).ToArray(), alone);
        }
    }

    [Fact]
    public void OnlyTheDepthBlockDecidesTheBits()
    {
        // mc and nc reorder tiles, and every kernel runs the same chain of fused multiply-adds per element, so products in
        // equal depth blocks agree to the bit whatever the kernel and the other blocks: the kernel choice never changes results.
        var problem = new GemmTests.Problem(Transpose.No, Transpose.Yes, 150, 200, 700, seed: 4);
        float[]? first = null;
        foreach (GemmMicroKernel kernel in GemmMicroKernel.Supported)
        foreach ((int mc, int nc) in new[] { (12, 32), (96, 256), (1000, 4096) })
        {
            float[] c = problem.RunFast(GemmBlocking.Create(kernel, 256, mc, nc), 1f, 0f, threads: 2);
            if (first is null) first = c;
            else Assert.Equal(first, c);
        }
    }

    [Fact]
    public void TheDescriptionNamesTileBlocksAndCaches()
    {
        string text = GemmBlocking.Current.ToString();
        Assert.Contains($"MR×NR={GemmBlocking.Current.Rows}×{GemmBlocking.Current.Columns}", text);
        Assert.Contains($"kc={GemmBlocking.Current.DepthBlock}", text);
        Assert.Contains("L1d", text);
    }

    private static Dictionary<string, GemmBlocking> AllBlockings()
    {
        var blockings = new Dictionary<string, GemmBlocking>();
        foreach (GemmMicroKernel kernel in GemmMicroKernel.Supported)
        {
            blockings[$"{kernel.Name} here"] = GemmBlocking.For(kernel);
            blockings[$"{kernel.Name} Zen 4"] = GemmBlocking.Derive(kernel, Zen4, 512);
            blockings[$"{kernel.Name} Emerald Rapids"] = GemmBlocking.Derive(kernel, EmeraldRapids, 1024);
            blockings[$"{kernel.Name} Zen 5"] = GemmBlocking.Derive(kernel, Zen5, 1024, 64);
            blockings[$"{kernel.Name} defaults"] = GemmBlocking.Derive(kernel, CpuCaches.Defaults, 512);
            blockings[$"{kernel.Name} kc set to 520"] = GemmBlocking.Derive(kernel, EmeraldRapids, 1024, depthBlock: 520);
            blockings[$"{kernel.Name} small blocks"] = GemmBlocking.Create(kernel, 16, 2 * kernel.Rows, 2 * kernel.Columns);
        }
        return blockings;
    }

    private static float[] Values(Random random, int count)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = (float)(random.NextDouble() * 2 - 1);
        return values;
    }
}
