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
    public void PValuesCalibrationAndPolicySurviveSaving()
    {
        var train = AnomalyData.Train(MlContext, rows: 400);
        var test = AnomalyData.Test(MlContext);
        var detector = MlContext.AnomalyDetection.Trainers.Autoencoder(new AutoencoderAnomalyOptions
        {
            FalseAlarmRate = 0.05,
            PValueColumnName = "PValue",
            FeatureErrorsColumnName = "Why",
            InvalidRowPolicy = InvalidRowPolicy.Throw,
            Autoencoder = AnomalyData.Network(),
        }).Fit(train);

        using var file = new TemporaryFile();
        MlContext.Model.Save(detector, train.Schema, file.Path);

        // Plain Model.Load: ONNX Runtime computes the p-value in the head graph from the saved reference scores.
        var engine = detector.Transform(test);
        var onnx = new MLContext().Model.Load(file.Path, out _).Transform(test);
        Assert.Equal(engine.Schema.Select(c => (c.Name, c.Type)), onnx.Schema.Where(c => !c.IsHidden).Select(c => (c.Name, c.Type)));
        var enginePValues = engine.GetColumn<float>("PValue").ToList();
        var onnxPValues = onnx.GetColumn<float>("PValue").ToList();
        var onnxLabels = onnx.GetColumn<bool>("PredictedLabel").ToList();
        float step = 1f / (detector.ReferenceScores!.Count + 1);
        for (int i = 0; i < enginePValues.Count; i++)
        {
            // The two paths' errors differ by float rounding, which can move a score across a tied reference score: one step at most.
            Assert.InRange(Math.Abs(enginePValues[i] - onnxPValues[i]), 0, step * 1.01);
            Assert.Equal(onnxPValues[i] <= 0.05 + 1e-6, onnxLabels[i]);
        }
        Assert.True(enginePValues.Zip(onnxPValues).Count(p => p.First == p.Second) >= enginePValues.Count - 3);
        ColumnValues.AssertClose(ColumnValues.Vectors(engine, "Why"), ColumnValues.Vectors(onnx, "Why"), "Why");

        var reloaded = AutoencoderAnomalyTransformer.LoadFromModelFile(file.Path);
        Assert.Equal(0.05, reloaded.FalseAlarmRate);
        Assert.Null(reloaded.Contamination);
        Assert.Equal(detector.Threshold, reloaded.Threshold);
        Assert.Equal("PValue", reloaded.PValueColumnName);
        Assert.Equal(InvalidRowPolicy.Throw, reloaded.InvalidRowPolicy);
        Assert.True(reloaded.ReferenceScores!.IsHeldOut);
        Assert.Equal(detector.ReferenceScores.Scores, reloaded.ReferenceScores.Scores);
        Assert.Equal(enginePValues, reloaded.Transform(test).GetColumn<float>("PValue"));
        Assert.Equal(detector.ChangeFalseAlarmRate(0.2).Threshold, reloaded.ChangeFalseAlarmRate(0.2).Threshold);
    }

    [Fact]
    public void AnotherProcessLoadsTheGuardAndScoresPValuesLikeThisOne()
    {
        // A fresh process has none of this one's loaded types: the stateful guard and the p-value mapping must be found by
        // their contract names from the saved model alone.
        var train = AnomalyData.Train(MlContext, rows: 300);
        var network = AnomalyData.Network();
        network.Epochs = 10;
        var detector = MlContext.AnomalyDetection.Trainers.Autoencoder(new AutoencoderAnomalyOptions
        {
            FalseAlarmRate = 0.1,
            PValueColumnName = "PValue",
            InvalidRowPolicy = InvalidRowPolicy.Throw,
            Autoencoder = network,
        }).Fit(train);
        var rows = AnomalyData.Rows(20, 5, seed: 6);
        using var model = new TemporaryFile();
        using var input = new TemporaryFile(".tsv");
        MlContext.Model.Save(detector, train.Schema, model.Path);
        ModelProbe.WriteRows(input.Path, rows.Select(r => new SyntheticData.Row { Label = r.Label, Features = r.Features }));

        var probed = ModelProbe.Score(model.Path, input.Path);

        var scored = detector.Transform(MlContext.Data.LoadFromEnumerable(rows));
        ColumnValues.AssertClose(ColumnValues.Scalars(scored, "Score"), probed.Select(r => ModelProbe.Scalar(r, "Score")).ToList(), "Score");
        var pValues = ColumnValues.Scalars(scored, "PValue");
        float step = 1f / (detector.ReferenceScores!.Count + 1);
        for (int i = 0; i < rows.Count; i++) Assert.InRange(Math.Abs(pValues[i] - ModelProbe.Scalar(probed[i], "PValue")), 0, step * 1.01);
    }

    [Fact]
    public void AVersionOneDetectorLoadsWithNoReferenceScoresAndTheDefaultPolicy()
    {
        // Written before p-values and the invalid-row rule (Fixtures/FormatVersion1; FormatVersion1Tests checks its scores).
        var typed = AutoencoderAnomalyTransformer.LoadFromModelFile(Path.Combine(AppContext.BaseDirectory, "Fixtures", "FormatVersion1", "anomaly-v1.zip"));
        Assert.Null(typed.ReferenceScores);
        Assert.Null(typed.FalseAlarmRate);
        Assert.Null(typed.PValueColumnName);
        Assert.Equal(InvalidRowPolicy.FlagAsAnomaly, typed.InvalidRowPolicy);
        Assert.Throws<InvalidOperationException>(() => typed.ChangeFalseAlarmRate(0.1));

        // The typed reload scores with today's rule: a NaN row is flagged.
        var row = new float[typed.Model.InputSize];
        row[0] = float.NaN;
        var definition = SchemaDefinition.Create(typeof(VectorRow));
        definition[0].ColumnType = new VectorDataViewType(NumberDataViewType.Single, row.Length);
        var data = MlContext.Data.LoadFromEnumerable(new[] { new VectorRow { Features = row } }, definition);
        var scored = typed.Transform(data);
        Assert.True(float.IsPositiveInfinity(scored.GetColumn<float>("Score").Single()));
        Assert.True(scored.GetColumn<bool>("PredictedLabel").Single());
    }

    private sealed class VectorRow
    {
        public float[] Features { get; set; } = [];
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
