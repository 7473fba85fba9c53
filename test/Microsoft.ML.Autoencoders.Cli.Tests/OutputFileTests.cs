namespace Microsoft.ML.Autoencoders.Cli.Tests;

/// <summary>
/// What a failed run leaves at -o: a CSV is written beside it and renamed over it only when complete, so the data file
/// itself, an existing output and a file the user may not write are never truncated or deleted by a failure.
/// </summary>
public sealed class OutputFileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("autoencoder-output-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string In(string name) => Path.Combine(_folder, name);

    /// <summary>40 rows of three features and a label, and an autoencoder trained on them.</summary>
    private string TrainOnSmallCsv()
    {
        var lines = new List<string> { "a,b,c,label" };
        for (int i = 0; i < 40; i++) lines.Add($"{i % 7}.5,{(i * 3) % 5},{i % 3}.25,{(i % 10 == 9 ? 1 : 0)}");
        File.WriteAllLines(In("in.csv"), lines);
        ToolRun.Of("train", "-d", In("in.csv"), "--exclude", "label", "-o", In("ae.zip"), "--code-size", "2", "--epochs", "1").Succeeded();
        return In("in.csv");
    }

    [Theory]
    [InlineData("score")]
    [InlineData("encode")]
    [InlineData("reconstruct")]
    [InlineData("denoise")]
    public void An_output_that_is_the_data_file_is_refused_and_the_data_kept(string command)
    {
        string csv = TrainOnSmallCsv();
        byte[] data = File.ReadAllBytes(csv);
        ToolRun.Of(command, In("ae.zip"), "-d", csv, "-o", csv).Failed(ExitCodes.Usage, "is the data file -d reads");
        Assert.Equal(data, File.ReadAllBytes(csv));

        // The same file through a relative path and through a symbolic link.
        string relative = Path.GetRelativePath(Environment.CurrentDirectory, csv);
        ToolRun.Of(command, In("ae.zip"), "-d", csv, "-o", relative).Failed(ExitCodes.Usage, "is the data file -d reads");
        File.CreateSymbolicLink(In("link.csv"), csv);
        ToolRun.Of(command, In("ae.zip"), "-d", In("link.csv"), "-o", csv).Failed(ExitCodes.Usage, "is the data file -d reads");
        ToolRun.Of(command, In("ae.zip"), "-d", csv, "-o", In("link.csv")).Failed(ExitCodes.Usage, "is the data file -d reads");
        Assert.Equal(data, File.ReadAllBytes(csv));
        Assert.Single(Directory.GetFiles(_folder, "in.csv*"));
    }

    [Fact]
    public void An_existing_output_survives_an_error_in_a_later_chunk()
    {
        string csv = TrainOnSmallCsv();
        File.AppendAllText(csv, "1,x,1,0\n");
        File.WriteAllText(In("scores.csv"), "yesterday's scores\n");
        foreach (string chunk in new[] { "4", "4096" })
        {
            ToolRun.Of("score", In("ae.zip"), "-d", csv, "-o", In("scores.csv"), "--chunk-rows", chunk)
                .Failed(ExitCodes.DataOrModel, "line 42: column 'b' holds 'x'");
            Assert.Equal("yesterday's scores\n", File.ReadAllText(In("scores.csv")));
            Assert.Single(Directory.GetFiles(_folder, "scores.csv*"));
        }
    }

    [Fact]
    public void A_finished_output_replaces_an_existing_one_and_leaves_no_temporary_file()
    {
        string csv = TrainOnSmallCsv();
        File.WriteAllText(In("scores.csv"), "yesterday's scores\n");
        ToolRun.Of("score", In("ae.zip"), "-d", csv, "-o", In("scores.csv"), "--chunk-rows", "4").Succeeded();
        Assert.Equal(41, File.ReadAllLines(In("scores.csv")).Length);
        Assert.Single(Directory.GetFiles(_folder, "scores.csv*"));
    }

    [Fact]
    public void An_output_the_user_may_not_write_is_left_as_it_was()
    {
        // Root writes any file whatever its mode, so there the refusal cannot be seen: the run is a normal one.
        if (OperatingSystem.IsWindows()) return;
        string csv = TrainOnSmallCsv();
        File.WriteAllText(In("scores.csv"), "kept\n");
        File.SetUnixFileMode(In("scores.csv"), UnixFileMode.UserRead);
        var run = ToolRun.Of("score", In("ae.zip"), "-d", csv, "-o", In("scores.csv"));
        if (Environment.UserName == "root")
        {
            run.Succeeded();
            return;
        }
        Assert.NotEqual(ExitCodes.Success, run.ExitCode);
        Assert.Equal("kept\n", File.ReadAllText(In("scores.csv")));
    }
}
