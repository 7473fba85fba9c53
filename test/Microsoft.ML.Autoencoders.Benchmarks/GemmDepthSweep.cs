using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.ML.Autoencoders.Engine.Kernels;

namespace Microsoft.ML.Autoencoders.Benchmarks;

/// <summary>
/// The <c>gemm-depths</c> verb: the square SGEMMs of the <c>gemm</c> verb at the depth block the engine chose on this CPU
/// and at other depths set through <see cref="GemmBlocking.DepthBlockVariable"/>, one child process per depth (the
/// blocking is fixed at a process's first product), in rounds whose order rotates so each depth runs early and late:
///   gemm-depths [--depths 256,512,768,1024] [--sizes 1024,2048] [--rounds N] [--samples N] [--threads N] [--json FILE] [--quick|--dry]
/// kc is the one blocking choice the engine takes from a table instead of a timing (it changes the bits; see
/// docs/architecture.md), and the table holds only CPUs someone measured. On any other CPU this says, in one run of
/// <c>./build.sh bench</c>, whether the chosen kc is the best of those tried, and by how much: the ratio of each depth to
/// the chosen one, taken within each round and then the median over rounds, so a slow phase of the host that spans one
/// round moves both sides of its ratio.
/// </summary>
public static partial class GemmDepthSweep
{
    private static readonly int[] DefaultDepths = [256, 512, 768, 1024];

    public static int Run(string[] args)
    {
        var options = BenchOptions.Parse(args);
        int[] depths = DefaultDepths;
        int[] sizes = options.Mode switch { BenchMode.Full => [1024, 2048], BenchMode.Quick => [1024], _ => [128] };
        int rounds = options.Mode == BenchMode.Full ? 3 : 1;
        int samples = options.Mode switch { BenchMode.Full => 5, BenchMode.Quick => 3, _ => 1 };
        for (int i = 0; i < options.Rest.Count; i++)
        {
            string Next() => i + 1 < options.Rest.Count ? options.Rest[++i] : throw new ArgumentException($"{options.Rest[i]} needs a value.");
            switch (options.Rest[i])
            {
                case "--depths": depths = Numbers(Next()); break;
                case "--sizes": sizes = Numbers(Next()); break;
                case "--rounds": rounds = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--samples": samples = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                default: throw new ArgumentException($"Unknown gemm-depths argument '{options.Rest[i]}' (use --depths, --sizes, --rounds, --samples, --threads, --json, --quick, --dry).");
            }
        }
        if (rounds < 1 || samples < 1) throw new ArgumentException("--rounds and --samples must be at least 1.");

        // This process must not have a depth set itself: "chosen" is what the caches and the table give.
        if (GemmBlocking.Current.DepthBlockSet)
            throw new InvalidOperationException($"{GemmBlocking.DepthBlockVariable} is set: unset it, so the chosen depth is the one this CPU gets.");
        int chosen = GemmBlocking.Current.DepthBlock;
        // The chosen depth once (unset), then every other depth, as the engine will round it.
        int?[] entries = [null, .. depths.Select(d => d / 8 * 8).Where(d => d >= 8 && d != chosen).Distinct().Select(d => (int?)d)];

        Console.WriteLine(MachineInfo.Describe());
        Console.WriteLine(MachineInfo.GemmBlocking());
        Console.WriteLine($"gemm-depths: kc chosen {chosen} against {string.Join(", ", entries.Skip(1))}; sizes {string.Join(", ", sizes)}; " +
            $"{rounds} rounds of {samples} samples, {options.Threads} threads");

        // gflops[entry][size][round]
        var gflops = entries.Select(_ => sizes.Select(_ => new double[rounds]).ToArray()).ToArray();
        for (int round = 0; round < rounds; round++)
            for (int step = 0; step < entries.Length; step++)
            {
                int entry = (step + round) % entries.Length;
                double[] figures = Child(entries[entry], sizes, options.Threads, samples);
                for (int s = 0; s < sizes.Length; s++) gflops[entry][s][round] = figures[s];
            }

        var report = Summarize(chosen, entries, sizes, gflops, options);
        Console.WriteLine($"  {report.Settings["gemm_depth_sweep"]}");
        if (options.JsonPath is not null) report.Write(options.JsonPath);
        return 0;
    }

    /// <summary>How much faster than the chosen depth another must be, as a median ratio, to be named the fastest: single
    /// products on this shared host move by a few percent from run to run.</summary>
    public const double NoiseMargin = 0.02;

    private const string ChosenNote = "the chosen kc=";

