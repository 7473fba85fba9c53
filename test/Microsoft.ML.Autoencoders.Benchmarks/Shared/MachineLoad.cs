using System.Diagnostics;
using System.Globalization;

namespace Microsoft.ML.Autoencoders.Benchmarks;

/// <summary>
/// How many cores other processes kept busy while we measured: the machine's busy time (/proc/stat) minus this
/// process's CPU time, over the wall time. On a shared machine that is what makes a figure trustworthy or not:
/// near 0 means the cores were ours; near 1 on a 2-core machine means half the figure may be lost.
/// pytorch_bench.py's MachineLoad mirrors it.
/// </summary>
public sealed class MachineLoad
{
    private readonly long _busyStart;
    private readonly TimeSpan _ownStart;
    private readonly long _clockStart;

    private MachineLoad(long busy)
    {
        _busyStart = busy;
        _ownStart = Process.GetCurrentProcess().TotalProcessorTime;
        _clockStart = Stopwatch.GetTimestamp();
    }

    /// <summary>Starts watching, or returns null where /proc/stat does not exist.</summary>
    public static MachineLoad? Start() => ReadBusyTicks() is long busy ? new MachineLoad(busy) : null;

    /// <summary>Average number of cores other processes used since <see cref="Start"/>, e.g. "0.07".</summary>
    public string OtherCores()
    {
        double wall = Stopwatch.GetElapsedTime(_clockStart).TotalSeconds;
        double busy = ((ReadBusyTicks() ?? _busyStart) - _busyStart) / TicksPerSecond;
        double own = (Process.GetCurrentProcess().TotalProcessorTime - _ownStart).TotalSeconds;
        return Math.Max(0, (busy - own) / wall).ToString("F2", CultureInfo.InvariantCulture);
    }

    // /proc/stat counts in USER_HZ, 100 on every Linux x64 kernel.
    private const double TicksPerSecond = 100;

    // First line: "cpu user nice system idle iowait irq softirq steal ...": busy = all but idle and iowait.
    private static long? ReadBusyTicks()
    {
        const string path = "/proc/stat";
        if (!File.Exists(path)) return null;
        string first = File.ReadLines(path).First();
        long[] f = first.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(long.Parse).ToArray();
        return f[0] + f[1] + f[2] + f[5] + f[6] + (f.Length > 7 ? f[7] : 0);
    }
}
