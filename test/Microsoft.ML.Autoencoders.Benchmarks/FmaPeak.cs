using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Microsoft.ML.Autoencoders.Benchmarks;

/// <summary>
/// The machine's FP32 FMA ceiling, measured rather than taken from a data sheet, so GEMM figures can be read as a
/// fraction of it. Twelve independent accumulators cover the FMA latency (4 cycles) times the issue rate (two 256-bit
/// FMAs per cycle on Zen 4), so the loop is bound by throughput, not by the dependency chain.
/// </summary>
public static class FmaPeak
{
    private const int Accumulators = 12;

    /// <summary>GFLOP/s of <paramref name="threads"/> threads each running the FMA loop for about <paramref name="seconds"/>.</summary>
    public static double Measure(int vectorBits, int threads, double seconds)
    {
        Func<long, float> loop = vectorBits switch
        {
            512 when Vector512.IsHardwareAccelerated => Loop512,
            256 when Vector256.IsHardwareAccelerated => Loop256,
            512 or 256 => throw new PlatformNotSupportedException($"Vector{vectorBits} is not hardware accelerated here."),
            _ => throw new ArgumentOutOfRangeException(nameof(vectorBits)),
        };
        int lanes = vectorBits / 32;
        double flopsPerIteration = Accumulators * lanes * 2.0;

        // Size the run from a short calibration so each thread runs ~seconds; take the best of three runs because
        // the ceiling is what we want and any interruption only lowers a run.
        loop(1000);
        long iterations = 1 << 16;
        while (true)
        {
            double t = Run(loop, iterations, 1);
            if (t > 0.01 || iterations > (1L << 40)) { iterations = Math.Max(1, (long)(iterations * seconds / t)); break; }
            iterations *= 4;
        }
        double best = double.MaxValue;
        for (int r = 0; r < 3; r++) best = Math.Min(best, Run(loop, iterations, threads));
        return flopsPerIteration * iterations * threads / best / 1e9;
    }

    private static double Run(Func<long, float> loop, long iterations, int threads)
    {
        using var go = new ManualResetEventSlim(false);
        var workers = new Thread[threads];
        float sink = 0;
        for (int t = 0; t < threads; t++)
        {
            workers[t] = new Thread(() => { go.Wait(); float r = loop(iterations); lock (workers) sink += r; });
            workers[t].Start();
        }
        Thread.Sleep(5); // let every worker reach the gate before the clock starts
        long start = Stopwatch.GetTimestamp();
        go.Set();
        foreach (var w in workers) w.Join();
        double elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
        // The sum is printed nowhere but must stay observable, or the JIT may drop the loop as dead code.
        if (float.IsNaN(sink)) throw new InvalidOperationException("FMA loop produced NaN.");
        return elapsed;
    }

    // acc = acc·m + c with m < 1 converges to c / (1 - m): no overflow, no denormals, however long it runs.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Loop512(long iterations)
    {
        var m = Vector512.Create(0.999f);
        var c = Vector512.Create(0.001f);
        Vector512<float> a0 = Vector512.Create(0.1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0,
            a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (long i = 0; i < iterations; i++)
        {
            a0 = Vector512.FusedMultiplyAdd(a0, m, c); a1 = Vector512.FusedMultiplyAdd(a1, m, c);
            a2 = Vector512.FusedMultiplyAdd(a2, m, c); a3 = Vector512.FusedMultiplyAdd(a3, m, c);
            a4 = Vector512.FusedMultiplyAdd(a4, m, c); a5 = Vector512.FusedMultiplyAdd(a5, m, c);
            a6 = Vector512.FusedMultiplyAdd(a6, m, c); a7 = Vector512.FusedMultiplyAdd(a7, m, c);
            a8 = Vector512.FusedMultiplyAdd(a8, m, c); a9 = Vector512.FusedMultiplyAdd(a9, m, c);
            a10 = Vector512.FusedMultiplyAdd(a10, m, c); a11 = Vector512.FusedMultiplyAdd(a11, m, c);
        }
        return Vector512.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Loop256(long iterations)
    {
        var m = Vector256.Create(0.999f);
        var c = Vector256.Create(0.001f);
        Vector256<float> a0 = Vector256.Create(0.1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0,
            a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (long i = 0; i < iterations; i++)
        {
            a0 = Vector256.FusedMultiplyAdd(a0, m, c); a1 = Vector256.FusedMultiplyAdd(a1, m, c);
            a2 = Vector256.FusedMultiplyAdd(a2, m, c); a3 = Vector256.FusedMultiplyAdd(a3, m, c);
            a4 = Vector256.FusedMultiplyAdd(a4, m, c); a5 = Vector256.FusedMultiplyAdd(a5, m, c);
            a6 = Vector256.FusedMultiplyAdd(a6, m, c); a7 = Vector256.FusedMultiplyAdd(a7, m, c);
            a8 = Vector256.FusedMultiplyAdd(a8, m, c); a9 = Vector256.FusedMultiplyAdd(a9, m, c);
            a10 = Vector256.FusedMultiplyAdd(a10, m, c); a11 = Vector256.FusedMultiplyAdd(a11, m, c);
        }
        return Vector256.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }
}
