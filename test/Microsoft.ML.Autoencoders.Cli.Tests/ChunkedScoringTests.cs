namespace Microsoft.ML.Autoencoders.Cli.Tests;

/// <summary>
/// encode, reconstruct and score read a CSV a chunk of rows at a time. With the chunk forced down to 3 rows (the hidden
/// --chunk-rows), a small file crosses many chunk boundaries, and what the tool writes and the errors it names must be
/// exactly those of reading the file whole (one chunk, as every file smaller than the default chunk is read).
/// </summary>
public sealed class ChunkedScoringTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("autoencoder-chunks-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string In(string name) => Path.Combine(_folder, name);

    /// <summary>
    /// 40 rows: an id (empty on some rows), three features, a quoted name holding commas and doubled quotes (empty on some),
    /// and a label; blank lines here and there, so file lines and row numbers part ways.
    /// </summary>
    private string WriteDialectCsv()
    {
        var lines = new List<string> { "id,a,b,c,name,label" };
        for (int i = 0; i < 40; i++)
        {
            if (i % 9 == 4) lines.Add("");
            string id = i % 7 == 3 ? "" : $"{i}";
            string name = i % 5 == 2 ? "" : $"\"Smith, \"\"J\"\" {i}\"";
            lines.Add($"{id},{i % 7}.5,{(i * 3) % 5},\"{i % 3}.25\",{name},{(i % 10 == 9 ? 1 : 0)}");
        }
        File.WriteAllText(In("dialect.csv"), string.Join("\n", lines) + "\n");
        return In("dialect.csv");
    }

    /// <summary>Runs the command whole and in chunks of 3 rows, to files and to stdout, and asserts the four outputs alike.</summary>
    private void AssertChunkedEqualsWhole(params string[] command)
    {
        ToolRun.Of([.. command, "-o", In("whole.csv")]).Succeeded();
        ToolRun.Of([.. command, "-o", In("chunked.csv"), "--chunk-rows", "3"]).Succeeded();
        byte[] whole = File.ReadAllBytes(In("whole.csv"));
        Assert.True(whole.Length > 200, $"{string.Join(" ", command)} wrote only {whole.Length} bytes.");
        Assert.Equal(whole, File.ReadAllBytes(In("chunked.csv")));
        var toStdout = ToolRun.Of([.. command, "-o", "-", "--chunk-rows", "3"]).Succeeded();
        Assert.Equal(File.ReadAllText(In("whole.csv")), toStdout.Out);
    }

    [Fact]
    public void Chunks_of_three_rows_write_the_same_bytes_as_the_whole_file()
    {
        string csv = WriteDialectCsv();
        ToolRun.Of("train", "-d", csv, "--exclude", "id,name,label", "-o", In("ae.zip"), "--code-size", "2", "--epochs", "3").Succeeded();
        ToolRun.Of("train", "-d", csv, "--exclude", "id,name,label", "-o", In("detector.zip"), "--code-size", "2", "--epochs", "3", "--detector").Succeeded();

        AssertChunkedEqualsWhole("encode", In("ae.zip"), "-d", csv, "--label", "name");
        // The quoted label went through whole, and is quoted again on the way out; an empty one stays empty.
        Assert.Contains("\n\"Smith, \"\"J\"\" 0\",", File.ReadAllText(In("chunked.csv")));
        Assert.Contains("\n,", File.ReadAllText(In("chunked.csv")));
        AssertChunkedEqualsWhole("reconstruct", In("ae.zip"), "-d", csv, "--label", "label");
        AssertChunkedEqualsWhole("score", In("ae.zip"), "-d", csv, "--label", "name", "--threshold", "0.5");
        AssertChunkedEqualsWhole("score", In("ae.zip"), "-d", csv);
        AssertChunkedEqualsWhole("score", In("detector.zip"), "-d", csv, "--label", "label");
    }

    [Fact]
    public void Wide_rows_make_smaller_chunks()
    {
        // A few thousand rows of a few features, but never thousands of rows of 100,000 features (1.6 GB of floats).
        Assert.Equal(4096, Data.RowSource.DefaultChunkRowsFor(16));
        Assert.Equal(4096, Data.RowSource.DefaultChunkRowsFor(1024));
        Assert.Equal(41, Data.RowSource.DefaultChunkRowsFor(100_000));
        Assert.Equal(1, Data.RowSource.DefaultChunkRowsFor(10_000_000));
    }

    [Fact]
    public void The_flagged_count_covers_every_chunk()
    {
        string csv = WriteDialectCsv();
        ToolRun.Of("train", "-d", csv, "--exclude", "id,name,label", "-o", In("detector.zip"), "--code-size", "2", "--epochs", "3", "--detector").Succeeded();
        string whole = ToolRun.Of("score", In("detector.zip"), "-d", csv, "-o", In("s.csv")).Succeeded().Error;
        Assert.Contains(" of 40 rows flagged", whole);
        Assert.Equal(whole, ToolRun.Of("score", In("detector.zip"), "-d", csv, "-o", In("s.csv"), "--chunk-rows", "3").Succeeded().Error);
    }

    [Fact]
    public void An_error_in_a_later_chunk_names_its_line_and_leaves_no_output_file()
    {
        string csv = WriteDialectCsv();
        ToolRun.Of("train", "-d", csv, "--exclude", "id,name,label", "-o", In("ae.zip"), "--code-size", "2", "--epochs", "1").Succeeded();
        // Row 31 (line 35, after the header and three blank lines) loses its 'b'.
        var lines = File.ReadAllLines(csv);
        Assert.Equal("30,2.5,0,\"0.25\",\"Smith, \"\"J\"\" 30\",0", lines[34]);
        lines[34] = "30,2.5,,\"0.25\",x,0";
        File.WriteAllLines(In("gap.csv"), lines);

        foreach (string chunk in new[] { "3", "4096" })
        {
            ToolRun.Of("encode", In("ae.zip"), "-d", In("gap.csv"), "-o", In("codes.csv"), "--chunk-rows", chunk)
                .Failed(ExitCodes.DataOrModel, "line 35: column 'b' is empty (a missing value)");
            Assert.False(File.Exists(In("codes.csv")), $"A partial output was left behind with --chunk-rows {chunk}.");
        }
    }

    [Fact]
    public void Plots_of_the_first_rows_read_only_those()
    {
        string csv = WriteDialectCsv();
        ToolRun.Of("train", "-d", csv, "--exclude", "id,name,label", "-o", In("ae.zip"), "--code-size", "2", "--epochs", "1").Succeeded();
        // A bad value past the rows drawn is never read, so a huge file is not read to its end for 10 rows.
        File.AppendAllText(csv, "99,x,1,1,late,0\n");
        ToolRun.Of("plot", "codes", In("ae.zip"), "-d", csv, "--rows", "10", "-o", In("codes.png")).Succeeded();
        ToolRun.Of("plot", "roc", In("ae.zip"), "-d", csv, "--label", "label", "-o", In("roc.png")).Failed(ExitCodes.DataOrModel, "line 46: column 'a' holds 'x'");
    }
}
