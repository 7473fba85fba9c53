using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders.Tests.AnomalyDetection;

/// <summary>
/// Saving through mlContext.Model.Save: a fresh MLContext scores with ONNX Runtime and must match the engine, keep the
/// threshold and normalization, and feed ML.NET's evaluator; the typed reload must restore the detector's state.
/// </summary>
public sealed class AnomalySaveLoadTests
{
    private static readonly MLContext MlContext = new(seed: 1);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void LoadedModelScoresLikeTheEngineAndKeepsTheThreshold(bool normalize)
    {
        var train = AnomalyData.Train(MlContext);
        var test = AnomalyData.Test(MlContext);
        var detector = MlContext.AnomalyDetection.Trainers.Autoencoder(new AutoencoderAnomalyOptions
        {
            Contamination = 0.1,
            NormalizeScores = normalize,
            FeatureErrorsColumnName = "Why",
            Autoencoder = AnomalyData.Network(),
        }).Fit(train);
        // A threshold inside the test scores' range, so that the saved decision is exercised both ways.
        var changed = detector.ChangeThreshold(detector.TrainingScores.Quantile(0.99) is var q && normalize ? detector.TrainingScores.Normalize(q) : q);

        using var file = new TemporaryFile();
        MlContext.Model.Save(changed, train.Schema, file.Path);
        var loaded = new MLContext().Model.Load(file.Path, out _);

        var engine = changed.Transform(test);
        var onnx = loaded.Transform(test);
        Assert.Equal(engine.Schema.Select(c => (c.Name, c.Type)), onnx.Schema.Where(c => !c.IsHidden).Select(c => (c.Name, c.Type)));

        var engineScores = engine.GetColumn<float>("Score").ToList();
        var onnxScores = onnx.GetColumn<float>("Score").ToList();
        var onnxLabels = onnx.GetColumn<bool>("PredictedLabel").ToList();
        var engineWhy = engine.GetColumn<float[]>("Why").ToList();
        var onnxWhy = onnx.GetColumn<float[]>("Why").ToList();
        for (int i = 0; i < engineScores.Count; i++)
        {
            Assert.Equal(engineScores[i], onnxScores[i], 1e-5 * Math.Max(1, engineScores[i]));
            // The graph applies the saved threshold: its decision is its own score against it.
            Assert.Equal(onnxScores[i] > changed.Threshold, onnxLabels[i]);
            for (int j = 0; j < AnomalyData.Width; j++) Assert.Equal(engineWhy[i][j], onnxWhy[i][j], 1e-5 * Math.Max(1, engineWhy[i][j]));
        }
        Assert.Contains(true, onnxLabels);
        Assert.Contains(false, onnxLabels);

        var engineMetrics = MlContext.AnomalyDetection.Evaluate(engine);
        var onnxMetrics = MlContext.AnomalyDetection.Evaluate(onnx);
        Assert.Equal(engineMetrics.AreaUnderRocCurve, onnxMetrics.AreaUnderRocCurve, 3);
    }

    [Fact]
    public void TypedReloadRestoresTheDetector()
    {
        var train = AnomalyData.Train(MlContext);
        var detector = MlContext.AnomalyDetection.Trainers.Autoencoder(new AutoencoderAnomalyOptions
        {
            Contamination = 0.02,
            NormalizeScores = true,
            ScoreColumnName = "Anomaly",
            PredictedLabelColumnName = "IsAnomaly",
            Autoencoder = AnomalyData.Network(),
        }).Fit(train);

        using var file = new TemporaryFile();
        MlContext.Model.Save(detector, train.Schema, file.Path);
        var reloaded = AutoencoderAnomalyTransformer.LoadFromModelFile(file.Path);

        Assert.Equal(detector.Threshold, reloaded.Threshold);
        Assert.Equal(0.02, reloaded.Contamination);
        Assert.True(reloaded.NormalizeScores);
        Assert.Equal("Anomaly", reloaded.ScoreColumnName);
        Assert.Equal("IsAnomaly", reloaded.PredictedLabelColumnName);
        Assert.Equal(detector.TrainingScores.Quantiles, reloaded.TrainingScores.Quantiles);
        Assert.Equal(detector.TrainingScores.Count, reloaded.TrainingScores.Count);
        // The quantile table travels with the model, so contamination can still be changed after a reload.
        Assert.Equal(detector.ChangeContamination(0.1).Threshold, reloaded.ChangeContamination(0.1).Threshold);

        var test = AnomalyData.Test(MlContext);
        var before = detector.Transform(test).GetColumn<float>("Anomaly").ToList();
        var after = reloaded.Transform(test).GetColumn<float>("Anomaly").ToList();
        Assert.Equal(before, after); // same weights, same engine: bit for bit

        // The detector's inner network is plumbing, not an autoencoder the user placed in the pipeline.
        Assert.Empty(AutoencoderTransformer.LoadAllFromModelFile(file.Path));
    }

    [Fact]
    public void TypedReloadFindsTheDetectorInsideALargerPipeline()
    {
        var train = AnomalyData.Train(MlContext, rows: 200);
        var network = AnomalyData.Network();
        network.Epochs = 3;
        var pipeline = MlContext.Transforms.CopyColumns("Raw", "Features")
            .Append(MlContext.AnomalyDetection.Trainers.Autoencoder(new AutoencoderAnomalyOptions { Threshold = 0.5f, Autoencoder = network }));
        var model = pipeline.Fit(train);

        using var file = new TemporaryFile();
        MlContext.Model.Save(model, train.Schema, file.Path);
        var reloaded = AutoencoderAnomalyTransformer.LoadFromModelFile(file.Path);
        Assert.Equal(0.5f, reloaded.Threshold);
        Assert.Null(reloaded.Contamination);
    }

    [Fact]
    public void TypedReloadOfAFileWithoutADetectorSaysSo()
    {
        var train = AnomalyData.Train(MlContext, rows: 50);
        var model = MlContext.Transforms.CopyColumns("Raw", "Features").Fit(train);
        using var file = new TemporaryFile();
        MlContext.Model.Save(model, train.Schema, file.Path);
        var error = Assert.Throws<InvalidDataException>(() => AutoencoderAnomalyTransformer.LoadFromModelFile(file.Path));
        Assert.Contains("no autoencoder anomaly detector", error.Message);
    }
}
