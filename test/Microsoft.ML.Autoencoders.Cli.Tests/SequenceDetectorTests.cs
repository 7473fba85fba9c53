using System.Globalization;
using Microsoft.ML.Data;
using Microsoft.ML.Autoencoders.Engine.Models;

namespace Microsoft.ML.Autoencoders.Cli.Tests;

/// <summary>
/// <c>train --kind sequence --detector</c> and what the other commands do with its file: the rows of a CSV in file order
/// are the series, the zip is the library's sequence detector, and <c>score</c> writes what the library's Transform gives.
/// </summary>
public sealed class SequenceDetectorTests : IDisposable
{
    private const int Rows = 240;
    private static readonly int[] Spikes = [150, 200];
    private readonly string _folder = Directory.CreateTempSubdirectory("autoencoder-cli-series-").FullName;

    public SequenceDetectorTests() => WriteSineCsv(Csv);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Csv => In("series.csv");

    private string In(string name) => Path.Combine(_folder, name);

    /// <summary>Two channels of a noisy sine and cosine (period 20), a time column, and a label marking the spikes injected into 'a'.</summary>
    private static void WriteSineCsv(string path)
    {
        var random = new Random(3);
        using var writer = new StreamWriter(path);
        writer.WriteLine("time,a,b,label");
        for (int t = 0; t < Rows; t++)
        {
            bool spike = Spikes.Contains(t);
            double a = Math.Sin(2 * Math.PI * t / 20) + 0.05 * (random.NextDouble() - 0.5) + (spike ? 4 : 0);
            double b = Math.Cos(2 * Math.PI * t / 20) + 0.05 * (random.NextDouble() - 0.5);
            writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{t},{a:F5},{b:F5},{(spike ? 1 : 0)}"));
        }
    }

    private sealed class Point
    {
        public float a { get; set; }
        public float b { get; set; }
    }

    /// <summary>The file's channels as the library takes them, read without the tool.</summary>
    private IDataView Series(MLContext mlContext) => mlContext.Data.LoadFromEnumerable(File.ReadLines(Csv).Skip(1).Select(line => line.Split(','))
        .Select(f => new Point { a = float.Parse(f[1], CultureInfo.InvariantCulture), b = float.Parse(f[2], CultureInfo.InvariantCulture) }).ToArray());

    private static (float[] Scores, bool[] Flags) Scored(string[][] rows, int scoreField) =>
        (rows.Select(r => float.Parse(r[scoreField], CultureInfo.InvariantCulture)).ToArray(), rows.Select(r => r[scoreField + 1] == "1").ToArray());

