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
}
