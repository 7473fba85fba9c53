using System.Text.Json;
using System.Text.Json.Serialization;

namespace Microsoft.ML.Autoencoders.Benchmarks;

/// <summary>One measured figure. <see cref="Better"/> ("higher" or "lower") tells the merge which peer is best.</summary>
public sealed record BenchResult(string Name, string Unit, double Value, string Better, string? Note = null);

/// <summary>
/// What one framework's benchmark process writes: its figures plus what it ran with, so the merged summary
/// can show that every side used the same threads, rows and epochs. pytorch_bench.py writes the same shape.
/// </summary>
public sealed class BenchReport
{
    public required string Framework { get; init; }
    public required string Version { get; init; }
    public required string Mode { get; init; }
    public required int Threads { get; init; }
    /// <summary>
    /// Which of build/bench.sh's interleaved rounds produced this report (--round; 1 for a single run), so the
    /// merge can put a framework's figures in round order. Reports written before rounds existed read as 1.
    /// </summary>
    public int Round { get; init; } = 1;
    public Dictionary<string, string> Settings { get; init; } = [];
    public List<BenchResult> Results { get; init; } = [];

    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public void Add(string name, string unit, double value, string better, string? note = null)
    {
        Results.Add(new BenchResult(name, unit, value, better, note));
        Console.WriteLine($"  {name,-40} {value,12:G5} {unit}{(note is null ? "" : "  (" + note + ")")}");
    }

    /// <summary>
    /// Prefix of the setting that says why one case of a report failed ("failed_conv_ae"): the merge lists it among the
    /// page's notes instead of the framework's settings, and the case's missing figures show as '–'.
    /// </summary>
    public const string FailedCasePrefix = "failed_";

    /// <summary>
    /// Runs one case (<paramref name="name"/>, e.g. "conv_ae") so that its failure costs only its own figures: the
    /// exception's type and first line go to Settings["failed_" + name] and the caller goes on with the next case.
    /// A peer library can break on one machine only (TorchSharp-cpu's convolution backward on a Zen 5 guest, see
    /// PEERS-NOTES), and one broken case used to take every later case's figures with it. Figures the case added before
    /// it failed stay: they were measured.
    /// </summary>
    public bool RunCase(string name, Action run)
    {
        try
        {
            run();
            return true;
        }
        catch (Exception e)
        {
            string reason = $"{e.GetType().Name}: {e.Message.Split('\n', 2)[0].Trim()}";
            Settings[FailedCasePrefix + name] = reason;
            Console.Error.WriteLine($"  {name} failed, its figures are left out: {reason}");
            return false;
        }
    }

    public void Write(string path)
    {
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        File.WriteAllText(path, JsonSerializer.Serialize(this, Json));
    }

    public static BenchReport Read(string path) =>
        JsonSerializer.Deserialize<BenchReport>(File.ReadAllText(path), Json)
        ?? throw new InvalidDataException($"{path} holds no benchmark report.");
}
