namespace Microsoft.ML.Autoencoders.Tests.AnomalyDetection;

/// <summary>
/// Empty calibration rows are refused saying what they were for (the threshold's scores), not that the autoencoder has
/// "nothing to learn from": calibration rows are only scored.
/// </summary>
public sealed class EmptyCalibrationTests
{
    private static readonly MLContext MlContext = new(seed: 1);

    [Fact]
    public void CalibrateOnNoRowsSaysTheThresholdHasNoScores()
    {
        var network = AnomalyData.Network();
        network.Epochs = 1;
        var detector = MlContext.AnomalyDetection.Trainers.Autoencoder(new AutoencoderAnomalyOptions { Autoencoder = network }).Fit(AnomalyData.Train(MlContext, 100));
        var empty = MlContext.Data.LoadFromEnumerable(AnomalyData.Rows(0, 0, seed: 1));

        var error = Assert.Throws<InvalidOperationException>(() => detector.Calibrate(empty, 0.05));

        Assert.Contains("The calibration data has no rows, so column 'Features' gives the detector no scores to set its threshold from", error.Message);
        Assert.DoesNotContain("learn", error.Message);
    }
}
