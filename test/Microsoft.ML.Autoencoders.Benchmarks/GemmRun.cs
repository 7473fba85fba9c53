using System.Globalization;

namespace Microsoft.ML.Autoencoders.Benchmarks;

/// <summary>
/// The <c>gemm</c> verb: square SGEMMs alone, timed as <see cref="KernelSuite"/> times them, printed with the blocking
/// the engine chose on this CPU, so a change to the GEMM can be measured in seconds instead of a whole kernel part:
///   gemm [--sizes 1024,2048] [--threads N] [--samples N]
/// </summary>
public static class GemmRun
{
    public static int Run(string[] args)
    {
        int[] sizes = [1024, 2048];
        int threads = 2, samples = 7;
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "--sizes": sizes = Next().Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray(); break;
                case "--threads": threads = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--samples": samples = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                default: throw new ArgumentException($"Unknown gemm argument '{args[i]}' (use --sizes, --threads, --samples).");
            }
        }

        Console.WriteLine(MachineInfo.Describe());
        Console.WriteLine(MachineInfo.GemmBlocking());
        var timer = new SampleTimer(samples, minSampleSeconds: 0.1, warmupCalls: 2);
        foreach (int size in sizes)
        {
            var gemm = new GemmCase($"sgemm_square_{size}", false, false, size, size, size);
            var operands = new GemmOperands(gemm, threads);
            double seconds = timer.MedianSecondsPerCall(operands.Multiply);
            if (!float.IsFinite(operands.Result(0))) throw new InvalidOperationException($"{gemm.Name} produced {operands.Result(0)}.");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{gemm.Name} {threads}t {gemm.Flops / seconds / 1e9:F1} GFLOP/s"));
        }
        return 0;
    }
}
