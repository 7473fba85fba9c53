using System.Diagnostics;

namespace Microsoft.ML.Autoencoders.Benchmarks;

/// <summary>
/// The plain timer every framework's kernel figures come from (pytorch_bench.py's time_op mirrors it), so a
/// ratio compares kernels, not timing methods: warm up, group calls so one sample lasts at least
/// <see cref="MinSampleSeconds"/> (clock overhead negligible even for 50 µs products), report the median sample.
/// </summary>
public sealed class SampleTimer(int samples, double minSampleSeconds, int warmupCalls)
{
    public int Samples { get; } = samples;
    public double MinSampleSeconds { get; } = minSampleSeconds;
    public int WarmupCalls { get; } = warmupCalls;

    public static SampleTimer For(BenchSettings settings) =>
        new(settings.KernelSamples, settings.MinSampleSeconds, settings.WarmupCalls);

    /// <summary>Median seconds per call of <paramref name="op"/>.</summary>
    public double MedianSecondsPerCall(Action op)
    {
        // Warm-up calls pay for JIT, page faults and thread start-up; the last one also sizes the samples.
        double once = 0;
        for (int w = 0; w < WarmupCalls; w++)
        {
            long t0 = Stopwatch.GetTimestamp();
            op();
            once = Stopwatch.GetElapsedTime(t0).TotalSeconds;
        }
        int callsPerSample = once > 0 ? Math.Max(1, (int)Math.Ceiling(MinSampleSeconds / once)) : 1;

        var perCall = new double[Samples];
        for (int s = 0; s < Samples; s++)
        {
            long start = Stopwatch.GetTimestamp();
            for (int c = 0; c < callsPerSample; c++) op();
            perCall[s] = Stopwatch.GetElapsedTime(start).TotalSeconds / callsPerSample;
        }
        return Median(perCall);
    }

    public static double Median(IReadOnlyList<double> values)
    {
        if (values.Count == 0) throw new ArgumentException("No values to take the median of.", nameof(values));
        double[] sorted = values.Order().ToArray();
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : 0.5 * (sorted[mid - 1] + sorted[mid]);
    }
}
