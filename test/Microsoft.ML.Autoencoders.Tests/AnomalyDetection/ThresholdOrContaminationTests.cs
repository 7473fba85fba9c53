using Microsoft.ML.Autoencoders.Engine.Models;

namespace Microsoft.ML.Autoencoders.Tests.AnomalyDetection;

/// <summary>
/// A detector's threshold comes from one setting: an explicit Threshold beside a Contamination is refused when the
/// estimator is made (the contamination used to be dropped without a word), while either alone is taken.
/// </summary>
public sealed class ThresholdOrContaminationTests
{
    private static readonly MLContext MlContext = new(seed: 1);

    private static AutoencoderAnomalyOptions DenseOptions(double? contamination, float? threshold) => new()
    {
        Contamination = contamination,
        Threshold = threshold,
        Autoencoder = TestAutoencoders.DetectorNetwork(epochs: 1),
    };

    private static SequenceAnomalyOptions SequenceOptions(double? contamination, float? threshold) => new()
    {
        ChannelColumnNames = ["Value"],
        Architecture = SequenceArchitecture.LstmAutoencoder(windowLength: 8, channels: 1, hiddenUnits: 4, codeSize: 2),
        Contamination = contamination,
        Threshold = threshold,
        Autoencoder = new AutoencoderOptions { Epochs = 1 },
    };

    [Fact]
    public void DenseDetectorRefusesThresholdBesideContamination()
    {
        var error = Assert.Throws<ArgumentException>(() => MlContext.AnomalyDetection.Trainers.Autoencoder(DenseOptions(0.05, 0.1f)));

        Assert.Contains("Threshold (0.1) and Contamination (0.05) both set the threshold; set only one of them", error.Message);
    }

    [Fact]
    public void SequenceDetectorRefusesThresholdBesideContamination()
    {
        var error = Assert.Throws<ArgumentException>(() => MlContext.AnomalyDetection.Trainers.SequenceAutoencoder(SequenceOptions(0.02, 0.5f)));

        Assert.Contains("Threshold (0.5) and Contamination (0.02) both set the threshold; set only one of them", error.Message);
    }

    [Fact]
    public void EitherSettingAloneIsTaken()
    {
        var data = SyntheticData.DataView(MlContext, 64);

        var byThreshold = MlContext.AnomalyDetection.Trainers.Autoencoder(DenseOptions(null, 0.1f)).Fit(data);
        var byContamination = MlContext.AnomalyDetection.Trainers.Autoencoder(DenseOptions(0.05, null)).Fit(data);

        Assert.Equal(0.1f, byThreshold.Threshold);
        Assert.Null(byThreshold.Contamination);
        Assert.Equal(0.05, byContamination.Contamination);
        _ = MlContext.AnomalyDetection.Trainers.SequenceAutoencoder(SequenceOptions(null, 0.5f));
        _ = MlContext.AnomalyDetection.Trainers.SequenceAutoencoder(SequenceOptions(0.02, null));
    }
}
