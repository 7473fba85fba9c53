namespace Microsoft.ML.Autoencoders.Benchmarks;

/// <summary>
/// Which of a framework's rounds (build/bench.sh --rounds) the summary shows for a case. The same rule holds for
/// every framework, ours included, so the ratios stay fair.
/// </summary>
public static class RoundSelection
{
    /// <summary>
    /// Units that measure speed (rates, and times: an epoch's, a whole Fit's). Other work on the shared host only ever slows a run, by 20–50 % during a burst,
    /// so the best round is the nearest to what the framework can do; taking it for every side makes the rounds a
    /// framework lost to a burst drop out instead of deciding the ratio.
    /// </summary>
    public static readonly string[] SpeedUnits = ["GFLOP/s", "s/epoch", "rows/s", "windows/s", "s"];

    /// <summary>The rule in words, for summary.json and the Markdown page.</summary>
    public static readonly string Definition =
        $"speed figures ({string.Join(", ", SpeedUnits)}) are each framework's best round; every other figure " +
        "(test MSE, peak memory) is its worst round";

    /// <summary>
    /// The value to report among one framework's <paramref name="values"/> for a case: the best by
    /// <paramref name="better"/> for a <see cref="SpeedUnits"/> unit, else the worst. A quiet machine does not
    /// make a figure like MSE or peak memory better, so there the conservative choice is the fair one.
    /// </summary>
    public static double Pick(string unit, string better, IReadOnlyCollection<double> values)
    {
        if (values.Count == 0) throw new ArgumentException("No rounds to pick from.", nameof(values));
        bool higherIsBetter = better switch
        {
            "higher" => true,
            "lower" => false,
            _ => throw new InvalidDataException($"'better' must be higher or lower, not '{better}'."),
        };
        bool wantBest = SpeedUnits.Contains(unit);
        return wantBest == higherIsBetter ? values.Max() : values.Min();
    }
}