    /// <summary>
    /// The report: one row per size and depth (its best round), with the round-by-round ratios to the chosen depth in the
    /// note, and a setting naming the fastest depth per size. <paramref name="gflops"/> is [entry][size][round]; entry 0 is
    /// the chosen depth (null in <paramref name="entries"/>).
    /// </summary>
    public static BenchReport Summarize(int chosen, int?[] entries, int[] sizes, double[][][] gflops, BenchOptions options)
    {
        int rounds = gflops[0][0].Length;
        var report = new BenchReport
        {
            Framework = "ours",
            Version = typeof(Gemm).Assembly.GetName().Version?.ToString() ?? "unknown",
            Mode = options.Mode.ToString().ToLowerInvariant(),
            Threads = options.Threads,
            Round = options.Round,
        };
        var best = new List<string>();
        string rounding = rounds == 1 ? "one round" : $"best of {rounds} rounds";
        for (int s = 0; s < sizes.Length; s++)
        {
            double[][] ratios = entries.Select((_, entry) =>
                Enumerable.Range(0, rounds).Select(r => gflops[entry][s][r] / gflops[0][s][r]).ToArray()).ToArray();
            double[] medians = ratios.Select(Median).ToArray();
            int fastest = Array.IndexOf(medians, medians.Max());
            for (int entry = 0; entry < entries.Length; entry++)
            {
                int kc = entries[entry] ?? chosen;
                string note = entries[entry] is null
                    ? $"{ChosenNote}{chosen}, {rounding}"
                    : $"{GemmBlocking.DepthBlockVariable}={kc}, {rounding}; against the chosen kc={chosen}, round by round: " +
                      $"{string.Join(" ", ratios[entry].Select(x => x.ToString("F3", CultureInfo.InvariantCulture)))} (median {medians[entry].ToString("F3", CultureInfo.InvariantCulture)})";
                report.Add($"sgemm_square_{sizes[s]}_kc_{kc}", "GFLOP/s", gflops[entry][s].Max(), "higher", note);
            }
            best.Add(medians[fastest] > 1 + NoiseMargin
                ? $"{sizes[s]}²: kc={entries[fastest]} (median {medians[fastest].ToString("F3", CultureInfo.InvariantCulture)} of the chosen)"
                : $"{sizes[s]}²: the chosen kc={chosen} (no other faster by more than {NoiseMargin:P0})");
        }
        report.Settings["gemm_depth_sweep"] = $"kc chosen here {chosen}; fastest by median ratio: {string.Join(", ", best)}";
        return report;
    }

    /// <summary>Whether a row's note (as <see cref="Summarize"/> writes it) is the chosen depth's.</summary>
    public static bool IsChosen(string note) => note.StartsWith(ChosenNote, StringComparison.Ordinal);

    /// <summary>The median ratio to the chosen depth in a row's note, "1" for the chosen depth itself.</summary>
    public static string MedianRatio(string note)
    {
        var match = Regex.Match(note, @"\(median ([0-9.]+)\)");
        return match.Success ? match.Groups[1].Value : "1";
    }

    /// <summary>One <c>gemm</c> run in a child process, with the depth block set (or left to the engine when null).</summary>
    private static double[] Child(int? depth, int[] sizes, int threads, int samples)
    {
        string host = Environment.ProcessPath ?? "dotnet";
        var start = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet") start.ArgumentList.Add(typeof(GemmDepthSweep).Assembly.Location);
        foreach (string argument in new[] { "gemm", "--sizes", string.Join(',', sizes), "--threads", threads.ToString(CultureInfo.InvariantCulture),
                     "--samples", samples.ToString(CultureInfo.InvariantCulture) })
            start.ArgumentList.Add(argument);
        if (depth is int kc) start.Environment[GemmBlocking.DepthBlockVariable] = kc.ToString(CultureInfo.InvariantCulture);
        else start.Environment.Remove(GemmBlocking.DepthBlockVariable);

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start '{host}'.");
        var error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"gemm with kc {depth?.ToString(CultureInfo.InvariantCulture) ?? "chosen"} failed ({process.ExitCode}): {error.Result}");

        // The child says which kc it ran: a depth the engine did not take would make the comparison meaningless.
        Match blocking = KcLine().Match(output);
        if (depth is int wanted && (!blocking.Success || int.Parse(blocking.Groups[1].Value, CultureInfo.InvariantCulture) != wanted))
            throw new InvalidOperationException($"The child was asked for kc={wanted} but reported: {output}");
        var figures = new double[sizes.Length];
        for (int s = 0; s < sizes.Length; s++)
        {
            Match line = Regex.Match(output, $@"sgemm_square_{sizes[s]} \d+t ([0-9.]+) GFLOP/s");
            if (!line.Success) throw new InvalidOperationException($"No figure for {sizes[s]}² in: {output}");
            figures[s] = double.Parse(line.Groups[1].Value, CultureInfo.InvariantCulture);
        }
        string label = depth is null ? "chosen" : $"kc={depth}";
        Console.WriteLine($"  {label,-10} {string.Join("  ", sizes.Select((size, s) => $"{size}²: {figures[s],6:F1} GFLOP/s"))}");
        return figures;
    }

    private static int[] Numbers(string list) => list.Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();

    private static double Median(double[] values)
    {
        double[] sorted = values.Order().ToArray();
        int middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    [GeneratedRegex(@"kc=(\d+) \(set by")]
    private static partial Regex KcLine();
}
