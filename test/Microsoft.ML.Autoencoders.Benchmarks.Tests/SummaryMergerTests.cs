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

    [Fact]
    public void AFailedCaseIsANoteAndItsFiguresAreMissing()
    {
        var ours = Report("ours", ("ae_epoch_seconds", "s/epoch", 1.0, "lower"), ("conv_ae_epoch_seconds", "s/epoch", 4.0, "lower"));
        var torchsharp = Report("torchsharp", ("ae_epoch_seconds", "s/epoch", 2.0, "lower"));
        torchsharp.Settings[BenchReport.FailedCasePrefix + "conv_ae"] = "ExternalException: all elements of input should be between 0 and 1";

        var summary = SummaryMerger.Merge([ours, torchsharp], new Dictionary<string, string>(), ["a note from bench.sh"], "x", "m");

        var conv = summary["results"]!.AsArray().Select(n => n!.AsObject()).Single(r => (string?)r["name"] == "conv_ae_epoch_seconds");
        Assert.Null(conv["torchsharp"]);
        Assert.Null(conv["ratio_vs_best_peer"]);
        string[] notes = summary["notes"]!.AsArray().Select(n => (string)n!).ToArray();
        Assert.Equal("a note from bench.sh", notes[0]);
        Assert.Equal("TorchSharp-cpu's conv_ae case failed in round 1, its figures show as '–': " +
            "ExternalException: all elements of input should be between 0 and 1", notes[1]);
        Assert.False(summary["frameworks"]!["torchsharp"]!["settings"]!.AsObject().ContainsKey("failed_conv_ae"));

        string markdown = BenchmarkMarkdown.Render(summary);
        string convLine = markdown.Split('\n').Single(l => l.StartsWith("| conv_ae_epoch_seconds |", StringComparison.Ordinal));
        Assert.EndsWith("| – | – | – |", convLine.TrimEnd());
        Assert.Contains("- TorchSharp-cpu's conv_ae case failed in round 1", markdown);
    }

    [Fact]
    public void ACaseThatFailedInOneRoundTakesTheOtherRoundsFigure()
    {
        var ours = new[] { Report("ours", 1, ("conv_ae_epoch_seconds", "s/epoch", 4.0, "lower")), Report("ours", 2, ("conv_ae_epoch_seconds", "s/epoch", 4.0, "lower")) };
        var failed = Report("pytorch", 1);
        failed.Settings[BenchReport.FailedCasePrefix + "conv_ae"] = "RuntimeError: boom";
        var ran = Report("pytorch", 2, ("conv_ae_epoch_seconds", "s/epoch", 8.0, "lower"));

        var summary = SummaryMerger.Merge([.. ours, failed, ran], new Dictionary<string, string>(), [], "x", "m");

        var conv = summary["results"]!.AsArray().Select(n => n!.AsObject()).Single(r => (string?)r["name"] == "conv_ae_epoch_seconds");
        Assert.Equal(8.0, (double)conv["pytorch"]!);
        Assert.Equal("PyTorch's conv_ae case failed in round 1, its figures are round 2's: RuntimeError: boom",
            (string?)summary["notes"]!.AsArray().Single());
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
