namespace Microsoft.ML.Autoencoders.Benchmarks.Tests;

/// <summary>The GEMM depth sweep's report (GemmDepthSweep) reaches summary.json and docs/benchmarks.md as its own section.</summary>
public class DepthSweepSummaryTests
{
    [Fact]
    public void TheSweepAddsItsRowsAndATableOfRatiosToTheChosenDepth()
    {
        var training = SummaryMergerTests.Report("ours", ("ae_epoch_seconds", "s/epoch", 1.0, "lower"));
        var sweep = new BenchReport { Framework = "ours", Version = "1", Mode = "full", Threads = 2 };
        sweep.Add("sgemm_square_2048_kc_256", "GFLOP/s", 300.4, "higher", "the chosen kc=256, best of 3 rounds");
        sweep.Add("sgemm_square_2048_kc_768", "GFLOP/s", 321.9, "higher",
            "AUTOENCODERS_GEMM_KC=768, best of 3 rounds; against the chosen kc=256, round by round: 1.050 1.071 1.032 (median 1.050)");
        sweep.Settings["gemm_depth_sweep"] = "kc chosen here 256; fastest by median ratio: 2048²: kc=768";

        var summary = SummaryMerger.Merge([training, sweep], new Dictionary<string, string>(), [], "./build.sh bench", "test machine");

        var rows = summary["results"]!.AsArray().Select(n => n!.AsObject()).ToDictionary(r => (string)r["name"]!);
        Assert.Equal(321.9, (double)rows["sgemm_square_2048_kc_768"]["ours"]!);
        string markdown = BenchmarkMarkdown.Render(summary);
        Assert.Contains("## The GEMM depth block", markdown);
        Assert.Contains("fastest by median ratio: 2048²: kc=768", markdown);
        Assert.Contains("| 256 (chosen) | 300 (1×) |", markdown);
        Assert.Contains("| 768 | 322 (1.050×) |", markdown);

        Assert.DoesNotContain("## The GEMM depth block",
            BenchmarkMarkdown.Render(SummaryMerger.Merge([training], new Dictionary<string, string>(), [], "./build.sh bench", "test machine")));
    }
}
