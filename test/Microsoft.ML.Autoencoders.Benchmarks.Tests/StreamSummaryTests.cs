namespace Microsoft.ML.Autoencoders.Benchmarks.Tests;

/// <summary>The stream case's report (StreamTrainingRun) reaches summary.json and docs/benchmarks.md beside the rounds' reports.</summary>
public class StreamSummaryTests
{
    [Fact]
    public void TheStreamReportAddsItsRowsAndItsSection()
    {
        var training = SummaryMergerTests.Report("ours", ("ae_epoch_seconds", "s/epoch", 1.0, "lower"));
        var stream = SummaryMergerTests.Report("ours",
            ("stream_data_bytes", "bytes", 1_073_741_312, "higher"), ("stream_train_peak_rss", "MiB", 111.4, "lower"),
            ("stream_epoch_seconds", "s", 3.8, "lower"), ("in_memory_train_peak_rss", "MiB", 2316.7, "lower"));
        stream.Settings["stream_heap_limit"] = "256 MiB (DOTNET_GCHeapHardLimit=0x10000000)";

        var summary = SummaryMerger.Merge([training, stream], new Dictionary<string, string>(), [], "./build.sh bench", "test machine");

        var rows = summary["results"]!.AsArray().Select(n => n!.AsObject()).ToDictionary(r => (string)r["name"]!);
        Assert.Equal(111.4, (double)rows["stream_train_peak_rss"]["ours"]!);
        Assert.Equal(1_073_741_312, (double)rows["stream_data_bytes"]["ours"]!);
        string markdown = BenchmarkMarkdown.Render(summary);
        Assert.Contains("## Training on data larger than memory", markdown);
        Assert.Contains("| streamed | 1,024 MiB | 256 MiB | 111 MiB | 3.8 s |", markdown);

        // Without the stream case the page has no such section.
        Assert.DoesNotContain("## Training on data larger than memory",
            BenchmarkMarkdown.Render(SummaryMerger.Merge([training], new Dictionary<string, string>(), [], "./build.sh bench", "test machine")));
    }
}
