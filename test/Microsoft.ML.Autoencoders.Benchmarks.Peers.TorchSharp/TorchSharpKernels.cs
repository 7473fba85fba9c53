using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Autoencoders.Benchmarks.Peers.TorchSharp;

/// <summary>
/// SGEMM through libtorch on every <see cref="GemmCases"/> shape. A transposed operand is the stored matrix viewed
/// through .t(), which libtorch hands to its BLAS as a transpose flag, as our engine takes one; the product goes
/// into a preallocated C with beta = 0 so no allocation is timed.
/// </summary>
public static class TorchSharpKernels
{
    public static void Run(BenchSettings settings, BenchReport report)
    {
        var timer = SampleTimer.For(settings);
        var seconds = new Dictionary<string, double>();
        using var noGrad = torch.no_grad();
        foreach (var gemm in GemmCases.All)
        {
            using var a = torch.rand(gemm.RowsA, gemm.ColsA) * 2 - 1;
            using var b = torch.rand(gemm.RowsB, gemm.ColsB) * 2 - 1;
            using var opA = gemm.TransA ? a.t() : a.alias();
            using var opB = gemm.TransB ? b.t() : b.alias();
            using var c = torch.zeros(gemm.M, gemm.N);
            double s = timer.MedianSecondsPerCall(() => c.addmm_(opA, opB, beta: 0, alpha: 1));
            seconds[gemm.Name] = s;
            report.Add(gemm.Name, "GFLOP/s", gemm.Flops / s / 1e9, "higher", $"{gemm.Layout} m={gemm.M} n={gemm.N} k={gemm.K}");
        }
        report.Add("sgemm_ae_step_mix", "GFLOP/s", GemmCases.StepMixGflops(seconds), "higher",
            $"the {GemmCases.AutoencoderStep.Count} products of one training step, total FLOP / total time");
    }
}
