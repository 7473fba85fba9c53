using Microsoft.ML.Autoencoders.Engine.Hardware;

namespace Microsoft.ML.Autoencoders.Engine.Kernels;

/// <summary>
/// The cache blocking of the GEMM on this processor: the micro-kernel's tile (mr × nr), the depth block kc, the row block
/// mc and the column block nc, derived from the caches (<see cref="CpuCaches"/>) and the FMA width (<see cref="CpuIdentity"/>)
/// by the analytical model of Low, Igual, Smith and Quintana-Ortí, "Analytical modeling is enough for high-performance BLIS"
/// (ACM TOMS 43(2), 2016), with one measured exception described at <see cref="L2FedShareOfBandwidth"/>.
/// </summary>
/// <remarks>
/// Only kc changes results (each element of C sums its depth blocks one after another); mc and nc only reorder which tiles
/// are computed when. kc is derived from cache sizes and a table, never from a timing, so every process on one machine
/// computes the same bits, and for a given thread count and blocking results are bit-identical. The one exception is
/// asked for by name: <see cref="DepthBlockVariable"/> sets kc, to measure another depth on a new CPU, or to give
/// machines with different caches the same bits.
/// </remarks>
public sealed class GemmBlocking
{
    private const int FloatBytes = sizeof(float);

    /// <summary>
    /// Where the micro-kernel needs at most this share of the L2's bandwidth (its A and B bytes per depth step over the
    /// cycles the step's FMAs take, against <see cref="CpuIdentity.L2BytesPerCycle"/>), the B micro-panel is left to stream
    /// from L2 and kc is long (<see cref="LongDepthBlock"/>) instead of the model's L1-sized one. The model keeps the B
    /// micro-panel in L1 so the L2 never has to feed the kernel; when the L2 easily can, the cost that matters is the C tile
    /// read and written at the end of every depth block. Zen 4's 12 × 32 AVX-512 kernel needs 176 bytes per 24 cycles
    /// (7.3 B/cycle of 32): kc = 88 (the L1 model) 70, 256 → 93, 768 → 91–96 GFLOP/s at 2048² on one thread (2026-12-03,
    /// <c>gemm</c> verb); 1024²: 78, 74 and 90–94. Zen 5 runs the same kernel on two 512-bit pipes, 176 bytes per 12
    /// cycles (14.7 B/cycle of 64): at 2048² on two threads kc = 512 beat the model's 256 in 8 of 8 alternating pairs
    /// (median ratio 1.08), and 768 tied 512 (2026-12-04); 1024 beat 768 (<see cref="LongDepthBlockTwoFullWidthPipes"/>). The AVX2 kernel on two 256-bit pipes (14.7 of 32) and Intel's
    /// two 512-bit units (14.7 of an assumed 32) get the model's kc: unmeasured here, and the published default.
    /// </summary>
    public const double L2FedShareOfBandwidth = 0.25;

    /// <summary>kc when the kernel is fed from L2 (see <see cref="L2FedShareOfBandwidth"/>): the best depth measured on Zen 4.</summary>
    public const int LongDepthBlock = 768;

    /// <summary>
    /// kc when the kernel is fed from L2 on a core with two full-width (512-bit) FMA pipes, such as Zen 5. A depth block then
    /// takes half the cycles it takes on Zen 4, so what every block costs once (reading and writing each C tile, starting
    /// the A and B streams) weighs twice as much, and a longer block pays. Measured on Zen 5 (2026-12-04, two threads,
    /// blocks forced in one process, alternating with the 768 blocking round by round): kc 1024 beat the 768 blocking
    /// (2048 → 3 × 688, 1024 → 2 × 512) by a median 1.04 at 2048² and 1.06–1.09 at 1024²; one block of 2048 lost (0.97).
    /// </summary>
    public const int LongDepthBlockTwoFullWidthPipes = 1024;

    /// <summary>
    /// The environment variable that sets kc instead of the model (a whole number from 8 to <see cref="MaxDepthBlockSet"/>, rounded down to a
    /// multiple of 8), read once at the first product. Two uses: measuring another depth on a CPU whose best one is not known (the
    /// benchmark's <c>gemm --depths</c> runs a process per depth with it), and the same bits on machines whose caches differ,
    /// since kc is the only blocking choice that changes results. mc and nc are still fitted to the caches around it.
    /// </summary>
    public const string DepthBlockVariable = "AUTOENCODERS_GEMM_KC";

    /// <summary>The longest kc <see cref="DepthBlockVariable"/> may set: packing buffers grow with it, and no cache holds more.</summary>
    public const int MaxDepthBlockSet = 1 << 16;

    /// <summary>Upper bound on nc, so a huge shared L3 (hundreds of MiB on a server) does not size absurd B blocks.</summary>
    private const int MaxColumnBlock = 1 << 14;

