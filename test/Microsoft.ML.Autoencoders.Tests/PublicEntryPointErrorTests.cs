using Microsoft.ML.Autoencoders.Tests.AnomalyDetection;

namespace Microsoft.ML.Autoencoders.Tests;

/// <summary>
/// One bad call per public entry point past construction (InputValidationTests' table holds the options): each must
/// throw the documented exception type, and its message must name the option, parameter, column or file at fault, so
/// the user knows what to change without reading the library.
/// </summary>
public class PublicEntryPointErrorTests
{
    private static readonly MLContext Ml = new(seed: 1);
    private static readonly Lazy<AutoencoderTransformer> Trained = new(() => TestAutoencoders.Fit(Ml, SyntheticData.DataView(Ml, 100)));
    private static readonly Lazy<AutoencoderAnomalyTransformer> Detector = new(() =>
        Ml.AnomalyDetection.Trainers.Autoencoder(new AutoencoderAnomalyOptions { Autoencoder = AnomalyData.Network() }).Fit(AnomalyData.Train(Ml, rows: 200)));

    /// <summary>Each bad call, the exception type it must throw (exactly), and a text its message must contain.</summary>
    private static readonly Dictionary<string, (Action Call, Type Exception, string Names)> BadCalls = new()
    {
        ["catalog: codeSize 0"] = (() => Ml.Transforms.Autoencoder(codeSize: 0), typeof(ArgumentException), "CodeSize"),
        ["Fit: input column missing"] = (() => Ml.Transforms.Autoencoder(WithInput("Pixels")).Fit(SyntheticData.DataView(Ml, 20)),
            typeof(ArgumentOutOfRangeException), "'Pixels'"),
        ["Transform: input column missing"] = (() => Trained.Value.Transform(Ml.Data.LoadFromEnumerable(new[] { new { Other = 1f } })),
            typeof(ArgumentOutOfRangeException), "'Features'"),
        ["LoadFromModelFile: no such file"] = (() => AutoencoderTransformer.LoadFromModelFile("no-such-model.zip"), typeof(FileNotFoundException), "no-such-model.zip"),
        ["ChangeThreshold: NaN"] = (() => Detector.Value.ChangeThreshold(float.NaN), typeof(ArgumentOutOfRangeException), "threshold"),
        ["ChangeThreshold: negative"] = (() => Detector.Value.ChangeThreshold(-1), typeof(ArgumentOutOfRangeException), "threshold"),
        ["anomaly trainer: reserved score name"] = (() => Ml.AnomalyDetection.Trainers.Autoencoder(new AutoencoderAnomalyOptions { ScoreColumnName = "__anomaly_x" }),
            typeof(ArgumentException), "'__anomaly_x'"),
        ["Fit: another run's checkpoint"] = (FitOnAnotherRunsCheckpoint, typeof(InvalidOperationException), "CheckpointPath"),
        ["CreatePredictionEngine: input column missing"] = (() => Ml.Model.CreatePredictionEngine<OtherRow, EncodedRow>(Trained.Value),
            typeof(ArgumentOutOfRangeException), "'Features'"),
        ["detector CreatePredictionEngine: feature column missing"] = (() => Ml.Model.CreatePredictionEngine<OtherRow, ScoreRow>(Detector.Value),
            typeof(ArgumentOutOfRangeException), "'Features'"),
        ["AnomalyDetection.Evaluate: no label column"] = (() => Ml.AnomalyDetection.Evaluate(Detector.Value.Transform(Ml.Data.LoadFromEnumerable(
            AnomalyData.Rows(20, 0, seed: 1).Select(r => new UnlabelledRow { Features = r.Features })))), typeof(ArgumentOutOfRangeException), "Label"),
        ["SaveAsOnnx: null stream"] = (() => Trained.Value.SaveAsOnnx(null!), typeof(ArgumentNullException), "stream"),
        ["detector SaveAsOnnx: null stream"] = (() => Detector.Value.SaveAsOnnx(null!), typeof(ArgumentNullException), "stream"),
        ["Model.Save: folder missing"] = (() => Ml.Model.Save(Trained.Value, SyntheticData.DataView(Ml, 1).Schema, Path.Combine("no-such-folder", "model.zip")),
            typeof(DirectoryNotFoundException), "no-such-folder"),
        ["LoadWithBatchedScoring: no such file"] = (() => Ml.Model.LoadWithBatchedScoring("no-such-model.zip", out _), typeof(FileNotFoundException), "no-such-model.zip"),
        ["LoadWithBatchedScoring: null stream"] = (() => Ml.Model.LoadWithBatchedScoring((Stream)null!, out _), typeof(ArgumentNullException), "stream"),
        ["LoadWithBatchedScoring: stream that is no zip"] = (() => Ml.Model.LoadWithBatchedScoring(new MemoryStream([1, 2, 3]), out _), typeof(InvalidDataException), "model stream"),
        ["AutoencoderModel.Encode: negative rows"] = (() => Trained.Value.Model.Encode(new float[SyntheticData.Width], -1), typeof(ArgumentOutOfRangeException), "rows"),
    };

    private sealed class OtherRow
    {
        public float Other { get; set; }
    }

    private sealed class EncodedRow
    {
        public float[] Encoded { get; set; } = [];
    }

    private sealed class ScoreRow
    {
        public float Score { get; set; }
    }

    private sealed class UnlabelledRow
    {
        [Microsoft.ML.Data.VectorType(AnomalyData.Width)]
        public float[] Features { get; set; } = new float[AnomalyData.Width];
    }

    public static TheoryData<string> BadCallNames => new(BadCalls.Keys);

    [Theory]
    [MemberData(nameof(BadCallNames))]
    public void BadCallThrowsTheDocumentedTypeNamingWhatIsWrong(string call)
    {
        var (action, type, names) = BadCalls[call];
        var error = Assert.Throws(type, action);
        Assert.Contains(names, error.Message);
    }

    private static AutoencoderOptions WithInput(string column)
    {
        var options = TestAutoencoders.Options(epochs: 1);
        options.InputColumnName = column;
        return options;
    }

    /// <summary>Options are mutable: a name changed after the estimator was made is checked again by Fit.</summary>
    private static void FitOnAnotherRunsCheckpoint()
    {
        using var checkpoint = new TemporaryFile(".ckpt");
        var first = TestAutoencoders.Options(epochs: 1);
        first.CheckpointPath = checkpoint.Path;
        Ml.Transforms.Autoencoder(first).Fit(SyntheticData.DataView(Ml, 40));
        var second = TestAutoencoders.Options(epochs: 1, seed: 5);
        second.CheckpointPath = checkpoint.Path;
        Ml.Transforms.Autoencoder(second).Fit(SyntheticData.DataView(Ml, 40));
    }
}
