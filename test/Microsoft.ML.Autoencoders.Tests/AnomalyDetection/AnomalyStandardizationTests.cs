using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Xunit.Abstractions;

namespace Microsoft.ML.Autoencoders.Tests.AnomalyDetection;

/// <summary>
/// StandardizeFeatures: the training rows' mean and standard deviation per feature, applied in front of the network by the
/// engine, by plain Model.Load, by the typed reload and by the standalone ONNX graph alike; and what it buys on a table
/// whose columns live on scales from 1e-3 to 1e4.
/// </summary>
public sealed class AnomalyStandardizationTests(ITestOutputHelper output)
{
    private static readonly MLContext MlContext = new(seed: 1);

    /// <summary>Column j of AnomalyData's rows times 10^(−3 + 7j/15): 1e-3 for the first column, 1e4 for the last.</summary>
    private static readonly float[] Scales = [.. Enumerable.Range(0, AnomalyData.Width).Select(j => (float)Math.Pow(10, -3 + 7.0 * j / (AnomalyData.Width - 1)))];

    private static IDataView MixedScales(int normal, int anomalies, int seed) =>
        MlContext.Data.LoadFromEnumerable(AnomalyData.Rows(normal, anomalies, seed).Select(r =>
        {
            for (int j = 0; j < AnomalyData.Width; j++) r.Features[j] *= Scales[j];
            return r;
        }).ToList());

    private static AutoencoderAnomalyTransformer Detector(bool standardize) =>
        MlContext.AnomalyDetection.Trainers.Autoencoder(new AutoencoderAnomalyOptions
        {
            StandardizeFeatures = standardize,
            FeatureErrorsColumnName = "Why",
            Autoencoder = AnomalyData.Network(),
        }).Fit(MixedScales(600, 0, seed: 1));

    [Fact]
    public void StandardizationFindsAnomaliesThatTheLargestColumnsHide()
    {
        var test = MixedScales(300, 60, seed: 2);
        var labels = test.GetColumn<float>("Label").ToList();
        double raw = AnomalyData.Auc(Detector(standardize: false).Transform(test).GetColumn<float>("Score").ToList(), labels);
        double standardized = AnomalyData.Auc(Detector(standardize: true).Transform(test).GetColumn<float>("Score").ToList(), labels);
        output.WriteLine($"AUC raw {raw:F4}, standardized {standardized:F4}");
        Assert.True(standardized > 0.9, $"standardized AUC {standardized:F4}");
        Assert.True(standardized > raw + 0.1, $"standardized AUC {standardized:F4} vs raw {raw:F4}");
    }

    [Fact]
    public void StandardizationUsesTheTrainingMeanAndDeviationAndKeepsConstantFeatures()
    {
        // Two features: 1, 3, 5 (mean 3, population std √(8/3)) and a constant 7 (std 0: scale 1, only shifted).
        var standardization = FeatureStandardization.Fit([1, 7, 3, 7, 5, 7], rows: 3, width: 2);
        Assert.Equal([3f, 7f], standardization.Means);
        Assert.Equal([(float)Math.Sqrt(8.0 / 3), 1f], standardization.Scales);
        Assert.Equal([(1 - 3) / (float)Math.Sqrt(8.0 / 3), 2f], standardization.Apply([1, 9], rows: 1));
        // A constant large column rounds to a tiny non-zero std in floats; it must still count as constant.
        var large = FeatureStandardization.Fit([1e6f + 0.0625f, 1e6f, 1e6f], rows: 3, width: 1);
        Assert.Equal(1f, large.Scales[0]);
    }

