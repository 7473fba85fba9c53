namespace Microsoft.ML.Autoencoders.Benchmarks;

/// <summary>
/// Our kernel figures for the summary: the FMA ceiling (ours only: it is the machine's limit, not a framework's)
/// and SGEMM GFLOP/s for every <see cref="GemmCases"/> shape plus the training-step mix.
/// </summary>
public static class KernelSuite
{
    public static void Run(BenchSettings settings, int threads, BenchReport report)
    {
        foreach (int bits in new[] { 512, 256 })
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
}
