using System.Text.Json.Nodes;

namespace Microsoft.ML.Autoencoders.Benchmarks.Tests;

/// <summary>Merging several interleaved rounds (build/bench.sh --rounds): which round each framework's figure comes from.</summary>
public class SummaryMergerRoundsTests
{
    // Per framework, round 1 then round 2 of: GFLOP/s, s/epoch, rows/s (speed), MSE, MiB (not speed).
    private static readonly Dictionary<string, double[][]> Figures = new()
    {
        ["ours"] = [[100, 1.2, 1000, 0.0080, 300], [120, 1.0, 900, 0.0078, 320]],
        ["torchsharp"] = [[90, 3.0, 700, 0.0070, 800], [95, 2.5, 650, 0.0072, 900]],
        ["pytorch"] = [[130, 2.0, 800, 0.0079, 500], [110, 1.5, 850, 0.0081, 480]],
    };

    private static readonly (string Name, string Unit, string Better)[] Cases =
    [
        ("sgemm_square_1024", "GFLOP/s", "higher"), ("ae_epoch_seconds", "s/epoch", "lower"),
        ("ae_inference_rows_per_second", "rows/s", "higher"), ("ae_test_mse", "MSE", "lower"), ("ae_train_peak_rss", "MiB", "lower"),
    ];

    [Theory]
    // Speed: each framework's best round. GFLOP/s: ours 120, TorchSharp 95, PyTorch 130.
    [InlineData("sgemm_square_1024", 120, 95, 130, 120.0 / 130)]
    // s/epoch: ours 1.0, TorchSharp 2.5, PyTorch 1.5; ratio best peer / ours.
    [InlineData("ae_epoch_seconds", 1.0, 2.5, 1.5, 1.5 / 1.0)]
    [InlineData("ae_inference_rows_per_second", 1000, 700, 850, 1000.0 / 850)]
    // Not speed: each framework's worst round. MSE: ours 0.0080, TorchSharp 0.0072, PyTorch 0.0081.
    [InlineData("ae_test_mse", 0.0080, 0.0072, 0.0081, 0.0072 / 0.0080)]
    [InlineData("ae_train_peak_rss", 320, 900, 500, 500.0 / 320)]
    public void EachFrameworkGetsItsBestSpeedAndWorstOtherRound(string name, double ours, double torchsharp, double pytorch, double ratio)
    {
        var row = Row(MergeTwoRounds(), name);

        Assert.Equal(ours, (double)row["ours"]!);
        Assert.Equal(torchsharp, (double)row["torchsharp"]!);
        Assert.Equal(pytorch, (double)row["pytorch"]!);
        Assert.Equal(ratio, (double)row["ratio_vs_best_peer"]!, 4);
    }

    [Fact]
    public void EveryRoundsValueIsKeptInRoundOrder()
    {
        var summary = MergeTwoRounds();

        Assert.Equal(2, (int)summary["rounds"]!);
        foreach (var (name, _, _) in Cases)
        {
            int index = Array.FindIndex(Cases, c => c.Name == name);
            foreach (var (fw, rounds) in Figures)
            {
                double[] listed = Row(summary, name)["rounds"]![fw]!.AsArray().Select(v => (double)v!).ToArray();
                Assert.Equal([rounds[0][index], rounds[1][index]], listed);
            }
        }
    }

    [Fact]
    public void AFrameworkWithoutTheCaseHasNoRoundsList()
    {
        var ours = new[] { 1, 2 }.Select(r => SummaryMergerTests.Report("ours", r, ("fma_peak_v512_1t", "GFLOP/s", 100.0 + r, "higher")));
        var pytorch = new[] { 1, 2 }.Select(r => SummaryMergerTests.Report("pytorch", r, ("ae_epoch_seconds", "s/epoch", 1.0, "lower")));

        var row = Row(SummaryMerger.Merge([.. ours, .. pytorch], new Dictionary<string, string>(), [], "x", "m"), "fma_peak_v512_1t");

        Assert.Equal(102.0, (double)row["ours"]!);
        Assert.Null(row["rounds"]!["pytorch"]);
        Assert.Null(row["ratio_vs_best_peer"]);
    }