    [Fact]
    public void EngineModelLoadTypedReloadAndOnnxRuntimeAgree()
    {
        var detector = Detector(standardize: true);
        var test = MixedScales(100, 20, seed: 3);
        using var file = new TemporaryFile();
        MlContext.Model.Save(detector, test.Schema, file.Path);
        var engine = detector.Transform(test);
        var loaded = new MLContext().Model.Load(file.Path, out _).Transform(test);
        var typed = AutoencoderAnomalyTransformer.LoadFromModelFile(file.Path);
        Assert.True(typed.StandardizesFeatures);

        var rows = test.GetColumn<float[]>("Features").ToArray();
        using var stream = new MemoryStream();
        detector.SaveAsOnnx(stream);
        using var session = new InferenceSession(stream.ToArray());
        using var input = OrtValue.CreateTensorValueFromMemory(rows.SelectMany(r => r).ToArray(), [rows.Length, AnomalyData.Width]);
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, ["input"], [input], ["score", "feature_errors"]);
        var onnxScores = results[0].GetTensorDataAsSpan<float>().ToArray();
        var onnxWhy = results[1].GetTensorDataAsSpan<float>().ToArray();

        var expected = engine.GetColumn<float>("Score").ToList();
        var expectedWhy = engine.GetColumn<float[]>("Why").ToList();
        foreach (var (scores, why) in new[]
        {
            (loaded.GetColumn<float>("Score").ToList(), loaded.GetColumn<float[]>("Why").ToList()),
            (typed.Transform(test).GetColumn<float>("Score").ToList(), typed.Transform(test).GetColumn<float[]>("Why").ToList()),
            (onnxScores.ToList(), onnxWhy.Chunk(AnomalyData.Width).ToList()),
        })
        {
            for (int i = 0; i < expected.Count; i++)
            {
                Assert.Equal(expected[i], scores[i], 1e-5 * Math.Max(1, expected[i]));
                for (int j = 0; j < AnomalyData.Width; j++) Assert.Equal(expectedWhy[i][j], why[i][j], 1e-5 * Math.Max(1, expectedWhy[i][j]));
            }
        }
        // The errors are in standardized units: a normal row's are of order one at every scale, not 1e8 at the largest column.
        Assert.True(expectedWhy.Take(100).Average(r => r[^1]) < 10);
    }

    [Fact]
    public void ImportedModelsRefuseStandardization()
    {
        var e = Assert.Throws<ArgumentException>(() => MlContext.AnomalyDetection.Trainers.Autoencoder(new AutoencoderAnomalyOptions
        {
            StandardizeFeatures = true,
            ImportedModel = OnnxAutoencoderModelForTests(),
        }));
        Assert.Contains("StandardizeFeatures", e.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void BinaryCrossEntropyRefusesStandardization(bool variational)
    {
        // Standardized features have mean 0, so about half fall below 0, which a Bernoulli likelihood cannot read. Fit's
        // range check used to catch it only after standardizing, blaming the feature column (in [0, 1] all along) and
        // advising NormalizeMinMax, which standardizing would undo.
        var e = Assert.Throws<ArgumentException>(() => MlContext.AnomalyDetection.Trainers.Autoencoder(new AutoencoderAnomalyOptions
        {
            StandardizeFeatures = true,
            ScoreSource = variational ? AnomalyScoreSource.NegativeElbo : AnomalyScoreSource.ReconstructionError,
            Autoencoder = new AutoencoderOptions
            {
                Variational = variational, Loss = AutoencoderLoss.BinaryCrossEntropy, OutputActivation = AutoencoderActivation.Sigmoid, CodeSize = 2,
            },
        }));
        Assert.Contains("StandardizeFeatures", e.Message);
        Assert.Contains("MeanSquaredError", e.Message);
    }

    private static OnnxAutoencoderModel OnnxAutoencoderModelForTests()
    {
        var trained = MlContext.Transforms.Autoencoder(new AutoencoderOptions { InputColumnName = "Features", CodeSize = 2, Epochs = 1 }).Fit(AnomalyData.Train(MlContext, 50));
        using var stream = new MemoryStream();
        trained.SaveAsOnnx(stream);
        return OnnxAutoencoderModel.Load(stream.ToArray(), "input", "reconstruction");
    }
}
