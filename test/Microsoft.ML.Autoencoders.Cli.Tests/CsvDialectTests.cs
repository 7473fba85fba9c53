namespace Microsoft.ML.Autoencoders.Cli.Tests;

/// <summary>
/// CSV files as spreadsheets and other tools write them — quoted fields holding the separator, blank lines at the end,
/// another separator than the one the tool guessed, missing values, a trailing separator — are read, or refused with a
/// message that names the mistake rather than a field count.
/// </summary>
public sealed class CsvDialectTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("autoencoder-csv-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string In(string name) => Path.Combine(_folder, name);

    /// <summary>Writes a header and 40 rows of three numeric features, each made by <paramref name="row"/>.</summary>
    private string Write(string name, string header, Func<int, string> row)
    {
        var lines = new List<string> { header };
        for (int i = 0; i < 40; i++) lines.Add(row(i));
        File.WriteAllText(In(name), string.Join("\n", lines) + "\n");
        return In(name);
    }

    /// <summary>Trains on <paramref name="csv"/> without its "name" column, scores it with that column as the label, and returns the scores file.</summary>
    private string ScoresLabelledByName(string csv)
    {
        ToolRun.Of("train", "-d", csv, "--exclude", "name", "-o", In("m.zip"), "--epochs", "1").Succeeded();
        ToolRun.Of("score", In("m.zip"), "-d", csv, "--label", "name", "-o", In("scores.csv")).Succeeded();
        return File.ReadAllText(In("scores.csv"));
    }

    private static string Numbers(int i, char separator = ',') => string.Join(separator, $"{i % 7}.5", $"{i % 5}", $"{i % 3}.25");

    [Fact]
    public void A_quoted_field_may_hold_the_separator_and_doubled_quotes()
    {
        string csv = Write("quoted.csv", "a,b,c,name", i => $"{Numbers(i)},\"Smith, \"\"J\"\" {i}\"");
        // The label is read as the whole field (the tool quotes it again on the way out, as it must).
        Assert.Contains("\"Smith, \"\"J\"\" 0\",", ScoresLabelledByName(csv));
    }

    [Fact]
    public void Blank_and_whitespace_lines_are_skipped()
    {
        string csv = Write("blank.csv", "a,b,c", i => Numbers(i));
        File.AppendAllText(csv, "\n   \n\t\n");
        ToolRun.Of("train", "-d", csv, "-o", In("m.zip"), "--epochs", "1").Succeeded();
    }

    [Fact]
    public void A_header_that_did_not_split_suggests_the_separator()
    {
        string csv = Write("semicolons.csv", "a;b;c", i => Numbers(i, ';'));
        ToolRun.Of("train", "-d", csv, "-o", In("m.zip"), "--epochs", "1").Failed(ExitCodes.DataOrModel, "--separator ';'");
        string tabs = Write("tabs.txt", "a\tb\tc", i => Numbers(i, '\t'));
        ToolRun.Of("train", "-d", tabs, "-o", In("m.zip"), "--epochs", "1").Failed(ExitCodes.DataOrModel, "--separator tab");
    }

    [Fact]
    public void A_tsv_line_of_only_tabs_is_a_row_of_missing_values()
    {
        // "\t\t" is all whitespace, yet it is a row whose three fields are all empty: not a blank line to skip.
        string tsv = Write("tabs.tsv", "a\tb\tc", i => i == 3 ? "\t\t" : Numbers(i, '\t'));
        ToolRun.Of("train", "-d", tsv, "--separator", "tab", "-o", In("m.zip"), "--epochs", "1")
            .Failed(ExitCodes.DataOrModel, "line 5: column 'a' is empty (a missing value)");
    }

    [Fact]
    public void A_quoted_field_keeps_its_own_trailing_spaces()
    {
        // RFC 4180: spaces inside the quotes are the field's; those after the closing quote are not.
        string csv = Write("spaced.csv", "a,b,c,name", i => $"{Numbers(i)},\"x {i}  \"  ");
        // Written back quoted, so that a reader keeps them again.
        Assert.Contains("\n\"x 0  \",", ScoresLabelledByName(csv));
    }

    [Fact]
    public void A_missing_value_is_named_as_missing()
    {
        string csv = Write("missing.csv", "a,b,c", i => i == 3 ? "1.5,,2" : Numbers(i));
        ToolRun.Of("train", "-d", csv, "-o", In("m.zip"), "--epochs", "1").Failed(ExitCodes.DataOrModel, "line 5: column 'b' is empty (a missing value)");
    }

    [Fact]
    public void A_number_past_the_range_of_float_is_not_called_non_finite()
    {
        string csv = Write("huge.csv", "a,b,c", i => i == 3 ? "1.5,1e40,2" : Numbers(i));
        var run = ToolRun.Of("train", "-d", csv, "-o", In("m.zip"), "--epochs", "1");
        run.Failed(ExitCodes.DataOrModel, "line 5: column 'b' holds '1e40', beyond the range of the 32-bit floats");
        Assert.DoesNotContain("not a finite number", run.Error);
        // Past double's range too (both read as ±∞ whatever the width): still a number written with digits.
        foreach (string huge in new[] { "1e400", "-1e400" })
        {
            Write("huger.csv", "a,b,c", i => i == 3 ? $"1.5,{huge},2" : Numbers(i));
            ToolRun.Of("train", "-d", In("huger.csv"), "-o", In("m.zip"), "--epochs", "1").Failed(ExitCodes.DataOrModel, $"holds '{huge}', beyond the range of the 32-bit floats");
        }
        // Infinity itself still is, however it is spelled.
        foreach (string token in new[] { "inf", "Infinity", "-Infinity", "NaN" })
        {
            Write("inf.csv", "a,b,c", i => i == 3 ? $"1.5,{token},2" : Numbers(i));
            ToolRun.Of("train", "-d", In("inf.csv"), "-o", In("m.zip"), "--epochs", "1").Failed(ExitCodes.DataOrModel, $"holds '{token}', not a finite number");
        }
    }

    [Fact]
    public void A_header_column_without_a_name_is_named()
    {
        string csv = Write("trailing.csv", "a,b,c,", i => Numbers(i) + ",");
        ToolRun.Of("train", "-d", csv, "-o", In("m.zip"), "--epochs", "1").Failed(ExitCodes.DataOrModel, "column 4 of the header has no name");
    }

    [Fact]
    public void An_unclosed_quote_names_its_line()
    {
        string csv = Write("unclosed.csv", "a,b,c", i => i == 2 ? "1,\"2,3" : Numbers(i));
        ToolRun.Of("train", "-d", csv, "-o", In("m.zip"), "--epochs", "1").Failed(ExitCodes.DataOrModel, "line 4: a quoted field is not closed");
    }
}
