using System.Text.Json.Nodes;

namespace Microsoft.ML.Autoencoders.Benchmarks.Tests;

public class SummaryMergerTests
{
    [Theory]
    [InlineData(200.0, 100.0, 150.0, "higher", 200.0 / 150.0)] // best peer is the faster one
    [InlineData(0.5, 1.0, 2.0, "lower", 1.0 / 0.5)]            // best peer is the smaller one
    [InlineData(2.0, 1.0, 4.0, "lower", 0.5)]                  // ours worse: below 1
    public void RatioIsAboveOneWhenOursWins(double ours, double peer1, double peer2, string better, double expected)
    {
        Assert.Equal(expected, SummaryMerger.Ratio(ours, [peer1, peer2], better)!.Value, 12);
    }

    [Fact]
    public void RatioIsNullWithoutPeers() => Assert.Null(SummaryMerger.Ratio(1.0, [null, null], "higher"));

    [Fact]
    public void MergeLinesUpFrameworksAndNamesTheMissingOne()
    {
        var ours = Report("ours", ("sgemm_square_1024", "GFLOP/s", 100, "higher"), ("ae_epoch_seconds", "s/epoch", 1.0, "lower"));
        var torchsharp = Report("torchsharp", ("sgemm_square_1024", "GFLOP/s", 125, "higher"), ("ae_epoch_seconds", "s/epoch", 2.0, "lower"));

        var summary = SummaryMerger.Merge([ours, torchsharp], new Dictionary<string, string> { ["pytorch"] = "not installed" },
            [], "./build.sh bench", "test machine");

        Assert.Equal(2, (int)summary["threads"]!);
        Assert.Equal(1, (int)summary["rounds"]!);
        var rows = summary["results"]!.AsArray().Select(n => n!.AsObject()).ToArray();
        // One round reads as before rounds existed: the figures as reported, no per-result "rounds".
        Assert.All(rows, r => Assert.False(r.ContainsKey("rounds")));
        var gemm = rows.Single(r => (string?)r["name"] == "sgemm_square_1024");
        Assert.Equal(125.0, (double)gemm["torchsharp"]!);
        Assert.Null(gemm["pytorch"]);
        Assert.Equal(0.8, (double)gemm["ratio_vs_best_peer"]!, 6);
        Assert.Equal(2.0, (double)rows.Single(r => (string?)r["name"] == "ae_epoch_seconds")["ratio_vs_best_peer"]!, 6);
        Assert.Equal("not installed", (string?)summary["frameworks"]!["pytorch"]!["unavailable"]);
        Assert.Empty(summary["warnings"]!.AsArray());

        string markdown = BenchmarkMarkdown.Render(summary);
        Assert.Contains("./build.sh bench", markdown);
        Assert.Contains("| sgemm_square_1024 | GFLOP/s ↑ | 100 | 125 | – | 0.80× |", markdown);
    }

    [Fact]
    public void DenseInputCasesCompareWithThePeersOwnCase()
    {
        var ours = Report("ours", ("ae_epoch_seconds", "s/epoch", 0.5, "lower"), ("ae_epoch_seconds_dense_input", "s/epoch", 0.8, "lower"));
        var pytorch = Report("pytorch", ("ae_epoch_seconds", "s/epoch", 1.0, "lower"));

        var rows = SummaryMerger.Merge([ours, pytorch], new Dictionary<string, string>(), [], "x", "m")["results"]!.AsArray()
            .Select(n => n!.AsObject()).ToArray();

        var dense = rows.Single(r => (string?)r["name"] == "ae_epoch_seconds_dense_input");
        Assert.Equal(1.0, (double)dense["pytorch"]!);
        Assert.Equal(1.25, (double)dense["ratio_vs_best_peer"]!, 6);
        Assert.Equal(2.0, (double)rows.Single(r => (string?)r["name"] == "ae_epoch_seconds")["ratio_vs_best_peer"]!, 6);
    }

    [Fact]
    public void MergeWarnsWhenFrameworksMeasuredDifferentAmounts()
    {
        var ours = Report("ours", ("ae_epoch_seconds", "s/epoch", 1.0, "lower"));
        var pytorch = Report("pytorch", ("ae_epoch_seconds", "s/epoch", 1.0, "lower"));
        pytorch.Settings["epochs"] = "3";

        var summary = SummaryMerger.Merge([ours, pytorch], new Dictionary<string, string>(), [], "x", "m");

        Assert.Contains(summary["warnings"]!.AsArray(), w => ((string?)w)!.StartsWith("epochs differs", StringComparison.Ordinal));
    }

    internal static BenchReport Report(string framework, params (string Name, string Unit, double Value, string Better)[] results) =>
        Report(framework, 1, results);

    internal static BenchReport Report(string framework, int round, params (string Name, string Unit, double Value, string Better)[] results)
    {
        var report = new BenchReport
        {
            Framework = framework, Version = "1", Mode = "full", Threads = 2, Round = round,
            Settings = ReportSettings.From(BenchSettings.For(BenchMode.Full)),
        };
        foreach (var r in results) report.Results.Add(new BenchResult(r.Name, r.Unit, r.Value, r.Better));
        return report;
    }
}
