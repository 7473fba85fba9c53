using System.Text;

namespace Microsoft.ML.Autoencoders.Cli.Data;

/// <summary>
/// Splits one line of a CSV/TSV file into its fields as RFC 4180 reads them: a field in double quotes may hold the
/// separator, and a doubled quote inside it is one quote. Spaces around a field are dropped, but not those inside its
/// quotes. Tools that write CSV (this one included, see <see cref="CsvOutput"/>) quote any field holding a comma, so a
/// plain split on the separator would cut such a field in two and report a wrong field count instead of reading the file.
/// </summary>
internal static class DelimitedLine
{
    /// <summary>The fields of <paramref name="line"/>; null when a quoted field is not closed on it (fields spanning lines are not read).</summary>
    public static string[]? Split(string line, char separator)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        int i = 0;
        while (true)
        {
            while (i < line.Length && line[i] != separator && char.IsWhiteSpace(line[i])) i++;
            field.Clear();
            if (i < line.Length && line[i] == '"')
            {
                // A quoted field runs to the next quote that is not doubled.
                i++;
                while (true)
                {
                    if (i >= line.Length) return null;
                    if (line[i] == '"')
                    {
                        if (i + 1 < line.Length && line[i + 1] == '"')
                        {
                            field.Append('"');
                            i += 2;
                            continue;
                        }
                        i++;
                        break;
                    }
                    field.Append(line[i++]);
                }
                // Anything between the closing quote and the separator is kept, as a spreadsheet would ("a"b -> ab), but
                // only its own trailing spaces are dropped: those inside the quotes are the field's (RFC 4180).
                int afterQuote = i;
                while (i < line.Length && line[i] != separator) i++;
                field.Append(line.AsSpan(afterQuote, i - afterQuote).TrimEnd());
                fields.Add(field.ToString());
            }
            else
            {
                while (i < line.Length && line[i] != separator) field.Append(line[i++]);
                fields.Add(field.ToString().Trim());
            }
            if (i >= line.Length) return fields.ToArray();
            i++; // past the separator: another field follows, perhaps an empty one at the end of the line
        }
    }
}
