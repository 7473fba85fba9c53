namespace Microsoft.ML.Autoencoders.Benchmarks.Tests;

/// <summary>The GEMM depth sweep's report (GemmDepthSweep) reaches summary.json and docs/benchmarks.md as its own section.</summary>
public class DepthSweepSummaryTests
{
    private static readonly BenchOptions Options = BenchOptions.Parse(["--threads", "2"]);

    [Fact]
    public void TheSweepAddsItsRowsAndATableOfRatiosToTheChosenDepth()
    {
        var training = SummaryMergerTests.Report("ours", ("ae_epoch_seconds", "s/epoch", 1.0, "lower"));
        // [entry][size][round]: the chosen 256, then 768 faster in every round.
        var sweep = GemmDepthSweep.Summarize(256, [null, 768], [2048],
            [[[300.0, 290.0, 300.4]], [[315.0, 310.6, 321.9]]], Options);

        var summary = SummaryMerger.Merge([training, sweep], new Dictionary<string, string>(), [], "./build.sh bench", "test machine");

        var rows = summary["results"]!.AsArray().Select(n => n!.AsObject()).ToDictionary(r => (string)r["name"]!);
        Assert.Equal(321.9, (double)rows["sgemm_square_2048_kc_768"]["ours"]!);
        string markdown = BenchmarkMarkdown.Render(summary);
        Assert.Contains("## The GEMM depth block", markdown);
        Assert.Contains("fastest by median ratio: 2048²: kc=768 (median 1.071 of the chosen)", markdown);
        Assert.Contains("| 256 (chosen) | 300 (1×) |", markdown);
        Assert.Contains("| 768 | 322 (1.071×) |", markdown);

        Assert.DoesNotContain("## The GEMM depth block",
            BenchmarkMarkdown.Render(SummaryMerger.Merge([training], new Dictionary<string, string>(), [], "./build.sh bench", "test machine")));
    }

    [Fact]
    public void ADepthAheadByLessThanTheNoiseMarginIsNotNamedTheFastest()
    {
        var sweep = GemmDepthSweep.Summarize(1024, [null, 512], [1024], [[[400.0]], [[404.0]]], Options);
        Assert.Contains("the chosen kc=1024 (no other faster by more than 2", sweep.Settings["gemm_depth_sweep"]);
    }
}
