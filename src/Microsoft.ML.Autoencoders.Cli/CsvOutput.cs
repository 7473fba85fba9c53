using System.Globalization;

namespace Microsoft.ML.Autoencoders.Cli;

/// <summary>Writes result tables as CSV with a header, numbers in invariant culture (round-trippable), to a file or stdout ("-").</summary>
internal static class CsvOutput
{
    public static void Write(string path, TextWriter stdout, IReadOnlyList<string> header, int rows, Func<int, IEnumerable<string>> row)
    {
        using TextWriter writer = path == "-" ? TextWriter.Synchronized(stdout) : new StreamWriter(CreateFile(path));
        writer.WriteLine(string.Join(",", header.Select(Quote)));
        for (int r = 0; r < rows; r++) writer.WriteLine(string.Join(",", row(r).Select(Quote)));
        writer.Flush();
    }

    public static string Number(float value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Rows of <paramref name="width"/> values from a flat array, as text.</summary>
    public static IEnumerable<string> Slice(float[] values, int row, int width) => values.Skip(row * width).Take(width).Select(Number);

    private static Stream CreateFile(string path)
    {
        string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder != null) Directory.CreateDirectory(folder);
        return File.Create(path);
    }

    // A field with its own leading or trailing spaces is quoted too: unquoted, a reader (this tool's included) drops them.
    private static string Quote(string field) =>
        field.Contains(',') || field.Contains('"') || field.Length != field.AsSpan().Trim().Length ? $"\"{field.Replace("\"", "\"\"")}\"" : field;
}