    [Fact]
    public void RoundsOnlyWarnAboutTheLoadAndNameTheRound()
    {
        var reports = Reports();
        foreach (var report in reports) report.Settings["other_load_kernels"] = "0.01";
        reports.Single(r => r.Framework == "pytorch" && r.Round == 2).Settings["other_load_kernels"] = "0.40";

        var summary = SummaryMerger.Merge(reports, new Dictionary<string, string>(), [], "./build.sh bench", "m");

        string warning = (string)Assert.Single(summary["warnings"]!.AsArray())!;
        Assert.Equal("other processes kept 0.40 cores busy while pytorch ran its kernels part in round 2", warning);
        // A setting that changed between rounds shows every round's value; one that did not, once.
        var pytorchSettings = summary["frameworks"]!["pytorch"]!["settings"]!;
        Assert.Equal("0.01 / 0.40", (string?)pytorchSettings["other_load_kernels"]);
        Assert.Equal("0.01", (string?)summary["frameworks"]!["ours"]!["settings"]!["other_load_kernels"]);
        Assert.Equal("60000", (string?)pytorchSettings["train_rows"]);
    }

    [Fact]
    public void AFrameworkShortOfRoundsIsFlagged()
    {
        var reports = Reports().Where(r => !(r.Framework == "torchsharp" && r.Round == 2)).ToList();

        var summary = SummaryMerger.Merge(reports, new Dictionary<string, string>(), [], "x", "m");

        Assert.Contains(summary["warnings"]!.AsArray(), w => (string?)w == "torchsharp has reports for round(s) 1 only, of 1, 2");
        var listed = Row(summary, "sgemm_square_1024")["rounds"]!["torchsharp"]!.AsArray();
        Assert.Equal(90.0, (double)listed[0]!);
        Assert.Null(listed[1]);
    }

    [Fact]
    public void TheSameCaseTwiceInOneRoundIsAnError()
    {
        var reports = Reports();
        reports.Add(SummaryMergerTests.Report("ours", 1, ("sgemm_square_1024", "GFLOP/s", 1, "higher")));

        Assert.Throws<InvalidDataException>(() => SummaryMerger.Merge(reports, new Dictionary<string, string>(), [], "x", "m"));
    }

    [Fact]
    public void MarkdownStatesTheMethod()
    {
        string twoRounds = BenchmarkMarkdown.Render(MergeTwoRounds());
        Assert.Contains("It ran 2 interleaved rounds", twoRounds);
        Assert.Contains(RoundSelection.Definition, twoRounds);
        Assert.Contains("rounds: 2;", twoRounds);
        Assert.Contains("| sgemm_square_1024 | GFLOP/s ↑ | 120 | 95 | 130 | 0.92× |", twoRounds);

        var oneRound = SummaryMerger.Merge(Reports().Where(r => r.Round == 1).ToList(), new Dictionary<string, string>(), [], "x", "m");
        Assert.Contains("It ran a single round", BenchmarkMarkdown.Render(oneRound));
    }

    // Round 2 before round 1, so the merge has to order the rounds itself.
    private static List<BenchReport> Reports() =>
        [.. from round in new[] { 2, 1 }
            from fw in Figures.Keys
            select SummaryMergerTests.Report(fw, round,
                Cases.Select((c, i) => (c.Name, c.Unit, Figures[fw][round - 1][i], c.Better)).ToArray())];

    private static JsonObject MergeTwoRounds() =>
        SummaryMerger.Merge(Reports(), new Dictionary<string, string>(), [], "./build.sh bench", "test machine");

    private static JsonObject Row(JsonObject summary, string name) =>
        summary["results"]!.AsArray().Select(n => n!.AsObject()).Single(r => (string?)r["name"] == name);
}
