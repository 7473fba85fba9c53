using Microsoft.ML;
using Microsoft.ML.Data;

namespace SeriesAnomaly;

/// <summary>One month of elnino.csv (build/export-series.py): the temperature with anomalies injected, its split and label.</summary>
internal sealed class MonthRow
{
    [LoadColumn(0)] public string Month { get; set; } = "";
    [LoadColumn(2)] public float Value { get; set; }
    [LoadColumn(3)] public string Split { get; set; } = "";
    /// <summary>1 = an injected anomaly, as ML.NET's anomaly evaluator reads it.</summary>
    [LoadColumn(4)] public float Label { get; set; }
    [LoadColumn(5)] public string Kind { get; set; } = "";

    /// <summary>A month as "yyyy-MM" in fractional years, January at the whole year, for a time axis.</summary>
    public static double Year(string month) =>
        int.Parse(month[..4], System.Globalization.CultureInfo.InvariantCulture) + (int.Parse(month[5..7], System.Globalization.CultureInfo.InvariantCulture) - 1) / 12.0;
}

/// <summary>One quarter of macro.csv: five channels of growth rates, the split, the label and the channel an anomaly was put in.</summary>
internal sealed class QuarterRow
{
    [LoadColumn(0)] public string Quarter { get; set; } = "";
    [LoadColumn(1)] public float RealGdp { get; set; }
    [LoadColumn(2)] public float RealCons { get; set; }
    [LoadColumn(3)] public float RealInv { get; set; }
    [LoadColumn(4)] public float RealGovt { get; set; }
    [LoadColumn(5)] public float Unemp { get; set; }
    [LoadColumn(6)] public string Split { get; set; } = "";
    [LoadColumn(7)] public float Label { get; set; }
    [LoadColumn(8)] public string Kind { get; set; } = "";
    [LoadColumn(9)] public string Channel { get; set; } = "";

    public static readonly string[] Channels = [nameof(RealGdp), nameof(RealCons), nameof(RealInv), nameof(RealGovt), nameof(Unemp)];
}

/// <summary>Finds and reads the CSV files build/fetch-series.sh writes.</summary>
internal static class SeriesFiles
{
    /// <summary>The folder given, or artifacts/data/series above the working directory or the program.</summary>
    public static string Locate(string? directory)
    {
        if (directory != null) return directory;
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var folder = new DirectoryInfo(start); folder != null; folder = folder.Parent)
            {
                string candidate = Path.Combine(folder.FullName, "artifacts", "data", "series");
                if (File.Exists(Path.Combine(candidate, "elnino.csv"))) return candidate;
            }
        }
        throw new FileNotFoundException("The series are missing: run build/fetch-series.sh (or ./build.sh sample SeriesAnomaly), or pass their folder.");
    }

    /// <summary>The rows of a file, in file (time) order.</summary>
    public static List<T> Read<T>(MLContext ml, string path) where T : class, new() =>
        ml.Data.CreateEnumerable<T>(ml.Data.LoadFromTextFile<T>(path, separatorChar: ',', hasHeader: true), reuseRowObject: false).ToList();
}
