using System.Globalization;

namespace Microsoft.ML.Autoencoders.Cli;

/// <summary>Writes result tables as CSV with a header, numbers in invariant culture (round-trippable), to a file or stdout ("-").</summary>
internal static class CsvOutput
{
    /// <summary>
    /// Writes <paramref name="header"/>, then <paramref name="rows"/> as they are enumerated, so a table computed a chunk
    /// at a time is never held whole. The first row is computed before anything is written: data that fails in its first
    /// chunk (for a small file, anywhere) leaves nothing on stdout. A file is written under a temporary name beside it and
    /// renamed over <paramref name="path"/> only once every row is written: a failure at any row (or a file that cannot be
    /// created) deletes only the temporary file, leaving whatever <paramref name="path"/> held before as it was; on stdout
    /// the rows already written stay written.
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
        // The rename needs only the folder's permission: an existing file the user may not write is refused as writing it
        // in place would be, not replaced.
        if (File.Exists(path)) using (File.Open(path, FileMode.Open, FileAccess.Write)) { }
        string temporary = TemporaryBeside(path);
        try
        {
            using (var writer = new StreamWriter(File.Create(temporary)))
                WriteAll(writer, header, row, any);
            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    /// <summary>
    /// Whether <paramref name="output"/> names the file <paramref name="input"/> names, through symbolic links too: writing
    /// a table over the data it is read from would replace the data with its own scores.
    /// </summary>
    public static bool IsSameFile(string output, string input) =>
        output != "-" && string.Equals(Resolved(output), Resolved(input), OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);

    private static string Resolved(string path)
    {
        var file = new FileInfo(Path.GetFullPath(path));
        // The folder may be a link as well as the file: resolve it first, then the file within it.
        string? folder = file.Directory == null ? null : Resolved(file.Directory);
        var inFolder = folder == null ? file : new FileInfo(Path.Combine(folder, file.Name));
        return inFolder.Exists ? (inFolder.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? inFolder.FullName) : inFolder.FullName;
    }

    private static string Resolved(DirectoryInfo folder)
    {
        string? parent = folder.Parent == null ? null : Resolved(folder.Parent);
        var inParent = parent == null ? folder : new DirectoryInfo(Path.Combine(parent, folder.Name));
        return inParent.Exists ? (inParent.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? inParent.FullName) : inParent.FullName;
    }

    /// <summary>A new file's name in <paramref name="path"/>'s folder (created if missing), so the final rename stays within one file system.</summary>
    private static string TemporaryBeside(string path)
    {
        string full = Path.GetFullPath(path);
        string? folder = Path.GetDirectoryName(full);
        if (folder != null) Directory.CreateDirectory(folder);
        return $"{full}.tmp-{Guid.NewGuid():N}";
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

    // A field with its own leading or trailing spaces is quoted too: unquoted, a reader (this tool's included) drops them.
    private static string Quote(string field) =>
        field.Contains(',') || field.Contains('"') || field.Length != field.AsSpan().Trim().Length ? $"\"{field.Replace("\"", "\"\"")}\"" : field;
}
