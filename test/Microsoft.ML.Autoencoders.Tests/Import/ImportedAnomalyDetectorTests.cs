using System.Globalization;
using Microsoft.ML.Data;
using Xunit.Abstractions;

namespace Microsoft.ML.Autoencoders.Tests.Import;

/// <summary>
/// The anomaly detector's threshold and score rule on an imported PCA autoencoder (made by numpy and python3-onnx): Fit
/// trains nothing, only scores the rows; the scores are numpy's errors; the saved detector scores the same after a plain
/// <c>Model.Load</c> and comes back typed through <see cref="AutoencoderAnomalyTransformer.LoadFromModelFile"/>.
/// </summary>
public sealed class ImportedAnomalyDetectorTests(ITestOutputHelper output)
{
    [Fact]
    public void FitOnlySetsTheThresholdFromTheImportedScores()
    {
        if (PythonOnnxModels.FolderOrExplain(output) is not { } folder) return;
        var ml = new MLContext(seed: 1);
        var train = TrainRows(folder);
        using var imported = OnnxAutoencoderModel.Load(PythonOnnxModels.Path(folder, "pca"), "x", "reconstruction");
        long runsBefore = imported.Runs;

        var detector = ml.AnomalyDetection.Trainers.Autoencoder(imported, contamination: 0.05).Fit(ImportData.Of(ml, train, 8));

        float[] trainScores = imported.ReconstructionErrors([.. train.SelectMany(r => r)], train.Length);
        float expectedThreshold = AnomalyThreshold.FromContamination(AnomalyScoreDistribution.FromScores(trainScores), 0.05, false);
        Assert.Equal(expectedThreshold, detector.Threshold);
        Assert.Equal(1, imported.Runs - runsBefore - 1); // Fit scored the 500 rows in one batched run (the other run is this test's)
        Assert.Same(imported, detector.ImportedModel);
        Assert.Throws<InvalidOperationException>(() => detector.Model);

        var expected = PythonOnnxModels.ExpectedFor(folder, "pca");
        var scored = detector.Transform(ImportData.Of(ml, expected.Input, 8));
        float[] scores = ColumnValues.Scalars(scored, "Score");
        ColumnValues.AssertClose(expected.Error, scores, "Score");
        Assert.Equal(scores.Select(s => s > detector.Threshold), scored.GetColumn<bool>("PredictedLabel"));
    }

    [Fact]
    public void RowsOffThePrincipalPlaneAreFlagged()
    {
        if (PythonOnnxModels.FolderOrExplain(output) is not { } folder) return;
        var ml = new MLContext(seed: 1);
        using var imported = OnnxAutoencoderModel.Load(PythonOnnxModels.Path(folder, "pca"), "x", "reconstruction");
        var detector = ml.AnomalyDetection.Trainers.Autoencoder(imported, contamination: 0.01).Fit(ImportData.Of(ml, TrainRows(folder), 8));

        var normal = PythonOnnxModels.ExpectedFor(folder, "pca").Input.Take(100).ToArray();
        // A row pushed along a direction the three principal axes do not span reconstructs badly.
        var anomalies = normal.Take(20).Select(r => r.Select((v, j) => j % 2 == 0 ? v + 3f : v - 3f).ToArray()).ToArray();
        var labels = detector.Transform(ImportData.Of(ml, [.. normal, .. anomalies], 8)).GetColumn<bool>("PredictedLabel").ToArray();

        Assert.True(labels.Take(100).Count(l => l) <= 5, $"{labels.Take(100).Count(l => l)} of 100 normal rows flagged.");
        Assert.All(labels.Skip(100), Assert.True);
    }

    [Fact]
    public void SavedDetectorOnAnImportScoresTheSameAfterLoad()
    {
        if (PythonOnnxModels.FolderOrExplain(output) is not { } folder) return;
        var ml = new MLContext(seed: 1);
        using var imported = OnnxAutoencoderModel.Load(PythonOnnxModels.Path(folder, "pca"), "x", "reconstruction");
        var detector = ml.AnomalyDetection.Trainers.Autoencoder(new AutoencoderAnomalyOptions
        {
            ImportedModel = imported,
            FalseAlarmRate = 0.1,
            PValueColumnName = "PValue",
            FeatureErrorsColumnName = "FeatureErrors",
        }).Fit(ImportData.Of(ml, TrainRows(folder), 8));
        var data = ImportData.Of(ml, PythonOnnxModels.ExpectedFor(folder, "pca").Input.Take(60), 8);
        using var file = new TemporaryFile();
        ml.Model.Save(detector, data.Schema, file.Path);

        var loaded = new MLContext().Model.Load(file.Path, out _);
        var typed = AutoencoderAnomalyTransformer.LoadFromModelFile(file.Path);

        Assert.Equal(detector.Threshold, typed.Threshold);
        Assert.NotNull(typed.ImportedModel);
        Assert.Equal(0.1, typed.FalseAlarmRate);
        var expected = detector.Transform(data);
        foreach (var actual in new[] { loaded.Transform(data), typed.Transform(data) })
        {
            ColumnValues.AssertClose(ColumnValues.Scalars(expected, "Score"), ColumnValues.Scalars(actual, "Score"), "Score");
            Assert.Equal(expected.GetColumn<bool>("PredictedLabel"), actual.GetColumn<bool>("PredictedLabel"));
            ColumnValues.AssertClose(ColumnValues.Scalars(expected, "PValue"), ColumnValues.Scalars(actual, "PValue"), "PValue");
            ColumnValues.AssertClose(ColumnValues.Vectors(expected, "FeatureErrors"), ColumnValues.Vectors(actual, "FeatureErrors"), "FeatureErrors");
        }
        // Neither typed loader mistakes the detector's network for a user's autoencoder.
        Assert.Throws<InvalidDataException>(() => OnnxAutoencoderTransformer.LoadFromModelFile(file.Path));
    }

    private static float[][] TrainRows(string folder) =>
        [.. File.ReadLines(Path.Combine(folder, "pca.train.csv")).Select(line => line.Split(',').Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray())];
}
