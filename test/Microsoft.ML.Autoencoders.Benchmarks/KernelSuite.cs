using System.Runtime.Intrinsics;

namespace Microsoft.ML.Autoencoders.Benchmarks;

/// <summary>
/// Our kernel figures for the summary: the FMA ceiling (ours only: it is the machine's limit, not a framework's)
/// and SGEMM GFLOP/s for every <see cref="GemmCases"/> shape plus the training-step mix.
/// </summary>
public static class KernelSuite
{
    public static void Run(BenchSettings settings, int threads, BenchReport report)
    {
        foreach (int bits in FmaWidths())
        {
            foreach (int t in new[] { 1, threads }.Distinct())
            {
                double gflops = FmaPeak.Measure(bits, t, settings.FmaSeconds);
                report.Add($"fma_peak_v{bits}_{t}t", "GFLOP/s", gflops, "higher", $"Vector{bits} FMA, 12 accumulators, {t} thread(s)");
            }
        }

        var timer = SampleTimer.For(settings);
        var seconds = new Dictionary<string, double>();
        foreach (var gemm in GemmCases.All)
        {
            var operands = new GemmOperands(gemm, threads);
            double s = timer.MedianSecondsPerCall(operands.Multiply);
            if (!float.IsFinite(operands.Result(0))) throw new InvalidOperationException($"{gemm.Name} produced {operands.Result(0)}.");
            seconds[gemm.Name] = s;
            report.Add(gemm.Name, "GFLOP/s", gemm.Flops / s / 1e9, "higher", $"{gemm.Layout} m={gemm.M} n={gemm.N} k={gemm.K}");
        }
        report.Add("sgemm_ae_step_mix", "GFLOP/s", GemmCases.StepMixGflops(seconds), "higher",
            $"the {GemmCases.AutoencoderStep.Count} products of one training step, total FLOP / total time");
    }

    /// <summary>
    /// The vector widths whose FMA ceiling this machine can measure: 512 only where .NET accelerates Vector512, which it
    /// does not on CPUs without AVX-512, in guests that hide it, or on Skylake-SP to Cooper Lake (family 6 model 85), where
    /// the runtime leaves 512-bit vectors off by default; there the kernel part reports the 256-bit ceiling alone instead
    /// of failing the whole bench.
    /// </summary>
    public static int[] FmaWidths() =>
        [.. new[] { (512, Vector512.IsHardwareAccelerated), (256, Vector256.IsHardwareAccelerated) }.Where(w => w.Item2).Select(w => w.Item1)];
}
