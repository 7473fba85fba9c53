using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders.Tests.AnomalyDetection;

/// <summary>Bad input fails early, with a message that names the value and the fix.</summary>
public sealed class AnomalyInputValidationTests
{
    private static readonly MLContext MlContext = new(seed: 1);

    [Theory]
    [InlineData(0.0)]
    [InlineData(-0.1)]
    [InlineData(0.51)]
    [InlineData(double.NaN)]
    public void ContaminationOutsideZeroToHalfIsRefused(double contamination)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            MlContext.AnomalyDetection.Trainers.Autoencoder(contamination: contamination));
        Assert.Contains("(0, 0.5]", error.Message);
    }

    [Fact]
    public void MissingFeatureColumn_NamesTheDetectorsOwnOption()
    {
        // The detector's option is FeatureColumnName; telling the user to set InputColumnName (the autoencoder's) misled.
        var data = AnomalyData.Train(MlContext);
        var estimator = MlContext.AnomalyDetection.Trainers.Autoencoder(new AutoencoderAnomalyOptions { FeatureColumnName = "Pixels", Autoencoder = AnomalyData.Network() });
        var fitError = Assert.Throws<ArgumentOutOfRangeException>(() => estimator.Fit(data));
        Assert.Contains("Set FeatureColumnName to one of", fitError.Message);
        var schemaError = Assert.Throws<ArgumentOutOfRangeException>(() => estimator.GetOutputSchema(SchemaShapes.Of(data.Schema)));
        Assert.Contains("Set FeatureColumnName to one of", schemaError.Message);

        var detector = MlContext.AnomalyDetection.Trainers.Autoencoder(new AutoencoderAnomalyOptions { Autoencoder = AnomalyData.Network() }).Fit(data);
        var renamed = MlContext.Transforms.CopyColumns("Other", "Features").Fit(data).Transform(data);
        var dropped = MlContext.Transforms.DropColumns("Features").Fit(renamed).Transform(renamed);
        var scoreError = Assert.Throws<ArgumentOutOfRangeException>(() => detector.Transform(dropped));
        Assert.Contains("Set FeatureColumnName to one of", scoreError.Message);
    }

    [Fact]
    public void ContaminationOfExactlyOneHalfIsAccepted() =>
        Assert.NotNull(MlContext.AnomalyDetection.Trainers.Autoencoder(contamination: 0.5));

    [Theory]
    [InlineData(-0.5f, false)]
    [InlineData(float.PositiveInfinity, false)]
    [InlineData(float.NaN, false)]
    [InlineData(1.5f, true)]
    [InlineData(-0.01f, true)]
    public void ThresholdOutsideTheScoreRangeIsRefused(float threshold, bool normalize)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            MlContext.AnomalyDetection.Trainers.Autoencoder(new AutoencoderAnomalyOptions { Threshold = threshold, NormalizeScores = normalize }));
        Assert.Contains("outside the range", error.Message);
    }

    [Fact]
    public void ChangingToABadThresholdOrContaminationIsRefused()
    {
        var network = AnomalyData.Network();
        network.Epochs = 1;
        var detector = MlContext.AnomalyDetection.Trainers.Autoencoder(new AutoencoderAnomalyOptions { Autoencoder = network })
            .Fit(AnomalyData.Train(MlContext, rows: 40));
        Assert.Throws<ArgumentOutOfRangeException>(() => detector.ChangeThreshold(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => detector.ChangeContamination(0.75));
    }

    [Fact]
    public void BooleanLabelGivenToEvaluateNamesTheConversion()
    {
        var network = AnomalyData.Network();
        network.Epochs = 1;
        var data = MlContext.Data.LoadFromEnumerable(AnomalyData.Rows(30, 10, seed: 4)
            .Select(r => new AnomalyData.BooleanLabelRow { Label = r.Label == 1, Features = r.Features }));
        var detector = MlContext.AnomalyDetection.Trainers.Autoencoder(new AutoencoderAnomalyOptions { Autoencoder = network }).Fit(data);
        var scored = detector.Transform(data);

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => MlContext.AnomalyDetection.EvaluateAutoencoder(scored));
        Assert.Contains("'Label' is Boolean", error.Message);
        Assert.Contains("ConvertType", error.Message);

        // The conversion the message names works.
        var converted = MlContext.Transforms.Conversion.ConvertType("Label", outputKind: DataKind.Single).Fit(scored).Transform(scored);
        Assert.InRange(MlContext.AnomalyDetection.EvaluateAutoencoder(converted).AreaUnderRocCurve, 0.0, 1.0);
    }

    [Fact]
    public void MissingScoreColumnIsNamed()
    {
        var data = AnomalyData.Test(MlContext);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => MlContext.AnomalyDetection.EvaluateAutoencoder(data));
        Assert.Contains("score column 'Score' was not found", error.Message);
    }

    [Fact]
    public void PairedTrainingIsRefused()
    {
        var error = Assert.Throws<ArgumentException>(() => MlContext.AnomalyDetection.Trainers.Autoencoder(new AutoencoderAnomalyOptions
        {
            Autoencoder = new AutoencoderOptions { TargetColumnName = "Clean" },
        }));
        Assert.Contains("TargetColumnName", error.Message);
    }

    [Fact]
    public void MissingFeatureColumnIsNamedAtFit()
    {
        var estimator = MlContext.AnomalyDetection.Trainers.Autoencoder(featureColumnName: "Pixels");
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => estimator.Fit(AnomalyData.Test(MlContext)));
        Assert.Contains("'Pixels'", error.Message);
    }

    [Fact]
    public void ReservedOutputNamesAreRefused() =>
        Assert.Throws<ArgumentException>(() => MlContext.AnomalyDetection.Trainers.Autoencoder(new AutoencoderAnomalyOptions { ScoreColumnName = "__anomaly_x" }));
}
