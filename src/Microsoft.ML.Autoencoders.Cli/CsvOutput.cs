using System.Globalization;

namespace Microsoft.ML.Autoencoders.Cli;

/// <summary>Writes result tables as CSV with a header, numbers in invariant culture (round-trippable), to a file or stdout ("-").</summary>
internal static class CsvOutput
{
    /// <summary>
    /// Writes <paramref name="header"/>, then <paramref name="rows"/> as they are enumerated, so a table computed a chunk
    /// at a time is never held whole. The first row is computed before anything is written: data that fails in its first
    /// chunk (for a small file, anywhere) leaves no file and nothing on stdout. A later failure deletes the partial file;
    /// on stdout the rows already written stay written.
    /// </summary>
    public static void Write(string path, TextWriter stdout, IReadOnlyList<string> header, IEnumerable<IEnumerable<string>> rows)
    {
        using var row = rows.GetEnumerator();
        bool any = row.MoveNext();
        if (path == "-")
        {
            WriteAll(TextWriter.Synchronized(stdout), header, row, any);
            return;
        }
        try
        {
            using var writer = new StreamWriter(CreateFile(path));
            WriteAll(writer, header, row, any);
        }
        catch
        {
            File.Delete(path);
            throw;
        }
    }

    private static void WriteAll(TextWriter writer, IReadOnlyList<string> header, IEnumerator<IEnumerable<string>> row, bool any)
    {
        writer.WriteLine(string.Join(",", header.Select(Quote)));
        for (bool more = any; more; more = row.MoveNext()) writer.WriteLine(string.Join(",", row.Current.Select(Quote)));
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
