namespace Microsoft.ML.Autoencoders.Benchmarks.Tests;

public class BenchReportTests
{
    [Fact]
    public void TheRoundIsWrittenUnderTheKeyPytorchBenchWrites()
    {
        string path = Path.Combine(Path.GetTempPath(), $"bench-report-{Guid.NewGuid():N}.json");
        try
        {
            new BenchReport { Framework = "ours", Version = "1", Mode = "dry", Threads = 2, Round = 3 }.Write(path);
            Assert.Contains("\"round\": 3", File.ReadAllText(path));
            Assert.Equal(3, BenchReport.Read(path).Round);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void AReportFromBeforeRoundsReadsAsRoundOne()
    {
        string path = Path.Combine(Path.GetTempPath(), $"bench-report-{Guid.NewGuid():N}.json");
        try
        {
            File.WriteAllText(path, """{"framework": "pytorch", "version": "1", "mode": "dry", "threads": 2, "settings": {}, "results": []}""");
            Assert.Equal(1, BenchReport.Read(path).Round);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void AFailingCaseRecordsItsReasonAndTheNextCaseStillRuns()
    {
        var report = new BenchReport { Framework = "torchsharp", Version = "1", Mode = "dry", Threads = 2 };

        bool failed = report.RunCase("conv_ae", () =>
        {
            report.Add("conv_ae_epoch_seconds", "s/epoch", 1.5, "lower");
            throw new InvalidOperationException("all elements of input should be between 0 and 1\nException raised from operator()");
        });
        bool ran = report.RunCase("vae", () => report.Add("vae_epoch_seconds", "s/epoch", 2.0, "lower"));

        Assert.False(failed);
        Assert.True(ran);
        Assert.Equal("InvalidOperationException: all elements of input should be between 0 and 1", report.Settings["failed_conv_ae"]);
        Assert.False(report.Settings.ContainsKey("failed_vae"));
        // What the failed case measured before it broke is kept.
        Assert.Equal(["conv_ae_epoch_seconds", "vae_epoch_seconds"], report.Results.Select(r => r.Name));
    }
}
