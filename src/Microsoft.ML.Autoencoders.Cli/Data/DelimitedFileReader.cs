using System.Globalization;

namespace Microsoft.ML.Autoencoders.Cli.Data;

/// <summary>
/// Reads a CSV or TSV file with a header row. Feature columns are parsed as numbers (invariant culture, so "1.5" everywhere);
/// other columns are skipped unread, except the label, kept as text. Fields may be quoted, holding the separator
/// (<see cref="DelimitedLine"/>); blank lines are skipped; a row with the wrong field count is an error naming its line.
/// </summary>
internal static class DelimitedFileReader
{
    /// <param name="path">The file.</param>
    /// <param name="separator">The field separator; null picks tab for .tsv/.tab files and comma otherwise.</param>
    /// <param name="features">The feature columns in order; null for every column except the label and <paramref name="exclude"/>.</param>
    /// <param name="label">The label column, or null.</param>
    /// <param name="exclude">Columns never used as features (ids, timestamps).</param>
    public static DataSet Read(string path, char? separator, IReadOnlyList<string>? features, string? label, IReadOnlyList<string> exclude)
    {
        char sep = separator ?? (Path.GetExtension(path).ToLowerInvariant() is ".tsv" or ".tab" ? '\t' : ',');
        using var reader = new StreamReader(path);
        string? headerLine = reader.ReadLine();
        if (string.IsNullOrWhiteSpace(headerLine)) throw new InvalidDataException($"'{path}' is empty: it needs a header row naming its columns.");
        string[] header = DelimitedLine.Split(headerLine, sep)
            ?? throw new InvalidDataException($"'{path}' line 1: a quoted field is not closed (a field cannot span lines).");
        for (int i = 0; i < header.Length; i++)
            if (header[i].Length == 0)
                throw new InvalidDataException($"'{path}': column {i + 1} of the header has no name" +
                    (i == header.Length - 1 ? " (a separator at the end of the line?)." : "; every column needs one."));
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < header.Length; i++)
            if (!index.TryAdd(header[i], i)) throw new InvalidDataException($"'{path}' names column '{header[i]}' twice.");

        int Find(string name) => index.TryGetValue(name, out int i) ? i
            : throw new InvalidDataException($"'{path}' has no column '{name}'; its columns are: {string.Join(", ", header)}.{SeparatorHint(header, sep)}");
        foreach (string name in exclude) Find(name);
        int labelIndex = label == null ? -1 : Find(label);
        string[] featureNames = features?.ToArray()
            ?? header.Where((name, i) => i != labelIndex && !exclude.Contains(name)).ToArray();
        if (featureNames.Length == 0) throw new InvalidDataException($"'{path}' has no feature columns left to read.");
        int[] featureIndex = featureNames.Select(Find).ToArray();

        var values = new List<float>();
        var labels = label == null ? null : new List<string>();
        int line = 1;
        for (string? text = reader.ReadLine(); text != null; text = reader.ReadLine())
        {
            line++;
            // A blank line is skipped, but not one holding a separator: "\t\t" in a TSV is all whitespace yet a row of
            // empty fields, which must be named as missing values rather than silently dropped.
            if (string.IsNullOrWhiteSpace(text) && !text.Contains(sep)) continue;
            string[] fields = DelimitedLine.Split(text, sep)
                ?? throw new InvalidDataException($"'{path}' line {line}: a quoted field is not closed (a field cannot span lines).");
            if (fields.Length != header.Length)
                throw new InvalidDataException($"'{path}' line {line}: {fields.Length} fields where the header has {header.Length}.{SeparatorHint(header, sep)}");
            for (int f = 0; f < featureIndex.Length; f++)
            {
                string field = fields[featureIndex[f]];
                if (field.Length == 0)
                    throw new InvalidDataException($"'{path}' line {line}: column '{featureNames[f]}' is empty (a missing value). " +
                        "The tool does not fill in missing values: fill them or drop the row, or leave the column out with --exclude.");
                if (!float.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out float value) || !float.IsFinite(value))
                    throw new InvalidDataException($"'{path}' line {line}: column '{featureNames[f]}' holds '{field}', not a finite number. " +
                        "Pick numeric columns with --features, or leave this one out with --exclude." + SeparatorHint(header, sep));
                values.Add(value);
            }
            labels?.Add(fields[labelIndex]);
        }
        int rows = values.Count / featureNames.Length;
        if (rows == 0) throw new InvalidDataException($"'{path}' has a header but no rows.");
        return new DataSet(values.ToArray(), rows, featureNames.Length, featureNames, labels, ImageShape: null);
    }

    /// <summary>
    /// When the header did not split (one column) but holds another common separator, the file most likely uses that one:
    /// say so, since "no column 'id'; its columns are: id;a;b" leaves the user to spot it.
    /// </summary>
    private static string SeparatorHint(string[] header, char separator)
    {
        if (header.Length != 1) return "";
        foreach (char other in new[] { ',', ';', '\t', '|' })
            if (other != separator && header[0].Contains(other))
                return $" The header did not split on '{(separator == '\t' ? "tab" : separator)}': is the separator '{(other == '\t' ? "tab" : other)}'? " +
                    $"Pass --separator {(other == '\t' ? "tab" : $"'{other}'")}.";
        return "";
    }
}
