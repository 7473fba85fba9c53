using System.Globalization;

namespace Microsoft.ML.Autoencoders.Cli.Data;

/// <summary>
/// Reads a CSV or TSV file with a header row, a chunk of rows at a time, so a file larger than memory can be scored or
/// trained on (<see cref="RowSource"/>). Feature columns are parsed as numbers (invariant culture, so "1.5" everywhere);
/// other columns are skipped unread, except the label, kept as text. Fields may be quoted, holding the separator
/// (<see cref="DelimitedLine"/>); blank lines are skipped; a row with the wrong field count is an error naming its line,
/// counted from the top of the file whichever chunk it falls in.
/// </summary>
internal sealed class DelimitedFileReader : IDisposable
{
    private readonly string _path;
    private readonly char _separator;
    private readonly StreamReader _reader;
    private readonly string[] _header;
    private readonly int[] _featureIndex;
    private readonly int _labelIndex;
    private readonly string[] _featureNames;
    /// <summary>Rows the first chunk's array is allocated for, before it grows.</summary>
    private const int InitialChunkRows = 256;

    private int _line = 1;
    private int _chunkCapacityRows;
    private bool _anyRows;

    private DelimitedFileReader(string path, char separator, StreamReader reader, string[] header, string[] featureNames, int[] featureIndex, int labelIndex)
    {
        _path = path;
        _separator = separator;
        _reader = reader;
        _header = header;
        _featureNames = featureNames;
        _featureIndex = featureIndex;
        _labelIndex = labelIndex;
    }

    /// <summary>The feature columns, in the order each row gives them.</summary>
    public IReadOnlyList<string> FeatureNames => _featureNames;

    /// <summary>Whether each row carries a label (a label column was named).</summary>
    public bool Labelled => _labelIndex >= 0;

    /// <summary>
    /// Whether a missing value (an empty field) or a non-finite one (NaN, Infinity, -Infinity) is read as a gap rather than
    /// refused: empty as NaN, the others as they are. Only a sequence detector's scoring takes gaps, which the library
    /// scores itself (the point +∞ and flagged); every other model refuses them, and so does training. A number written
    /// with digits past float's range is still an error: it is a unit to rescale, not a gap.
    /// </summary>
    public bool ReadsGaps { get; set; }

    /// <summary>The whole file in memory.</summary>
    public static DataSet Read(string path, char? separator, IReadOnlyList<string>? features, string? label, IReadOnlyList<string> exclude)
    {
        using var reader = Open(path, separator, features, label, exclude);
        return reader.ReadChunk(int.MaxValue)!;
    }

