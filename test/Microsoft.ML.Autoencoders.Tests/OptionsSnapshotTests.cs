using Microsoft.ML.Autoencoders.Engine.Models;

namespace Microsoft.ML.Autoencoders.Tests;

/// <summary>
/// An estimator trains with the options it was made with: a sweep that changes one options object between estimators, and
/// fits them afterwards, must not fit every one with the last setting, nor reach Fit with a value the constructor never checked.
/// </summary>
public sealed class OptionsSnapshotTests
{
    [Fact]
    public void AutoencoderEstimatorKeepsTheOptionsItWasMadeWith()
    {
        var ml = new MLContext(seed: 1);
        var data = SyntheticData.DataView(ml, 20);
        var options = TestAutoencoders.Options(epochs: 1);
        var first = ml.Transforms.Autoencoder(options);

        options.CodeSize = 5;
        options.HiddenLayerSizes[0] = 6; // in place: the estimator's copy must not share the array
        options.Epochs = 0;              // refused by the constructor; must not reach the first estimator's Fit either
        options.EncodedColumnName = "__codes"; // likewise (a reserved name)

        var transformer = first.Fit(data);
        var model = transformer.Model;
        Assert.Equal("Encoded", transformer.EncodedColumnName);
        Assert.Equal(TestAutoencoders.CodeSize, model.CodeSize);
        Assert.Equal([SyntheticData.Width, 8, TestAutoencoders.CodeSize, 8, SyntheticData.Width], model.LayerWidths);
        Assert.Single(model.TrainingHistory!.Epochs);
    }

    [Fact]
    public void AnomalyEstimatorKeepsTheOptionsItWasMadeWith()
    {
        var ml = new MLContext(seed: 1);
        var options = new AutoencoderAnomalyOptions { Contamination = 0.1, Autoencoder = TestAutoencoders.DetectorNetwork(epochs: 1) };
        var first = ml.AnomalyDetection.Trainers.Autoencoder(options);

        options.Contamination = 0.3;
        options.Autoencoder.CodeSize = 5;

        var detector = first.Fit(SyntheticData.DataView(ml, 20));
        Assert.Equal(0.1, detector.Contamination);
        Assert.Equal(TestAutoencoders.CodeSize, detector.Model.CodeSize);
    }

    private sealed class Point
    {
        public float Value { get; set; }
    }

    [Fact]
    public void SequenceAnomalyEstimatorKeepsTheOptionsItWasMadeWith()
    {
        var ml = new MLContext(seed: 1);
        var series = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 60).Select(t => new Point { Value = (float)Math.Sin(t / 3.0) }));
        var options = new SequenceAnomalyOptions
        {
            ChannelColumnNames = ["Value"],
            Architecture = SequenceArchitecture.LstmAutoencoder(6, channels: 1, hiddenUnits: 4, codeSize: 2),
            Contamination = 0.05,
            Autoencoder = new AutoencoderOptions { Epochs = 1, NumberOfThreads = 1 },
        };
        var first = ml.AnomalyDetection.Trainers.SequenceAutoencoder(options);

        options.Contamination = 0.2;
        options.ChannelColumnNames[0] = "Missing";
        options.Autoencoder.Epochs = 0;

        var detector = first.Fit(series);
        Assert.Equal(0.05, detector.Contamination);
        Assert.Equal(6, detector.WindowLength);
    }
}
