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
