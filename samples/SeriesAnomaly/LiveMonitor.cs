using System.Diagnostics;
using Microsoft.ML.Autoencoders;

namespace SeriesAnomaly;

/// <summary>
/// The test months streamed one at a time through a monitor of the causal detector, as an operator's dashboard would see
/// them: the alarms as they are raised, how many months after each injected anomaly's start each scoring raises its first
/// alarm, and how many points a second the monitor scores.
/// </summary>
internal static class LiveMonitor
{
    /// <summary>Points the speed figure is measured over: the test months streamed again and again through fresh monitors.</summary>
    private const int TimedPoints = 50_000;

    public static void Run(SequenceAnomalyTransformer causalDetector, IReadOnlyList<MonthRow> testMonths, bool[] centeredFlags, int window)
    {
        // The monitor starts from the end of the training series (the detector continues it), so January 1990 is scored at once.
        var monitor = causalDetector.CreateMonitor();
        var alarms = new bool[testMonths.Count];
        float[] point = new float[1];
        for (int i = 0; i < testMonths.Count; i++)
        {
            point[0] = testMonths[i].Value;
            alarms[i] = monitor.Observe(point).IsAnomaly;
        }
        Console.WriteLine($"\nLive: the {testMonths.Count} test months streamed through causalDetector.CreateMonitor(), one Observe per month; " +
            $"alarm when the score exceeds {monitor.Threshold:F3}.");
        Console.WriteLine($"Alarms raised (* overlaps an injected anomaly): {string.Join(", ", Runs(alarms).Select(r =>
            Months(testMonths, r.From, r.To) + (Enumerable.Range(r.From, r.To - r.From).Any(i => testMonths[i].Label == 1) ? "*" : "")))}");

        // When does each scoring raise its first alarm about an anomaly that starts at month s: the first month p ≥ s it flags,
        // raised as p arrives (causal) or once p's last window, ending T − 1 months later, has arrived (centered).
        Console.WriteLine($"\nMonths from an injected anomaly's first month to the first alarm about it (a centered flag waits for the {window - 1} months after its month):");
        Console.WriteLine($"{"injected",-12} {"months",-17} {"centered",8} {"causal",7}");
        foreach (var (from, to) in Runs(testMonths.Select(m => m.Label == 1).ToArray(), (a, b) => testMonths[a].Kind == testMonths[b].Kind))
        {
            string centered = Delay(centeredFlags, from, to, window, lag: window - 1), causal = Delay(alarms, from, to, window, lag: 0);
            Console.WriteLine($"{testMonths[from].Kind,-12} {Months(testMonths, from, to),-17} {centered,8} {causal,7}");
        }

        var timer = Stopwatch.StartNew();
        for (int done = 0; done < TimedPoints;)
        {
            var timed = causalDetector.CreateMonitor();
            for (int i = 0; i < testMonths.Count && done < TimedPoints; i++, done++)
            {
                point[0] = testMonths[i].Value;
                timed.Observe(point);
            }
        }
        Console.WriteLine($"\nMonitor speed: {TimedPoints:N0} points in {timer.Elapsed.TotalMilliseconds:F0} ms, " +
            $"{TimedPoints / timer.Elapsed.TotalSeconds:N0} points/s on one thread (window {window}).");
    }

    /// <summary>
    /// "+k": months from the anomaly's start to the alarm for the first month at or after it that is flagged (a flag at p is
    /// an alarm at month p + <paramref name="lag"/>); "none" when no month from its start to a window after its end is flagged.
    /// </summary>
    private static string Delay(bool[] flags, int from, int to, int window, int lag)
    {
        for (int p = from; p < Math.Min(flags.Length, to + window); p++)
            if (flags[p]) return $"+{p + lag - from}";
        return "none";
    }

    /// <summary>The runs [From, To) of consecutive true entries (and, when given, entries <paramref name="together"/> says belong together).</summary>
    private static IEnumerable<(int From, int To)> Runs(bool[] values, Func<int, int, bool>? together = null)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!values[i]) continue;
            int end = i + 1;
            while (end < values.Length && values[end] && (together == null || together(i, end))) end++;
            yield return (i, end);
            i = end - 1;
        }
    }

    private static string Months(IReadOnlyList<MonthRow> months, int from, int to) =>
        to - from == 1 ? months[from].Month : $"{months[from].Month}..{months[to - 1].Month}";
}
