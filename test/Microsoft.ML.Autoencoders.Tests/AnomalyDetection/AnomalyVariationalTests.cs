using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Microsoft.ML.Autoencoders.Tests.AnomalyDetection;

/// <summary>
/// The detector over a variational autoencoder, scored by the negative ELBO or by the reconstruction error: it detects
/// the anomalies, its scores are the model's own, and a saved detector scores the same in another MLContext.
/// </summary>
public sealed class AnomalyVariationalTests
{
    private static AutoencoderAnomalyOptions Options(AnomalyScoreSource source)
    {
        var network = AnomalyData.Network();
        network.Variational = true;
        // A Gaussian likelihood for real-valued features, as PyOD's VAE: the squared error summed over the row.
        network.Loss = AutoencoderLoss.MeanSquaredError;
        return new AutoencoderAnomalyOptions { Contamination = 0.05, ScoreSource = source, Autoencoder = network };
    }

    [Theory]
    [InlineData(AnomalyScoreSource.NegativeElbo)]
    [InlineData(AnomalyScoreSource.ReconstructionError)]
    public void DetectsTheAnomaliesAndScoresWithTheModelsOwnScore(AnomalyScoreSource source)
    {
        var mlContext = new MLContext(seed: 1);
        var detector = mlContext.AnomalyDetection.Trainers.Autoencoder(Options(source)).Fit(AnomalyData.Train(mlContext));
        Assert.Equal(source, detector.ScoreSource);
        Assert.True(detector.Model.IsVariational);
        var scored = detector.Transform(AnomalyData.Test(mlContext));
        // The ELBO ranks these rows less well than the error alone (0.87 against 0.9+ measured): the squared error's scale is
        // fixed while the rows' noise is 0.05, so the KL term — a few nats that vary with where a row's code lies — blurs a
        // reconstruction gap of about one nat. (A decoder variance fitted to the data is what would fix it; see the docs.)
        double floor = source == AnomalyScoreSource.NegativeElbo ? 0.85 : 0.9;
        Assert.InRange(mlContext.AnomalyDetection.EvaluateAutoencoder(scored).AreaUnderRocCurve, floor, 1.0);

        var rows = AnomalyData.Rows(300, 60, seed: 2);
        float[] features = rows.SelectMany(r => r.Features).ToArray();
        float[] expected = source == AnomalyScoreSource.NegativeElbo
            ? detector.Model.NegativeElbos(features, rows.Count)
            : detector.Model.ReconstructionErrors(features, rows.Count);
        ColumnValues.AssertClose(expected, scored.GetColumn<float>("Score").ToList(), $"{source} score", tolerance: 1e-4);
    }

    [Fact]
    public void ASavedElboDetectorScoresTheSameAfterLoading()
    {
        var mlContext = new MLContext(seed: 1);
        var train = AnomalyData.Train(mlContext);
        var test = AnomalyData.Test(mlContext);
        var detector = mlContext.AnomalyDetection.Trainers.Autoencoder(Options(AnomalyScoreSource.NegativeElbo)).Fit(train);
        using var file = new TemporaryFile();
        mlContext.Model.Save(detector, train.Schema, file.Path);

        var loaded = new MLContext().Model.Load(file.Path, out _).Transform(test);
        var engine = detector.Transform(test);
        ColumnValues.AssertClose(engine.GetColumn<float>("Score").ToList(), loaded.GetColumn<float>("Score").ToList(), "score after Model.Load", tolerance: 1e-4);
        Assert.Equal(engine.GetColumn<bool>("PredictedLabel"), loaded.GetColumn<bool>("PredictedLabel"));

        var typed = AutoencoderAnomalyTransformer.LoadFromModelFile(file.Path);
        Assert.Equal(AnomalyScoreSource.NegativeElbo, typed.ScoreSource);
        ColumnValues.AssertClose(engine.GetColumn<float>("Score").ToList(), typed.Transform(test).GetColumn<float>("Score").ToList(), "typed reload", tolerance: 1e-4);
    }

    [Fact]
    public void TheOneGraphExportScoresTheElboLikeTheDetector()
    {
        var mlContext = new MLContext(seed: 1);
        var detector = mlContext.AnomalyDetection.Trainers.Autoencoder(Options(AnomalyScoreSource.NegativeElbo)).Fit(AnomalyData.Train(mlContext));
        var rows = AnomalyData.Rows(300, 60, seed: 2);
        var scored = detector.Transform(mlContext.Data.LoadFromEnumerable(rows));
        using var file = new MemoryStream();
        detector.SaveAsOnnx(file);
        using var session = new InferenceSession(file.ToArray());
        float[] features = rows.SelectMany(r => r.Features).ToArray();
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("input", new DenseTensor<float>(features, [rows.Count, AnomalyData.Width]))]);
        ColumnValues.AssertClose(scored.GetColumn<float>("Score").ToList(), results.Single(r => r.Name == "score").AsEnumerable<float>().ToList(), "score in ONNX Runtime", tolerance: 1e-4);
        Assert.Equal(scored.GetColumn<bool>("PredictedLabel"), results.Single(r => r.Name == "label").AsEnumerable<bool>());
    }

    [Fact]
    public void TheElboNeedsAVariationalNetwork()
    {
        var options = new AutoencoderAnomalyOptions { ScoreSource = AnomalyScoreSource.NegativeElbo, Autoencoder = AnomalyData.Network() };
        var error = Assert.Throws<ArgumentException>(() => new MLContext().AnomalyDetection.Trainers.Autoencoder(options));
        Assert.Contains("Variational", error.Message);
    }
}