    /// <summary>Opens <paramref name="path"/> and reads its header; the rows are read by <see cref="ReadChunk"/>.</summary>
    /// <param name="path">The file.</param>
    /// <param name="separator">The field separator; null picks tab for .tsv/.tab files and comma otherwise.</param>
    /// <param name="features">The feature columns in order; null for every column except the label and <paramref name="exclude"/>.</param>
    /// <param name="label">The label column, or null.</param>
    /// <param name="exclude">Columns never used as features (ids, timestamps).</param>
    public static DelimitedFileReader Open(string path, char? separator, IReadOnlyList<string>? features, string? label, IReadOnlyList<string> exclude)
    {
        char sep = separator ?? (Path.GetExtension(path).ToLowerInvariant() is ".tsv" or ".tab" ? '\t' : ',');
        var reader = new StreamReader(path);
        try
        {
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
            return new DelimitedFileReader(path, sep, reader, header, featureNames, featureIndex, labelIndex);
        }
        catch
        {
            reader.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The next rows, at most <paramref name="maxRows"/> of them; null once the file is read. A file with a header and no
    /// rows is an error at the first call. The values go straight into the chunk's array (a growing list copied out at the
    /// end would hold them two and three times over), which a short last chunk does not fill. The first chunk's
    /// array starts small (a short file of wide rows is not given a whole chunk's worth) and doubles as rows come; the
    /// next chunks start at the size the first reached, so a file read a chunk at a time allocates each chunk once.
    /// </summary>
    public DataSet? ReadChunk(int maxRows)
    {
        int width = _featureNames.Length;
        float[] values = new float[(long)Math.Min(maxRows, Math.Max(_chunkCapacityRows, InitialChunkRows)) * width];
        var labels = Labelled ? new List<string>() : null;
        int rows = 0;
        for (string? text = rows < maxRows ? _reader.ReadLine() : null; text != null; text = rows < maxRows ? _reader.ReadLine() : null)
        {
            _line++;
            // A blank line is skipped, but not one holding a separator: "\t\t" in a TSV is all whitespace yet a row of
            // empty fields, which must be named as missing values rather than silently dropped.
            if (string.IsNullOrWhiteSpace(text) && !text.Contains(_separator)) continue;
            if ((long)(rows + 1) * width > values.Length) Array.Resize(ref values, (int)Math.Min(Math.Min(Math.Max(2L * values.Length, (long)(rows + 1) * width), (long)maxRows * width), Array.MaxLength));
            ReadRow(text, values.AsSpan(rows * width, width), labels);
            rows++;
        }
        if (rows == 0)
        {
            if (!_anyRows) throw new InvalidDataException($"'{_path}' has a header but no rows.");
            return null;
        }
        _anyRows = true;
        _chunkCapacityRows = Math.Max(_chunkCapacityRows, Math.Min(values.Length / width, RowSource.DefaultChunkRowsFor(width)));
        // A short last chunk keeps its array: a trimmed copy would be made while the full array is still held. Only a read
        // of every row, kept for the whole command (training, ROC), is trimmed to size.
        if (maxRows == int.MaxValue && values.Length != rows * width) Array.Resize(ref values, rows * width);
        return new DataSet(values, rows, width, _featureNames, labels, ImageShape: null);
    }

    private void ReadRow(string text, Span<float> values, List<string>? labels)
    {
        string[] fields = DelimitedLine.Split(text, _separator)
            ?? throw new InvalidDataException($"'{_path}' line {_line}: a quoted field is not closed (a field cannot span lines).");
        if (fields.Length != _header.Length)
            throw new InvalidDataException($"'{_path}' line {_line}: {fields.Length} fields where the header has {_header.Length}.{SeparatorHint(_header, _separator)}");
        for (int f = 0; f < _featureIndex.Length; f++)
        {
            string field = fields[_featureIndex[f]];
            if (ReadsGaps && Gap(field) is float gap)
            {
                values[f] = gap;
                continue;
            }
            if (field.Length == 0)
                throw new InvalidDataException($"'{_path}' line {_line}: column '{_featureNames[f]}' is empty (a missing value). " +
                    "The tool does not fill in missing values: fill them or drop the row, or leave the column out with --exclude.");
            if (!float.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out float value) || !float.IsFinite(value))
            {
                // A number written with digits past float's range (1e40, or 1e400, past double's too) reads as infinity:
                // "not a finite number" would be untrue, and --exclude is not what such a column needs. Only the literal
                // tokens (Infinity, NaN, ∞) have no digit.
                if (double.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out _) && field.Any(char.IsAsciiDigit))
                    throw new InvalidDataException($"'{_path}' line {_line}: column '{_featureNames[f]}' holds '{field}', beyond the range of the " +
                        "32-bit floats the models compute in (about ±3.4e38): rescale the column, e.g. to other units or its logarithm.");
                throw new InvalidDataException($"'{_path}' line {_line}: column '{_featureNames[f]}' holds '{field}', not a finite number. " +
                    "Pick numeric columns with --features, or leave this one out with --exclude." + SeparatorHint(_header, _separator));
            }
            values[f] = value;
        }
        labels?.Add(fields[_labelIndex]);
    }

    /// <summary>NaN for an empty field, the value of a NaN or ±Infinity token (no digit in it); null for anything else.</summary>
    private static float? Gap(string field)
    {
        if (field.Length == 0) return float.NaN;
        return !field.Any(char.IsAsciiDigit) && float.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out float value) && !float.IsFinite(value)
            ? value : null;
    }

    public void Dispose() => _reader.Dispose();

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
