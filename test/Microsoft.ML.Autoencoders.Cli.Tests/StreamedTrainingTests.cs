namespace Microsoft.ML.Autoencoders.Cli.Tests;

/// <summary>
/// <c>train --stream</c> reads the CSV a pass at a time through the library's StreamTrainingData: the same file, seed and
/// options give the same model every time, about as good as the in-memory one (the library promises no more: the
/// streamed shuffle and validation split differ), and the reader's errors and the options streaming cannot take are named.
/// </summary>
public sealed class StreamedTrainingTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("autoencoder-stream-").FullName;

    public StreamedTrainingTests() => TestData.WritePlaneCsv(Csv);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Csv => In("data.csv");

    private string In(string name) => Path.Combine(_folder, name);

    private static readonly string[] Settings = ["--exclude", "id,label", "--code-size", "2", "--epochs", "30", "--batch-size", "16", "--validation", "0.2", "--seed", "3", "--threads", "1"];

    private static double FinalLoss(ToolRun train) =>
        double.Parse(train.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last(l => l.StartsWith("epoch 30/30", StringComparison.Ordinal)).Split("  ")[1]["loss ".Length..],
            System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void A_streamed_model_is_reproducible_and_learns_as_well_as_in_memory()
    {
        var streamed = ToolRun.Of(["train", "-d", Csv, "-o", In("s1.zip"), "--stream", "--chunk-rows", "7", .. Settings]).Succeeded();
        // The rows are not counted up front, so the line has no rows/s; the validation loss is there.
        Assert.Matches(@"epoch 30/30  loss [0-9.]+  val [0-9.]+\s", streamed.Out);
        Assert.DoesNotContain("rows/s", streamed.Out);
        ToolRun.Of(["train", "-d", Csv, "-o", In("s2.zip"), "--stream", .. Settings]).Succeeded();
        var inMemory = ToolRun.Of(["train", "-d", Csv, "-o", In("m.zip"), .. Settings]).Succeeded();

        // The same file and seed give the same model, whatever the chunk size the file was read in.
        ToolRun.Of("encode", In("s1.zip"), "-d", Csv, "-o", In("codes1.csv")).Succeeded();
        ToolRun.Of("encode", In("s2.zip"), "-d", Csv, "-o", In("codes2.csv")).Succeeded();
        Assert.Equal(File.ReadAllBytes(In("codes1.csv")), File.ReadAllBytes(In("codes2.csv")));
        // And it was trained streamed: in memory, the rows are shuffled and split otherwise, so the model differs.
        ToolRun.Of("encode", In("m.zip"), "-d", Csv, "-o", In("codesm.csv")).Succeeded();
        Assert.NotEqual(File.ReadAllBytes(In("codes1.csv")), File.ReadAllBytes(In("codesm.csv")));
        // The model remembers its columns as in memory.
        Assert.Contains("a, b, c, d, e, f", ToolRun.Of("info", In("s1.zip")).Succeeded().Out);

        double streamedLoss = FinalLoss(streamed), inMemoryLoss = FinalLoss(inMemory);
        Assert.True(streamedLoss < inMemoryLoss * 1.5 && inMemoryLoss < streamedLoss * 1.5, $"Streamed loss {streamedLoss}, in memory {inMemoryLoss}.");
    }

    [Fact]
    public void A_bad_row_fails_streamed_training_with_its_line()
    {
        var lines = File.ReadAllLines(Csv);
        lines[200] = lines[200].Replace(",", ",,", StringComparison.Ordinal);
        File.WriteAllLines(In("bad.csv"), lines);
        ToolRun.Of(["train", "-d", In("bad.csv"), "-o", In("s.zip"), "--stream", "--chunk-rows", "7", .. Settings])
            .Failed(ExitCodes.DataOrModel, "line 201: 15 fields where the header has 8.");
        Assert.False(File.Exists(In("s.zip")));
        // A wrong column is found from the header alone, before any training.
        ToolRun.Of("train", "-d", Csv, "--exclude", "nope", "-o", In("s.zip"), "--stream").Failed(ExitCodes.DataOrModel, "has no column 'nope'");
    }

    [Fact]
    public void A_missing_file_is_named_as_typed_streamed_or_not()
    {
        string missing = Path.GetRelativePath(Environment.CurrentDirectory, In("nope.csv"));
        ToolRun.Of("train", "-d", missing, "-o", In("s.zip"), "--stream").Failed(ExitCodes.DataOrModel, $"error: The data file '{missing}' does not exist.");
        ToolRun.Of("train", "-d", missing, "-o", In("s.zip")).Failed(ExitCodes.DataOrModel, $"error: The data file '{missing}' does not exist.");
    }

    [Fact]
    public void What_streaming_cannot_do_is_a_usage_error()
    {
        ToolRun.Of("train", "-d", Csv, "--exclude", "id,label", "-o", In("d.zip"), "--stream", "--detector").Failed(ExitCodes.Usage, "--stream cannot train a --detector");
        ToolRun.Of("train", "-d", Csv, "--exclude", "id,label", "-o", In("d.zip"), "--shuffle-buffer", "64").Failed(ExitCodes.Usage, "--shuffle-buffer is for --stream");
        TestData.WriteIdx(In("images-idx3-ubyte"), In("labels-idx1-ubyte"));
        ToolRun.Of("train", "-d", In("images-idx3-ubyte"), "-o", In("i.zip"), "--stream").Failed(ExitCodes.Usage, "--stream reads CSV/TSV files");
    }
}
