namespace Microsoft.ML.Autoencoders.Benchmarks.Tests;

/// <summary>What the summary says about the kernels each framework ran: our blocking, the peers' BLAS, the OpenBLAS override.</summary>
public class SummaryKernelsRunTests
{
    [Theory]
    [InlineData(0.00782, 0.00785, true)]  // 0.38 %: the override changed the speed, not the results
    [InlineData(0.00782, 0.00800, false)] // 2.3 %: warned
    public void TheOverrideRecordsBothCoresAndComparesTheTestMse(double nativeMse, double mse, bool within)
    {
        var ours = SummaryMergerTests.Report("ours", ("ae_test_mse", "MSE", 0.0079, "lower"));
        ours.Settings["gemm_blocking"] = "Avx512 MR×NR=12×32, kc=256";
        var pytorch = SummaryMergerTests.Report("pytorch", ("ae_test_mse", "MSE", mse, "lower"));
        pytorch.Settings["openblas_core"] = "SkylakeX (OPENBLAS_CORETYPE=SkylakeX)";
        var native = SummaryMergerTests.Report("pytorch", ("ae_test_mse", "MSE", nativeMse, "lower"));
        var reports = new[] { ours, pytorch };
        var summary = SummaryMerger.Merge(reports, new Dictionary<string, string>(), [], "x", "m");

        SummaryMerger.AddKernelsRun(summary, reports,
            new Dictionary<string, string> { ["pytorch"] = "OpenBLAS 0.3.21, core SkylakeX", ["torchsharp"] = "oneMKL 2024.0, code path: AVX-512" },
            "Prescott=SkylakeX", native);

        Assert.Equal("Avx512 MR×NR=12×32, kc=256", (string?)summary["gemm_blocking"]);
        Assert.Equal("OpenBLAS 0.3.21, core SkylakeX", (string?)summary["peer_blas_pytorch"]);
        Assert.Equal("oneMKL 2024.0, code path: AVX-512", (string?)summary["peer_blas_torchsharp"]);
        var record = summary["openblas_coretype_override"]!;
        Assert.Equal("Prescott", (string?)record["native_core"]);
        Assert.Equal("SkylakeX", (string?)record["coretype"]);
        Assert.Equal("SkylakeX (OPENBLAS_CORETYPE=SkylakeX)", (string?)record["core_used"]);
        Assert.Equal(nativeMse, (double)record["native_test_mse"]!);
        Assert.Equal(within, (bool)record["within_1_percent"]!);
        Assert.Equal(!within, summary["warnings"]!.AsArray().Any(w => ((string?)w)!.Contains("OPENBLAS_CORETYPE", StringComparison.Ordinal)));

        string markdown = BenchmarkMarkdown.Render(summary);
        Assert.Contains("- Our GEMM blocking: Avx512 MR×NR=12×32, kc=256", markdown);
        Assert.Contains("- PyTorch BLAS: OpenBLAS 0.3.21, core SkylakeX", markdown);
        Assert.Contains("picked its generic 'Prescott' kernels", markdown);
    }

    [Fact]
    public void WithoutAnOverrideTheFieldIsNullAndTheFmaPeakIsInTheHeader()
    {
        var ours = SummaryMergerTests.Report("ours", ("fma_peak_v512_1t", "GFLOP/s", 116, "higher"), ("fma_peak_v512_2t", "GFLOP/s", 230, "higher"));
        var summary = SummaryMerger.Merge([ours], new Dictionary<string, string>(), [], "x", "m");
        SummaryMerger.AddKernelsRun(summary, [ours], new Dictionary<string, string>(), null, null);

        Assert.Null(summary["openblas_coretype_override"]);
        Assert.Null(summary["peer_blas_pytorch"]);
        Assert.Contains("- Measured FP32 FMA peak (GFLOP/s, `fma_peak_*`): v512_1t 116, v512_2t 230", BenchmarkMarkdown.Render(summary));
    }
}
