using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders.Tests.AnomalyDetection;

/// <summary>Training, scoring, the threshold and ML.NET's anomaly evaluator on the detector before it is saved.</summary>
public sealed class AutoencoderAnomalyTests
{
    private static readonly MLContext MlContext = new(seed: 1);

    // One trained detector shared by the tests that only read it: training dominates the run time.
    private static readonly Lazy<AutoencoderAnomalyTransformer> Detector = new(() =>
        MlContext.AnomalyDetection.Trainers.Autoencoder(new AutoencoderAnomalyOptions
        {
            Contamination = 0.05,
            FeatureErrorsColumnName = "FeatureErrors",
            Autoencoder = AnomalyData.Network(),
        }).Fit(AnomalyData.Train(MlContext)));

    [Fact]
    public void ScoresSeparateAnomaliesAndEvaluateAgreesWithTheDefinitionOfAuc()
    {
        var scored = Detector.Value.Transform(AnomalyData.Test(MlContext));
        Assert.Equal(NumberDataViewType.Single, scored.Schema["Score"].Type);
        Assert.Equal(BooleanDataViewType.Instance, scored.Schema["PredictedLabel"].Type);

        var metrics = MlContext.AnomalyDetection.EvaluateAutoencoder(scored);
        var plain = MlContext.AnomalyDetection.Evaluate(scored); // ML.NET's own entry point takes the output unchanged
        double auc = AnomalyData.Auc(scored.GetColumn<float>("Score").ToList(), scored.GetColumn<float>("Label").ToList());

        Assert.InRange(auc, 0.95, 1.0);
        Assert.Equal(auc, metrics.AreaUnderRocCurve, 6);
        Assert.Equal(metrics.AreaUnderRocCurve, plain.AreaUnderRocCurve);
        Assert.InRange(metrics.DetectionRateAtFalsePositiveCount, 0.5, 1.0);
    }

    [Fact]
    public void ContaminationSetsTheThresholdAtThatQuantileOfTheTrainingScores()
    {
        var detector = Detector.Value;
        Assert.Equal(0.05, detector.Contamination);
        Assert.Equal(detector.TrainingScores.Quantile(0.95), detector.Threshold);

        var flagged = detector.Transform(AnomalyData.Train(MlContext)).GetColumn<bool>("PredictedLabel").Count(p => p);
        // Fit and the cursor cut the rows into different batches, and a batch sparse enough for the first layer's
        // sparse path may sum in another order than a denser one: allow a row either way.
        Assert.InRange(flagged, 0.05 * 600 - 2, 0.05 * 600 + 2);
    }

    [Fact]
    public void PredictedLabelIsScoreAboveTheThresholdAndChangesWithIt()
    {
        var detector = Detector.Value;
        var stricter = detector.ChangeThreshold(detector.Threshold * 2);
        Assert.Equal(detector.Threshold * 2, stricter.Threshold);
        Assert.Null(stricter.Contamination);
        Assert.Equal(0.05, detector.Contamination); // the original is untouched

        var scored = stricter.Transform(AnomalyData.Test(MlContext));
        var scores = scored.GetColumn<float>("Score").ToList();
        var labels = scored.GetColumn<bool>("PredictedLabel").ToList();
        for (int i = 0; i < scores.Count; i++) Assert.Equal(scores[i] > stricter.Threshold, labels[i]);
        Assert.Contains(true, labels);
        Assert.Contains(false, labels);

        var looser = detector.ChangeContamination(0.2);
        Assert.Equal(detector.TrainingScores.Quantile(0.8), looser.Threshold);
        Assert.True(looser.Threshold < detector.Threshold);
    }

    [Fact]
    public void FeatureErrorsAreSquaredErrorsWhoseMeanIsTheScore()
    {
        var scored = Detector.Value.Transform(AnomalyData.Test(MlContext));
        Assert.Equal(new VectorDataViewType(NumberDataViewType.Single, AnomalyData.Width), scored.Schema["FeatureErrors"].Type);
        var scores = scored.GetColumn<float>("Score").ToList();
        var errors = scored.GetColumn<float[]>("FeatureErrors").ToList();
        for (int i = 0; i < scores.Count; i++)
        {
            Assert.All(errors[i], e => Assert.True(e >= 0));
            Assert.Equal(scores[i], errors[i].Average(), 1e-5 * Math.Max(1, scores[i]));
        }
        // Anomalies leave the subspace in every direction, so their largest per-feature error dwarfs a normal row's.
        Assert.True(errors.Skip(300).Average(e => e.Max()) > 5 * errors.Take(300).Average(e => e.Max()));
    }

    [Fact]
    public void NormalizedScoresMapTheTrainingRangeOntoZeroToOne()
    {
        var train = AnomalyData.Train(MlContext);
        var detector = MlContext.AnomalyDetection.Trainers.Autoencoder(new AutoencoderAnomalyOptions
        {
            NormalizeScores = true,
            Contamination = 0.1,
            Autoencoder = AnomalyData.Network(),
        }).Fit(train);
        var distribution = detector.TrainingScores;
        Assert.Equal(distribution.Normalize(distribution.Quantile(0.9)), detector.Threshold);
        Assert.Equal(0f, distribution.Normalize(distribution.Minimum));
        Assert.Equal(1f, distribution.Normalize(distribution.Maximum));

        var scored = detector.Transform(AnomalyData.Test(MlContext));
        var scores = scored.GetColumn<float>("Score").ToList();
        Assert.All(scores, s => Assert.InRange(s, 0f, 1f));
        Assert.InRange(MlContext.AnomalyDetection.EvaluateAutoencoder(scored).AreaUnderRocCurve, 0.9, 1.0);
        Assert.Throws<ArgumentOutOfRangeException>(() => detector.ChangeThreshold(1.5f));
    }

    [Fact]
    public void PredictionEngineScoresOneRowLikeTheDataView()
    {
        var detector = Detector.Value;
        var rows = AnomalyData.Rows(0, 3, seed: 5);
        var engine = MlContext.Model.CreatePredictionEngine<AnomalyData.Row, Prediction>(detector);
        var viaView = detector.Transform(MlContext.Data.LoadFromEnumerable(rows)).GetColumn<float>("Score").ToList();
        for (int i = 0; i < rows.Count; i++)
        {
            var prediction = engine.Predict(rows[i]);
            Assert.Equal(viaView[i], prediction.Score);
            Assert.Equal(prediction.Score > detector.Threshold, prediction.PredictedLabel);
        }
    }

    [Fact]
    public void ExplicitThresholdIsKeptAsGiven()
    {
        var network = AnomalyData.Network();
        network.Epochs = 2; // the threshold does not depend on how well the network trained
        var detector = MlContext.AnomalyDetection.Trainers.Autoencoder(new AutoencoderAnomalyOptions
        {
            Threshold = 0.01f,
            Autoencoder = network,
        }).Fit(AnomalyData.Train(MlContext, rows: 100));
        Assert.Equal(0.01f, detector.Threshold);
        Assert.Null(detector.Contamination);
    }

    public sealed class Prediction
    {
        public float Score { get; set; }
        public bool PredictedLabel { get; set; }
    }
}