    // Read once for the process, not once per kernel: a variable changed after the first product must not give two kernels
    // two depths, and so two sets of bits.
    private static readonly Lazy<int?> s_depthBlockSet = new(() => DepthBlockFromEnvironment(Environment.GetEnvironmentVariable(DepthBlockVariable)));

    private static readonly Lazy<GemmBlocking>[] s_perKernel = GemmMicroKernel.All
        .Select(kernel => new Lazy<GemmBlocking>(() =>
            Derive(kernel, CpuCaches.Current, CpuIdentity.Current.FmaBitsPerCycle, CpuIdentity.Current.L2BytesPerCycle, s_depthBlockSet.Value)))
        .ToArray();

    private GemmBlocking(GemmMicroKernel kernel, int depthBlock, int rowBlock, int columnBlock, bool l2Fed, CpuCaches caches,
        int fmaBitsPerCycle, int l2BytesPerCycle, bool depthBlockSet = false)
    {
        DepthBlockSet = depthBlockSet;
        L2BytesPerCycle = l2BytesPerCycle;
        Kernel = kernel;
        DepthBlock = depthBlock;
        RowBlock = rowBlock;
        ColumnBlock = columnBlock;
        BMicroPanelFromL2 = l2Fed;
        Caches = caches;
        FmaBitsPerCycle = fmaBitsPerCycle;
    }

    /// <summary>The blocking every product uses on this machine: that of the fastest micro-kernel it supports.</summary>
    public static GemmBlocking Current => For(GemmMicroKernel.Best);

    /// <summary>Name of the micro-kernel's instruction set ("Avx512", "Avx2", "Portable").</summary>
    public string KernelName => Kernel.Name;

    /// <summary>Tile height mr: rows of C per micro-kernel call.</summary>
    public int Rows => Kernel.Rows;

    /// <summary>Tile width nr: columns of C per micro-kernel call.</summary>
    public int Columns => Kernel.Columns;

    /// <summary>Longest depth block kc; <see cref="DepthBlockFor"/> evens the blocks of a given k.</summary>
    public int DepthBlock { get; }

    /// <summary>Row block mc: rows of the packed A block (a multiple of <see cref="Rows"/>).</summary>
    public int RowBlock { get; }

    /// <summary>Column block nc: columns of the packed B block (a multiple of <see cref="Columns"/>).</summary>
    public int ColumnBlock { get; }

    /// <summary>True when kc is the long, L2-fed one; false when it is the model's L1-resident one.</summary>
    public bool BMicroPanelFromL2 { get; }

    /// <summary>True when kc came from <see cref="DepthBlockVariable"/> instead of the model.</summary>
    public bool DepthBlockSet { get; }

    /// <summary>The caches the blocking was derived from.</summary>
    public CpuCaches Caches { get; }

    /// <summary>FMA bits per cycle assumed for the core (<see cref="CpuIdentity.FmaBitsPerCycle"/>).</summary>
    public int FmaBitsPerCycle { get; }

    /// <summary>L2-to-L1 bytes per cycle assumed for the core (<see cref="CpuIdentity.L2BytesPerCycle"/>).</summary>
    public int L2BytesPerCycle { get; }

    internal GemmMicroKernel Kernel { get; }

    /// <summary>The blocking of <paramref name="kernel"/> on this machine (tests run every kernel).</summary>
    internal static GemmBlocking For(GemmMicroKernel kernel) => s_perKernel[Array.IndexOf(GemmMicroKernel.All, kernel)].Value;