    [Fact]
    public void Train_info_and_score_a_sequence_detector_as_the_library_scores_it()
    {
        string model = In("series.zip");
        var train = ToolRun.Of("train", "-d", Csv, "--exclude", "time,label", "--detector", "--kind", "sequence", "--window", "16",
            "--epochs", "5", "--contamination", "0.01", "-o", model).Succeeded();
        Assert.Contains("Saved the sequence anomaly detector (lstm, window 16, 2 channels, centered scoring", train.Out);

        // The zip is the library's detector, on the file's own column names.
        var detector = SequenceAnomalyTransformer.LoadFromModelFile(model);
        Assert.Equal(16, detector.WindowLength);
        Assert.Equal(["a", "b"], detector.ChannelColumnNames);
        Assert.Equal(SequenceScoring.Centered, detector.Scoring);
        Assert.Equal(0.01, detector.Contamination);

        var info = ToolRun.Of("info", model).Succeeded().Out;
        Assert.Contains("sequence anomaly detector", info);
        Assert.Matches(@"window:\s+16 time steps", info);
        Assert.Matches(@"channels:\s+a, b", info);
        Assert.Matches(@"network:\s+lstm\n", info.ReplaceLineEndings("\n"));
        Assert.Matches(@"scoring:\s+centered", info);
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"{detector.Threshold:G6}"), info);
        Assert.Matches(@"epochs:\s+5", info);

        // The chunks (7 rows) must not cut the series: every row is scored as one series, in file order.
        var score = ToolRun.Of("score", model, "-d", Csv, "--label", "label", "--chunk-rows", "7", "-o", In("scores.csv")).Succeeded();
        Assert.Contains("continuation of the training series", score.Error);
        var (header, rows) = TestData.ReadCsv(In("scores.csv"));
        Assert.Equal(["label", "score", "anomaly"], header);
        Assert.Equal(Rows, rows.Length);
        var (scores, flags) = Scored(rows, 1);
        var mlContext = new MLContext(seed: 0);
        var expected = detector.Transform(Series(mlContext));
        Assert.Equal(expected.GetColumn<float>("Score").ToArray(), scores);
        Assert.Equal(expected.GetColumn<bool>("PredictedLabel").ToArray(), flags);
        foreach (int spike in Spikes) Assert.True(flags[spike], $"the spike at row {spike} is not flagged (score {scores[spike]})");

        // --new-series scores the file as a series of its own, as WithHistory(false): its first rows differ.
        ToolRun.Of("score", model, "-d", Csv, "--new-series", "-o", In("own.csv")).Succeeded();
        var (ownScores, ownFlags) = Scored(TestData.ReadCsv(In("own.csv")).Rows, 0);
        var own = detector.WithHistory(false).Transform(Series(mlContext));
        Assert.Equal(own.GetColumn<float>("Score").ToArray(), ownScores);
        Assert.Equal(own.GetColumn<bool>("PredictedLabel").ToArray(), ownFlags);
        Assert.NotEqual(scores[0], ownScores[0]);

        // --features maps columns to the channels by position: the channels named in another order would be scored swapped.
        ToolRun.Of("score", model, "-d", Csv, "--features", "b,a", "-o", In("swapped.csv")).Failed(ExitCodes.Usage, "--features a,b");

        // The ROC of the scores against the label: the two spikes stand out.
        var roc = ToolRun.Of("plot", "roc", model, "-d", Csv, "--label", "label", "-o", In("roc.png")).Succeeded();
        Assert.True(double.Parse(roc.Out.Split('\n')[0]["AUC ".Length..], CultureInfo.InvariantCulture) > 0.95, roc.Out);
        // The training file is a series of its own: plot roc takes --new-series as score does.
        var ownRoc = ToolRun.Of("plot", "roc", model, "-d", Csv, "--label", "label", "--new-series", "-o", In("own-roc.png")).Succeeded();
        Assert.True(double.Parse(ownRoc.Out.Split('\n')[0]["AUC ".Length..], CultureInfo.InvariantCulture) > 0.95, ownRoc.Out);
    }

    [Fact]
    public void Causal_gru_detector_scores_a_series_of_its_own_with_NaN_before_its_first_window()
    {
        string model = In("causal.zip");
        ToolRun.Of("train", "-d", Csv, "--features", "a,b", "--detector", "--kind", "sequence", "--window", "8", "--network", "gru",
            "--scoring", "causal", "--code-size", "4", "--hidden", "8", "--epochs", "2", "-o", model).Succeeded();
        var detector = SequenceAnomalyTransformer.LoadFromModelFile(model);
        Assert.Equal(SequenceScoring.Causal, detector.Scoring);
        var info = ToolRun.Of("info", model).Succeeded().Out;
        Assert.Matches(@"network:\s+gru\n", info.ReplaceLineEndings("\n"));
        Assert.Matches(@"scoring:\s+causal", info);

        // Without the training series before it, the first T − 1 = 7 rows have no window: the library gives NaN, unflagged.
        var score = ToolRun.Of("score", model, "-d", Csv, "--new-series", "-o", In("scores.csv")).Succeeded();
        Assert.Contains("7 not scored", score.Error);
        var (scores, flags) = Scored(TestData.ReadCsv(In("scores.csv")).Rows, 0);
        Assert.All(scores.Take(7), s => Assert.True(float.IsNaN(s)));
        var expected = detector.WithHistory(false).Transform(Series(new MLContext(seed: 0)));
        Assert.Equal(expected.GetColumn<float>("Score").ToArray(), scores);
        Assert.Equal(expected.GetColumn<bool>("PredictedLabel").ToArray(), flags);
    }

    [Fact]
    public void Gaps_in_a_scored_series_get_the_librarys_scores_while_training_refuses_them()
    {
        string model = In("series.zip");
        ToolRun.Of("train", "-d", Csv, "--features", "a,b", "--detector", "--kind", "sequence", "--window", "8", "--epochs", "1", "-o", model).Succeeded();

        // Row 100 misses 'a' (an empty field), row 120 holds NaN in 'b', row 140 Infinity in 'a'.
        var lines = File.ReadAllLines(Csv);
        string Blank(string line, int field, string value) => string.Join(",", line.Split(',').Select((f, i) => i == field ? value : f));
        lines[1 + 100] = Blank(lines[1 + 100], 1, "");
        lines[1 + 120] = Blank(lines[1 + 120], 2, "NaN");
        lines[1 + 140] = Blank(lines[1 + 140], 1, "-Infinity");
        File.WriteAllLines(In("gaps.csv"), lines);

        ToolRun.Of("score", model, "-d", In("gaps.csv"), "-o", In("scores.csv")).Succeeded();
        var (scores, flags) = Scored(TestData.ReadCsv(In("scores.csv")).Rows, 0);
        var points = lines.Skip(1).Select(line => line.Split(',')).Select(f => new Point
        {
            a = f[1].Length == 0 ? float.NaN : float.Parse(f[1], CultureInfo.InvariantCulture),
            b = float.Parse(f[2], CultureInfo.InvariantCulture),
        }).ToArray();
        var mlContext = new MLContext(seed: 0);
        var expected = SequenceAnomalyTransformer.LoadFromModelFile(model).Transform(mlContext.Data.LoadFromEnumerable(points));
        Assert.Equal(expected.GetColumn<float>("Score").ToArray(), scores);
        Assert.Equal(expected.GetColumn<bool>("PredictedLabel").ToArray(), flags);
        foreach (int gap in new[] { 100, 120, 140 }) Assert.True(float.IsPositiveInfinity(scores[gap]) && flags[gap], $"row {gap}: {scores[gap]}");

        // A causal detector leaves the T − 1 = 7 rows after each gap unscored, which a ROC curve cannot rank.
        ToolRun.Of("train", "-d", Csv, "--features", "a,b", "--detector", "--kind", "sequence", "--window", "8", "--scoring", "causal", "--epochs", "1", "-o", In("causal.zip")).Succeeded();
        ToolRun.Of("plot", "roc", In("causal.zip"), "-d", In("gaps.csv"), "--label", "label", "-o", In("roc.png")).Failed(ExitCodes.DataOrModel, "21 rows have no score");

        // The library refuses a training series with gaps; the tool's reader says where, as for every other kind.
        ToolRun.Of("train", "-d", In("gaps.csv"), "--features", "a,b", "--detector", "--kind", "sequence", "--window", "8", "-o", In("m.zip"))
            .Failed(ExitCodes.DataOrModel, "line 102: column 'a' is empty");
        // Other models still refuse gaps.
        ToolRun.Of("train", "-d", Csv, "--features", "a,b", "--detector", "--code-size", "1", "--epochs", "1", "-o", In("plain.zip")).Succeeded();
        ToolRun.Of("score", In("plain.zip"), "-d", In("gaps.csv"), "-o", In("plain.csv")).Failed(ExitCodes.DataOrModel, "line 102: column 'a' is empty");
    }

    [Fact]
    public void A_sequence_detector_saved_by_a_program_is_read_by_info_and_score()
    {
        var mlContext = new MLContext(seed: 0);
        var series = Series(mlContext);
        var detector = mlContext.AnomalyDetection.Trainers.SequenceAutoencoder(["a", "b"], windowLength: 8, kind: SequenceAutoencoderKind.LstmSequenceToSequence, epochs: 2).Fit(series);
        string model = In("program.zip");
        mlContext.Model.Save(detector, series.Schema, model);

        Assert.Matches(@"network:\s+lstm-seq2seq", ToolRun.Of("info", model).Succeeded().Out);
        // Its channels name the columns to read: no --features needed beside the time and label columns.
        ToolRun.Of("score", model, "-d", Csv, "-o", In("scores.csv")).Succeeded();
        var (scores, _) = Scored(TestData.ReadCsv(In("scores.csv")).Rows, 0);
        Assert.Equal(detector.Transform(series).GetColumn<float>("Score").ToArray(), scores);
    }

    [Fact]
    public void Commands_without_a_meaning_for_a_series_refuse_a_sequence_detector_naming_those_that_work()
    {
        string model = In("series.zip");
        ToolRun.Of("train", "-d", Csv, "--features", "a,b", "--detector", "--kind", "sequence", "--window", "8", "--epochs", "1", "-o", model).Succeeded();
        const string works = "use `score`, `info`, `plot loss` or `plot roc`";
        ToolRun.Of("encode", model, "-d", Csv, "-o", In("codes.csv")).Failed(ExitCodes.DataOrModel, works);
        ToolRun.Of("reconstruct", model, "-d", Csv, "-o", In("rebuilt.csv")).Failed(ExitCodes.DataOrModel, works);
        ToolRun.Of("sample", model, "-o", In("samples.csv")).Failed(ExitCodes.DataOrModel, works);
        ToolRun.Of("plot", "codes", model, "-d", Csv, "-o", In("codes.png")).Failed(ExitCodes.DataOrModel, works);
        ToolRun.Of("plot", "errors", model, "-d", Csv, "-o", In("errors.png")).Failed(ExitCodes.DataOrModel, works);
        ToolRun.Of("plot", "reconstructions", model, "-d", Csv, "-o", In("rebuilt.png")).Failed(ExitCodes.DataOrModel, works);
        ToolRun.Of("export", model, "-o", In("model.onnx")).Failed(ExitCodes.DataOrModel, works);
        Assert.False(File.Exists(In("model.onnx")));
        ToolRun.Of("plot", "loss", model, "-o", In("loss.png")).Succeeded();
    }

    [Fact]
    public void Sequence_options_that_cannot_apply_are_usage_errors()
    {
        string[] sequence = ["train", "-d", Csv, "--exclude", "time,label", "-o", In("m.zip"), "--detector", "--kind", "sequence"];
        ToolRun.Of(sequence).Failed(ExitCodes.Usage, "--kind sequence needs --window");
        ToolRun.Of([.. sequence, "--window", "241"]).Failed(ExitCodes.Usage, "--window 241 is longer than the series: '" + Csv + "' has 240 rows");
        ToolRun.Of([.. sequence, "--window", "0"]).Failed(ExitCodes.Usage, "--window takes a whole number of at least 1, not '0'");
        ToolRun.Of([.. sequence, "--window", "8", "--network", "transformer"]).Failed(ExitCodes.Usage, "Must be one of: 'lstm', 'lstm-seq2seq', 'gru', 'gru-seq2seq', 'conv'.");
        ToolRun.Of([.. sequence, "--window", "8", "--network", "conv", "--code-size", "4"]).Failed(ExitCodes.Usage, "--code-size and --hidden are for the recurrent networks");
        ToolRun.Of([.. sequence, "--window", "8", "--hidden", "16,8"]).Failed(ExitCodes.Usage, "one --hidden width");
        ToolRun.Of([.. sequence, "--window", "2", "--code-size", "5"]).Failed(ExitCodes.Usage, "--code-size 5 is wider than a window of 2 steps × 2 channels (4 values)");
        ToolRun.Of("train", "-d", Csv, "--features", "a", "-o", In("m.zip"), "--detector", "--kind", "sequence", "--window", "1").Failed(ExitCodes.Usage, "--window 1 of one channel holds one value");
        ToolRun.Of([.. sequence, "--window", "8", "--false-alarm-rate", "0.05"]).Failed(ExitCodes.Usage, "set by --contamination");
        ToolRun.Of([.. sequence, "--window", "8", "--standardize"]).Failed(ExitCodes.Usage, "always standardizes each channel");
        ToolRun.Of([.. sequence, "--window", "8", "--stream"]).Failed(ExitCodes.Usage, "--stream cannot train --kind sequence");
        ToolRun.Of([.. sequence, "--window", "8", "--output-activation", "sigmoid"]).Failed(ExitCodes.Usage, "its --network sets them");
        ToolRun.Of("train", "-d", Csv, "--exclude", "time,label", "-o", In("m.zip"), "--kind", "sequence", "--window", "8").Failed(ExitCodes.Usage, "add --detector");
        ToolRun.Of("train", "-d", Csv, "--exclude", "time,label", "-o", In("m.zip"), "--detector", "--window", "8").Failed(ExitCodes.Usage, "are for --kind sequence, not --kind dense");
        Assert.False(File.Exists(In("m.zip")));

        // --new-series means something only to a sequence detector.
        ToolRun.Of("train", "-d", Csv, "--features", "a,b", "--detector", "--code-size", "1", "--epochs", "1", "-o", In("plain.zip")).Succeeded();
        ToolRun.Of("score", In("plain.zip"), "-d", Csv, "--new-series", "-o", In("s.csv")).Failed(ExitCodes.Usage, "--new-series is for a sequence detector");
    }
}
