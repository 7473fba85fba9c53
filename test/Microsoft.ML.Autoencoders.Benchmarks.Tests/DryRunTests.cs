using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.NoEmit;
using System.Runtime.Intrinsics;

namespace Microsoft.ML.Autoencoders.Benchmarks.Tests;

/// <summary>
/// Every benchmark of ours runs once on tiny data, so a change that breaks one fails CI instead of being found
/// the next time someone measures. The figures themselves are not checked: dry mode measures nothing.
/// </summary>
public class DryRunTests
{
    [Fact]
    public void KernelSuiteReportsEveryCase()
    {
        var report = BenchmarkProgram.Run(BenchOptions.Parse(["--dry", "--part", "kernels"]));

        // Named as well as taken from GemmCases.All, so dropping the product training never computes fails here too.
        var expected = GemmCases.All.Select(c => c.Name)
            .Concat(["sgemm_ae_L1_784x256_dX_NT", "sgemm_ae_step_mix"])
            .Concat(KernelSuite.FmaWidths().SelectMany(bits => new[] { $"fma_peak_v{bits}_1t", $"fma_peak_v{bits}_2t" })).Distinct();
        foreach (string name in expected)
        {
            var result = Assert.Single(report.Results, r => r.Name == name);
            Assert.True(double.IsFinite(result.Value) && result.Value > 0, $"{name} = {result.Value}");
        }
    }

    [Fact]
    public void FmaPeakIsMeasuredAtEveryWidthTheRuntimeAccelerates()
    {
        // The 256-bit ceiling wherever AVX2 is there, the 512-bit one only where Vector512 is accelerated: asking for a
        // width the runtime leaves off throws, which used to fail the whole kernel part on such CPUs.
        Assert.Equal(Vector256.IsHardwareAccelerated, KernelSuite.FmaWidths().Contains(256));
        Assert.Equal(Vector512.IsHardwareAccelerated, KernelSuite.FmaWidths().Contains(512));
    }

    [Theory]
    [InlineData("0,64\n", ", 2 threads per core")]
    [InlineData("2-3\n", ", 2 threads per core")]
    [InlineData("0\n", "")]
    public void ThePageSaysWhenTwoThreadsShareACore(string siblings, string expected)
    {
        string file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, siblings);
            Assert.Equal(expected, MachineInfo.ThreadsPerCore(file));
            Assert.Equal("", MachineInfo.ThreadsPerCore(file + ".missing"));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void GemmVerbPrintsTheBlockingAndEverySize()
    {
        var output = new StringWriter();
        TextWriter console = Console.Out;
        Console.SetOut(output);
        try
        {
            Assert.Equal(0, GemmRun.Run(["--sizes", "33,64", "--threads", "2", "--samples", "1"]));
        }
        finally
        {
            Console.SetOut(console);
        }

        string text = output.ToString();
        Assert.Contains("GEMM blocking: ", text);
        Assert.Contains($"kc={Engine.Kernels.GemmBlocking.Current.DepthBlock}", text);
        Assert.Contains("sgemm_square_33 2t", text);
        Assert.Contains("sgemm_square_64 2t", text);
    }

    [Fact]
    public void TheDepthBlockVariableReachesTheBlockingOfAFreshProcess()
    {
        // The blocking is fixed at a process's first product, so only a child shows the variable taking effect.
        string dll = typeof(GemmRun).Assembly.Location;
        var start = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in new[] { dll, "gemm", "--sizes", "40", "--threads", "1", "--samples", "1" }) start.ArgumentList.Add(argument);
        start.Environment[Engine.Kernels.GemmBlocking.DepthBlockVariable] = "331";
        using var child = System.Diagnostics.Process.Start(start)!;
        var error = child.StandardError.ReadToEndAsync();
        string output = child.StandardOutput.ReadToEnd();
        child.WaitForExit();
        Assert.True(child.ExitCode == 0, error.Result);
        Assert.Contains($"kc=328 (set by {Engine.Kernels.GemmBlocking.DepthBlockVariable}", output);
        Assert.Contains("sgemm_square_40 1t", output);
    }

    [Fact]
    public void InferVerbTimesBothInputRoutes()
    {
        using var mnist = new SyntheticMnist(trainRows: 10, testRows: 1100);
        var output = new StringWriter();
        TextWriter console = Console.Out;
        Console.SetOut(output);
        try
        {
            Assert.Equal(0, InferenceRun.Run(["--threads", "2", "--samples", "1", "--layers", "--mnist", mnist.Directory]));
        }
        finally
        {
            Console.SetOut(console);
        }

        string text = output.ToString();
        Assert.Contains("ae_inference_rows_per_second ", text);
        Assert.Contains("ae_inference_rows_per_second_dense_input ", text);
        Assert.Contains("layers [6, 8) Dense 256->784", text);
    }

    [Fact]
    public void EpochHarnessTrainsAndReportsEveryFigure()
    {
        using var mnist = new SyntheticMnist(trainRows: 600, testRows: 1100);
        string json = Path.Combine(mnist.Directory, "ours.json");

        BenchmarkProgram.Run(BenchOptions.Parse(["--dry", "--part", "training", "--round", "2", "--mnist", mnist.Directory, "--json", json]));

        // Read back what was written: the file, not the in-memory object, is what the merge consumes.
        var report = BenchReport.Read(json);
        var settings = BenchSettings.For(BenchMode.Dry);
        Assert.Equal(settings.TrainRows.ToString(), report.Settings["train_rows"]);
        Assert.Equal(2, report.Round);
        foreach (string name in new[] { "ae_epoch_seconds", "ae_test_mse", "ae_inference_rows_per_second", "ae_train_peak_rss",
                     "ae_epoch_seconds_dense_input", "ae_test_mse_dense_input", "ae_inference_rows_per_second_dense_input",
                     "mlnet_transform_rows_per_second", "mlnet_prediction_engine_rows_per_second",
                     "scoring_rows_per_second_engine", "scoring_rows_per_second_apply_onnx_model", "scoring_rows_per_second_onnxruntime",
                     "scoring_rows_per_second_after_load", "scoring_rows_per_second_after_batched_load", "scoring_rows_per_second_prediction_engine", "lstm_ae_windows_per_second", "lstm_ae_mse" })
        {
            var result = Assert.Single(report.Results, r => r.Name == name);
            Assert.True(double.IsFinite(result.Value) && result.Value > 0, $"{name} = {result.Value}");
        }
        // Uniform random pixels in [0, 1]: any sane reconstruction is within their variance of 1/12 plus a margin.
        Assert.InRange(report.Results.Single(r => r.Name == "ae_test_mse").Value, 0, 0.5);
    }

    [Fact]
    public void GemmBenchmarksRunUnderBenchmarkDotNet()
    {
        var config = ManualConfig.CreateEmpty()
            .AddJob(Job.Dry.WithToolchain(InProcessNoEmitToolchain.Instance))
            .AddLogger(NullLogger.Instance)
            .AddColumnProvider(DefaultColumnProviders.Instance)
            .WithOptions(ConfigOptions.DisableOptimizationsValidator);

        var summary = BenchmarkRunner.Run<GemmBenchmarks>(config);

        Assert.False(summary.HasCriticalValidationErrors, string.Join("; ", summary.ValidationErrors.Select(e => e.Message)));
        Assert.Equal(GemmCases.All.Count() * 2, summary.Reports.Length);
        Assert.All(summary.Reports, r => Assert.True(r.Success, $"{r.BenchmarkCase.DisplayInfo} failed"));
    }
}
