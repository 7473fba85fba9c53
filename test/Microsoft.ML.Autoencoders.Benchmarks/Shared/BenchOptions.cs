namespace Microsoft.ML.Autoencoders.Benchmarks;

/// <summary>
/// The command line both .NET benchmark programs share (pytorch_bench.py takes the same flags):
/// --quick | --dry, --part kernels|training|all (and, ours only, scoring), --threads N, --round N, --json FILE, --mnist DIR.
/// </summary>
public sealed class BenchOptions
{
    public BenchMode Mode { get; private set; } = BenchMode.Full;
    public string Part { get; private set; } = "all";
    public int Threads { get; private set; } = 2;
    /// <summary>The round of build/bench.sh this run belongs to; only recorded in the report (see <see cref="BenchReport.Round"/>).</summary>
    public int Round { get; private set; } = 1;
    public string? JsonPath { get; private set; }
    public string? MnistDirectory { get; private set; }
    /// <summary>Arguments this parser does not know, left for the program (e.g. BenchmarkDotNet's).</summary>
    public List<string> Rest { get; } = [];

    public bool RunKernels => Part is "all" or "kernels";
    public bool RunTraining => Part is "all" or "training";
    /// <summary>Only the ML.NET scoring figures (training runs them too): a quick look at scoring without the epochs.</summary>
    public bool RunScoringOnly => Part is "scoring";

    public static BenchOptions Parse(IReadOnlyList<string> args)
    {
        var o = new BenchOptions();
        for (int i = 0; i < args.Count; i++)
        {
            string Next() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "--quick": o.Mode = BenchMode.Quick; break;
                case "--dry": o.Mode = BenchMode.Dry; break;
                case "--part":
                    o.Part = Next();
                    if (o.Part is not ("all" or "kernels" or "training" or "scoring"))
                        throw new ArgumentException($"--part is kernels, training, scoring or all, not '{o.Part}'.");
                    break;
                case "--threads": o.Threads = int.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture); break;
                case "--round": o.Round = int.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture); break;
                case "--json": o.JsonPath = Next(); break;
                case "--mnist": o.MnistDirectory = Next(); break;
                default: o.Rest.Add(args[i]); break;
            }
        }
        if (o.Threads < 1) throw new ArgumentException("--threads must be at least 1.");
        if (o.Round < 1) throw new ArgumentException("--round must be at least 1.");
        return o;
    }
}
