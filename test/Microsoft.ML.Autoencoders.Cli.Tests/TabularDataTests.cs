using System.Globalization;
using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders.Cli.Tests;

/// <summary>
/// What a user meets on tables that are not images: one feature column, columns in the thousands, a small table asked for a
/// strict false-alarm rate, and a detector that standardizes its features, saved by a program of the user's own. Each
/// works or is refused in the tool's own words, never with a silently wrong number.
/// </summary>
public sealed class TabularDataTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("autoencoder-tabular-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string In(string name) => Path.Combine(_folder, name);

    [Fact]
    public void One_feature_column_is_refused_with_the_tools_options_not_a_code_of_32()
    {
        File.WriteAllText(In("one.csv"), "label,x\n0,1\n0,2\n1,3\n0,4\n");

        var run = ToolRun.Of("train", "-d", In("one.csv"), "--exclude", "label", "-o", In("m.zip"));

        run.Failed(ExitCodes.Usage, "gives one feature column ('x')");
        Assert.Contains("--features", run.Error);
        // The library's wording, which names its properties and blames a code width the user never gave.
        Assert.DoesNotContain("32 values", run.Error);
        Assert.DoesNotContain("CodeSize", run.Error);
        // Asked for on purpose, a code of one trains.
        ToolRun.Of("train", "-d", In("one.csv"), "--exclude", "label", "-o", In("m.zip"), "--code-size", "1", "--epochs", "1").Succeeded();
    }

    [Fact]
    public void Divergence_on_columns_in_the_thousands_names_the_tools_learning_rate_option()
    {
        // Wine-like columns: a few near 1 and one near 1,000 that a linear output must reach from zero at a high rate.
        var random = new Random(5);
        var lines = Enumerable.Range(0, 60).Select(_ => string.Join(",", new[] { random.NextDouble(), random.NextDouble() * 3, 500 + random.NextDouble() * 1000 }
            .Select(v => v.ToString("F3", CultureInfo.InvariantCulture))));
        File.WriteAllLines(In("wide-scales.csv"), ["a,b,proline", .. lines]);

        var run = ToolRun.Of("train", "-d", In("wide-scales.csv"), "-o", In("m.zip"), "--code-size", "2", "--lr", "10", "--epochs", "20");

        run.Failed(ExitCodes.DataOrModel, "Training diverged at epoch");
        Assert.Contains("Try a smaller --learning-rate (e.g. 1)", run.Error);
        Assert.Contains("scale them first", run.Error);
        Assert.DoesNotContain("LearningRate", run.Error);
    }

    /// <summary>A file of a row or two cannot spare rows for validation or calibration: said with the options that asked for them.</summary>
    [Theory]
    [InlineData("--validation", "0.5", "--validation 0.5 of 1 rows leaves 0 for validation and 1 for training", "leave out --validation")]
    [InlineData("--stream --validation", "0.5", "--validation 0.5 of 1 rows leaves 0 for validation and 1 for training", "leave out --validation")]
    [InlineData("--detector --false-alarm-rate", "0.1", "of 1 rows that leaves 0 held out and 1 to train on", "--contamination instead")]
    public void Too_few_rows_to_hold_some_out_are_told_with_the_option_that_holds_them_out(string options, string value, string what, string advice)
    {
        File.WriteAllText(In("one.csv"), "a,b\n1,2\n");

        var run = ToolRun.Of(["train", "-d", In("one.csv"), "-o", In("m.zip"), "--epochs", "1", .. options.Split(' '), value]);

        run.Failed(ExitCodes.DataOrModel, what);
        Assert.Contains(advice, run.Error);
        Assert.DoesNotContain("Fraction", run.Error);
        Assert.DoesNotContain("Fit(", run.Error);
    }

    [Fact]
    public void A_false_alarm_rate_too_strict_for_the_held_out_rows_warns_that_nothing_will_be_flagged()
    {
        TestData.WritePlaneCsv(In("plane.csv"), rows: 60, anomalies: 0);

        // 20 % of 60 rows is 12 held out: a rate of 0.01 needs 99, so the threshold is +∞.
        var strict = ToolRun.Of("train", "-d", In("plane.csv"), "--exclude", "id,label", "-o", In("d.zip"), "--detector",
            "--false-alarm-rate", "0.01", "--code-size", "2", "--epochs", "2").Succeeded();
        Assert.Contains("threshold Infinity", strict.Out);
        Assert.Contains("warning: 12 held-out rows are too few for --false-alarm-rate 0.01: a finite threshold needs at least 99", strict.Error);

        // 0.1 needs 9: a finite threshold and no warning.
        var loose = ToolRun.Of("train", "-d", In("plane.csv"), "--exclude", "id,label", "-o", In("d.zip"), "--detector",
            "--false-alarm-rate", "0.1", "--code-size", "2", "--epochs", "2").Succeeded();
        Assert.DoesNotContain("Infinity", loose.Out);
        Assert.Equal("", loose.Error);
    }

    /// <summary>
    /// Columns on different scales, as wine's (proline in the thousands beside hues near 1): the raw squared error is the
    /// large column's. --standardize puts the library's StandardizeFeatures under the detector, so a column's unit no
    /// longer decides what it sees: the same table with one column in thousandths scores the same.
    /// </summary>
    [Fact]
    public void Standardize_makes_the_detector_blind_to_the_unit_a_column_is_written_in()
    {
        var random = new Random(3);
        var rows = Enumerable.Range(0, 120).Select(_ => { double b = Gaussian(random); return (A: Gaussian(random), B: b, C: b + 0.1 * Gaussian(random)); }).ToList();
        string Line(double a, double b, double c) => string.Join(",", new[] { 0, a, b, c }.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
        File.WriteAllLines(In("units.csv"), ["label,a,b,c", .. rows.Select(r => Line(r.A, r.B, r.C))]);
        File.WriteAllLines(In("thousandths.csv"), ["label,a,b,c", .. rows.Select(r => Line(r.A * 1000, r.B, r.C))]);

        float[] Scores(string data, params string[] more)
        {
            ToolRun.Of(["train", "-d", In(data), "--exclude", "label", "-o", In("m.zip"), "--detector", "--code-size", "2", "--epochs", "20", .. more]).Succeeded();
            ToolRun.Of("score", In("m.zip"), "-d", In(data), "--exclude", "label", "-o", In("scores.csv")).Succeeded();
            return TestData.ReadCsv(In("scores.csv")).Rows.Select(r => float.Parse(r[0], CultureInfo.InvariantCulture)).ToArray();
        }

        float[] inUnits = Scores("units.csv", "--standardize"), inThousandths = Scores("thousandths.csv", "--standardize");
        for (int i = 0; i < inUnits.Length; i++)
            Assert.True(Math.Abs(inUnits[i] - inThousandths[i]) <= 1e-3 * (1 + inUnits[i]), $"row {i}: {inUnits[i]} against {inThousandths[i]}");
        Assert.Contains("of the standardized features", ToolRun.Of("info", In("m.zip")).Succeeded().Out);
        // Raw, the column in thousandths is the whole score.
        Assert.True(Scores("thousandths.csv").Average() > 100 * Scores("units.csv").Average());
        ToolRun.Of("train", "-d", In("units.csv"), "--exclude", "label", "-o", In("plain.zip"), "--standardize").Failed(ExitCodes.Usage, "--standardize is for --detector");
    }

    /// <summary>
    /// --detector --kind variational trains the library's variational detector, scored by its negative ELBO, which can
    /// sample; with --standardize its samples would be in standardized units under the features' names, so `sample`
    /// refuses it as encode and reconstruct do.
    /// </summary>
    [Fact]
    public void A_variational_detector_is_variational_scores_by_its_elbo_and_samples_only_in_the_features_units()
    {
        var random = new Random(7);
        File.WriteAllLines(In("t.csv"), ["label,a,b,c,d", .. Enumerable.Range(0, 80).Select(_ =>
        {
            double b = Gaussian(random);
            return string.Join(",", new[] { 0, Gaussian(random), b, b + 0.1 * Gaussian(random), 0.5 * Gaussian(random) }.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
        })]);
        string[] train = ["train", "-d", In("t.csv"), "--exclude", "label", "--detector", "--kind", "variational", "--code-size", "2", "--epochs", "5"];

        ToolRun.Of([.. train, "-o", In("vd.zip")]).Succeeded();
        string info = ToolRun.Of("info", In("vd.zip")).Succeeded().Out;
        Assert.Matches(@"variational:\s+yes", info);
        Assert.Contains("raw negative ELBO", info);
        ToolRun.Of("sample", In("vd.zip"), "-n", "4", "-o", In("samples.csv")).Succeeded();
        Assert.Equal(["a", "b", "c", "d"], TestData.ReadCsv(In("samples.csv")).Header);

        ToolRun.Of([.. train, "--standardize", "-o", In("standardized.zip")]).Succeeded();
        ToolRun.Of("sample", In("standardized.zip"), "-o", In("no.csv")).Failed(ExitCodes.DataOrModel, "its samples come out standardized");
        Assert.False(File.Exists(In("no.csv")));
    }

    private static double Gaussian(Random random) => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    private sealed class Row
    {
        public float Label { get; set; }

        [VectorType(3)]
        public float[] Features { get; set; } = [];
    }

    /// <summary>
    /// A detector with StandardizeFeatures, saved by a program: its network reads standardized rows. `score --threshold`
    /// must score through the detector as `score` does (it used to feed the raw rows to the network and flag every row),
    /// and the commands that can only feed the network raw rows must refuse rather than print codes that mean nothing.
    /// </summary>
    [Fact]
    public void A_standardizing_detector_scores_the_same_with_a_threshold_and_is_refused_where_the_tool_cannot_standardize()
    {
        var random = new Random(11);
        var rows = Enumerable.Range(0, 120).Select(_ =>
        {
            double z = random.NextDouble();
            return new Row { Features = [(float)z, (float)(1000 + 500 * z + random.NextDouble()), (float)(0.01 * z)] };
        }).ToList();
        File.WriteAllLines(In("table.csv"), ["label,a,b,c", .. rows.Select(r => "0," + string.Join(",", r.Features.Select(v => v.ToString("R", CultureInfo.InvariantCulture))))]);
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(rows);
        var detector = ml.AnomalyDetection.Trainers.Autoencoder(new AutoencoderAnomalyOptions
        {
            StandardizeFeatures = true,
            Autoencoder = new AutoencoderOptions { CodeSize = 1, Epochs = 5 },
        }).Fit(data);
        ml.Model.Save(detector, data.Schema, In("standardizing.zip"));
        string threshold = detector.Threshold.ToString("R", CultureInfo.InvariantCulture);

        ToolRun.Of("score", In("standardizing.zip"), "-d", In("table.csv"), "--exclude", "label", "-o", In("own.csv")).Succeeded();
        ToolRun.Of("score", In("standardizing.zip"), "-d", In("table.csv"), "--exclude", "label", "-o", In("given.csv"), "--threshold", threshold).Succeeded();

        var own = TestData.ReadCsv(In("own.csv")).Rows;
        var given = TestData.ReadCsv(In("given.csv")).Rows;
        Assert.Equal(own.Select(r => r[0]), given.Select(r => r[0]));
        Assert.Equal(own.Select(r => r[1]), given.Select(r => r[1]));
        Assert.Contains("of the standardized features", ToolRun.Of("info", In("standardizing.zip")).Succeeded().Out);
        foreach (string[] command in new[] { new[] { "encode" }, ["reconstruct"], ["plot", "codes"], ["plot", "errors"] })
        {
            string output = command[0] == "plot" ? In("x.png") : In("x.csv");
            ToolRun.Of([.. command, In("standardizing.zip"), "-d", In("table.csv"), "--exclude", "label", "-o", output])
                .Failed(ExitCodes.DataOrModel, $"standardizes its features before its network, which the tool cannot do for `{string.Join(" ", command)}`");
        }
    }
}
