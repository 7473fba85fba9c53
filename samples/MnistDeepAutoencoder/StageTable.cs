using System.Diagnostics;

namespace MnistDeepAutoencoder;

/// <summary>Times the sample's stages and prints them as one table at the end.</summary>
internal sealed class StageTable
{
    private readonly List<(string Stage, string Rows, double Seconds, string Result)> _rows = [];

    /// <summary>Runs <paramref name="work"/>, records its wall time, and returns its value.</summary>
    /// <param name="stage">What the stage does, for the table.</param>
    /// <param name="rows">Which rows it used, for the table.</param>
    /// <param name="work">The stage.</param>
    /// <param name="describe">Turns the stage's value into the table's result cell.</param>
    public T Run<T>(string stage, string rows, Func<T> work, Func<T, string>? describe = null)
    {
        Console.WriteLine($"== {stage} ...");
        var clock = Stopwatch.StartNew();
        T value = work();
        double seconds = clock.Elapsed.TotalSeconds;
        string result = describe?.Invoke(value) ?? "";
        _rows.Add((stage, rows, seconds, result));
        Console.WriteLine($"   done in {seconds:F1} s{(result.Length > 0 ? $": {result}" : "")}");
        return value;
    }

    /// <summary>Writes the table to the console.</summary>
    public void Print()
    {
        int stageWidth = Math.Max("Stage".Length, _rows.Max(r => r.Stage.Length));
        int rowsWidth = Math.Max("Rows".Length, _rows.Max(r => r.Rows.Length));
        string header = $"{"Stage".PadRight(stageWidth)} | {"Rows".PadRight(rowsWidth)} | {"Seconds",8} | Result";
        Console.WriteLine();
        Console.WriteLine(header);
        Console.WriteLine(new string('-', header.Length + 24));
        foreach (var row in _rows)
        {
            Console.WriteLine($"{row.Stage.PadRight(stageWidth)} | {row.Rows.PadRight(rowsWidth)} | {row.Seconds,8:F1} | {row.Result}");
        }

        Console.WriteLine($"{"Total".PadRight(stageWidth)} | {"".PadRight(rowsWidth)} | {_rows.Sum(r => r.Seconds),8:F1} |");
    }
}
