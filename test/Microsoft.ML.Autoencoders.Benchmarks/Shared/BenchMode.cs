namespace Microsoft.ML.Autoencoders.Benchmarks;

/// <summary>How long to measure. pytorch_bench.py's MODES table mirrors these numbers.</summary>
public enum BenchMode
{
    /// <summary>The published figures: all 60k training rows, 10 epochs, median of 9 kernel samples.</summary>
    Full,
    /// <summary>A few minutes for CI or a quick look: 12k rows, 3 epochs, 5 samples.</summary>
    Quick,
    /// <summary>Each case runs once on tiny data: proves it still works, measures nothing worth reading.</summary>
    Dry,
}

/// <summary>The sizes and repetitions each <see cref="BenchMode"/> stands for.</summary>
public sealed record BenchSettings(
    BenchMode Mode, int TrainRows, int TestRows, int Epochs, int BatchSize, int InferenceBatchSize,
    int KernelSamples, double MinSampleSeconds, int WarmupCalls, double FmaSeconds)
{
    public static BenchSettings For(BenchMode mode) => mode switch
    {
        BenchMode.Full => new(mode, 60_000, 10_000, 10, 256, 1024, 9, 0.05, 2, 1.0),
        BenchMode.Quick => new(mode, 12_000, 10_000, 3, 256, 1024, 5, 0.02, 1, 0.3),
        BenchMode.Dry => new(mode, 512, 1024, 2, 256, 1024, 1, 0, 0, 0.001),
        _ => throw new ArgumentOutOfRangeException(nameof(mode)),
    };

    /// <summary>The first epoch is a warm-up (JIT, allocation, page faults); seconds/epoch is the median of the rest.</summary>
    public int TimedEpochs => Epochs - 1;
}
