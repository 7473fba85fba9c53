using System.Globalization;

namespace Microsoft.ML.Autoencoders.Benchmarks;

/// <summary>
/// The settings every framework records in its report under the same keys (pytorch_bench.py writes them too),
/// so the merge can check that all sides measured the same thing.
/// </summary>
public static class ReportSettings
{
    /// <summary>Keys whose values must agree across frameworks for a row to be a fair comparison.</summary>
    public static readonly string[] MustAgree = ["train_rows", "test_rows", "epochs", "batch_size", "inference_batch_size"];

    public static Dictionary<string, string> From(BenchSettings s) => new()
    {
        ["train_rows"] = s.TrainRows.ToString(CultureInfo.InvariantCulture),
        ["test_rows"] = s.TestRows.ToString(CultureInfo.InvariantCulture),
        ["epochs"] = s.Epochs.ToString(CultureInfo.InvariantCulture),
        ["batch_size"] = s.BatchSize.ToString(CultureInfo.InvariantCulture),
        ["inference_batch_size"] = s.InferenceBatchSize.ToString(CultureInfo.InvariantCulture),
        ["kernel_samples"] = s.KernelSamples.ToString(CultureInfo.InvariantCulture),
    };
}