    /// <summary>
    /// The model. kc: either the long, L2-fed depth (<see cref="L2FedShareOfBandwidth"/>, <see cref="LongDepthBlockTwoFullWidthPipes"/>), kept within half of L2 together with
    /// six A slivers and the B micro-panel; or Low et al.'s L1 bound, where the B micro-panel (kc × nr) stays in L1 while
    /// A slivers (mr × kc) stream through: of the L1's W ways one is left for C, the A sliver gets
    /// C_A = ⌊(W − 1) / (1 + nr/mr)⌋ ways and kc = C_A · sets · line / (mr · 4 bytes); when C_A would be 0, the A sliver and
    /// B micro-panel share half of L1. mc: the packed A block (mc × kc) fills half of L2 beside the B micro-panel.
    /// nc: the packed B block (kc × nc) fills half of this core's share of L3. kc is a multiple of 8 (the transposing
    /// packer's 8 × 8 path) and the L1 bound at most 1024 (no longer depth was ever measured to pay), mc of mr, nc of nr. A <paramref name="depthBlock"/> (from <see cref="DepthBlockVariable"/>)
    /// replaces the model's kc; mc and nc are fitted around it as around the model's.
    /// </summary>
    internal static GemmBlocking Derive(GemmMicroKernel kernel, CpuCaches caches, int fmaBitsPerCycle, int l2BytesPerCycle = 32,
        int? depthBlock = null)
    {
        int mr = kernel.Rows, nr = kernel.Columns;
        double cyclesPerStep = (double)mr * nr * 32 / fmaBitsPerCycle;
        double bytesPerCycle = (mr + nr) * FloatBytes / cyclesPerStep;
        bool l2Fed = bytesPerCycle <= L2FedShareOfBandwidth * l2BytesPerCycle;

        long halfL2 = caches.L2.SizeBytes / 2;
        CpuCache l1 = caches.L1Data;
        // ⌊(W − 1) / (1 + nr/mr)⌋ in whole numbers: (W − 1)·mr / (mr + nr), so 11·12/44 = 3 exactly, not a float's floor of it.
        int aWays = (l1.Ways - 1) * mr / (mr + nr);
        int l1ResidentDepth = aWays >= 1
            ? (int)(aWays * l1.Sets * l1.LineBytes / (mr * FloatBytes))
            : (int)(l1.SizeBytes / 2 / ((mr + nr) * FloatBytes));
        int kc;
        if (depthBlock is int set)
        {
            kc = set;
            // Past the L1-resident depth the B micro-panel streams from L2, whatever the model would have chosen.
            l2Fed = set > l1ResidentDepth;
        }
        else if (l2Fed)
        {
            int longDepth = fmaBitsPerCycle >= 2 * 512 ? LongDepthBlockTwoFullWidthPipes : LongDepthBlock;
            kc = (int)Math.Min(longDepth, halfL2 / ((6L * mr + nr) * FloatBytes));
        }
        else
        {
            // No L1 holds more than the longest depth ever measured to pay; a report of megabytes of L1 (a hypervisor's
            // invention) must not give blocks thousands deep.
            kc = Math.Min(l1ResidentDepth, LongDepthBlockTwoFullWidthPipes);
        }
        kc = Math.Max(8, kc / 8 * 8);

        long bMicroPanel = (long)kc * nr * FloatBytes;
        int mc = (int)Math.Max(mr, (halfL2 - bMicroPanel) / ((long)kc * FloatBytes) / mr * mr);
        long l3Half = caches.L3 is { } l3 ? l3.ShareBytes / 2 : caches.L2.SizeBytes;
        int nc = (int)Math.Clamp(l3Half / ((long)kc * FloatBytes) / nr * nr, nr, MaxColumnBlock / nr * nr);
        return new GemmBlocking(kernel, kc, mc, nc, l2Fed, caches, fmaBitsPerCycle, l2BytesPerCycle, depthBlock is not null);
    }

    /// <summary>
    /// kc as <see cref="DepthBlockVariable"/> gives it: null when unset or empty; a whole number of at least 8; anything
    /// else throws, naming the variable, rather than silently running the model's kc.
    /// </summary>
    internal static int? DepthBlockFromEnvironment(string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        if (int.TryParse(value.Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int kc) && kc is >= 8 and <= MaxDepthBlockSet)
            return kc;
        throw new InvalidOperationException(
            $"{DepthBlockVariable}='{value}' is not a GEMM depth block: give a whole number from 8 to {MaxDepthBlockSet} (it is rounded down to a multiple of 8), or unset it to let the caches decide.");
    }

    /// <summary>A blocking with the given blocks (rounded to the kernel's tile), for tests that force small or odd ones.</summary>
    internal static GemmBlocking Create(GemmMicroKernel kernel, int depthBlock, int rowBlock, int columnBlock) =>
        new(kernel, Math.Max(8, depthBlock / 8 * 8), Math.Max(kernel.Rows, rowBlock / kernel.Rows * kernel.Rows),
            Math.Max(kernel.Columns, columnBlock / kernel.Columns * kernel.Columns), l2Fed: false, CpuCaches.Current, CpuIdentity.Current.FmaBitsPerCycle,
            CpuIdentity.Current.L2BytesPerCycle);

    /// <summary>
    /// The depth block for a product of depth <paramref name="k"/>: the blocks are made even (784 → 2 × 392, not
    /// 768 + 16) so none is too short to pay for its C write-back. It depends on k and the blocking alone, so every path
    /// and thread split sums each element in the same blocks.
    /// </summary>
    public int DepthBlockFor(int k)
    {
        int blocks = (k + DepthBlock - 1) / DepthBlock;
        // Multiples of 8 keep the transposing packer on its 8 × 8 register path.
        return Math.Min(k, (((k + blocks - 1) / blocks) + 7) / 8 * 8);
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"{KernelName} MR×NR={Rows}×{Columns}, kc={DepthBlock} ({(DepthBlockSet ? $"set by {DepthBlockVariable}; " : "")}" +
        $"{(BMicroPanelFromL2 ? "B micro-panel from L2" : "B micro-panel in L1")}), " +
        $"mc={RowBlock}, nc={ColumnBlock}, from {Caches}, {FmaBitsPerCycle} FMA bits/cycle and L2 {L2BytesPerCycle} B/cycle";
}
