using Microsoft.ML.Autoencoders.Engine.Models;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Microsoft.ML.Autoencoders.Tests;

/// <summary>
/// Every Fit writes to <c>mlContext.Log</c>: a start line, one line per epoch (epoch i/N, loss, validation loss when there
/// is a split, rows/s, elapsed, ETA, learning rate), the history's warnings as warnings, and an end line.
/// </summary>
public sealed class TrainingLogTests(ITestOutputHelper output)
{
    private static readonly Regex EpochLine = new(
        @"^Epoch (\d+)/(\d+): loss [-0-9.Ee+]+(?: \(\+ penalty [-0-9.Ee+]+\))?(, validation loss [-0-9.Ee+]+)?, [0-9,∞]+ rows/s, elapsed \d+:\d\d\.\d, ETA \d+:\d\d\.\d, learning rate [0-9.Ee+-]+$");

    /// <summary>Checks that the epoch lines are 1/N … N/N, each complete, with a validation loss exactly when there is a split.</summary>
    private static void AssertOneLinePerEpoch(LogLines log, int epochs, bool validation)
    {
        Assert.Equal(epochs, log.Epochs.Count);
        for (int i = 0; i < epochs; i++)
        {
            var match = EpochLine.Match(log.Epochs[i]);
            Assert.True(match.Success, $"Not an epoch line: '{log.Epochs[i]}'");
            Assert.Equal($"{i + 1}", match.Groups[1].Value);
            Assert.Equal($"{epochs}", match.Groups[2].Value);
            Assert.Equal(validation, match.Groups[3].Success);
        }
    }

    [Fact]
    public void Autoencoder_LogsStartEpochsAndEnd()
    {
        var ml = new MLContext(seed: 1);
        var log = new LogLines(ml);
        var options = TestAutoencoders.Options(epochs: 4);
        options.ValidationFraction = 0.25;
        ml.Transforms.Autoencoder(options).Fit(SyntheticData.DataView(ml, 200));
        foreach (string line in log.Info) output.WriteLine(line);

        Assert.StartsWith("Training autoencoder on 150 rows (50 more held out for validation): batch 32, 4 epochs; network [12] → dense [8] → dense [3] → dense [8] → dense [12]", log.Info[0]);
        AssertOneLinePerEpoch(log, 4, validation: true);
        Assert.Matches(@"^Trained in \d+:\d\d\.\d: 4 epochs; the model keeps epoch \d's weights \(validation loss [0-9.Ee+-]+\)\.$", log.Info[^1]);
    }

    [Fact]
    public void ShortForm_LogsWithoutValidation()
    {
        var ml = new MLContext(seed: 1);
        var log = new LogLines(ml);
        ml.Transforms.Autoencoder("Code", "Features", codeSize: 3, epochs: 3, batchSize: 50).Fit(SyntheticData.DataView(ml, 100));
        AssertOneLinePerEpoch(log, 3, validation: false);
        Assert.Matches(@"^Trained in .*: 3 epochs; final loss [0-9.Ee+-]+\.$", log.Info[^1]);
    }

    [Fact]
    public void VariationalAutoencoder_LogsItsKind()
    {
        var ml = new MLContext(seed: 1);
        var log = new LogLines(ml);
        ml.Transforms.VariationalAutoencoder("Latent", "Features", latentSize: 2, hiddenLayerSizes: [8], epochs: 2, batchSize: 50).Fit(SyntheticData.DataView(ml, 100));
        Assert.StartsWith("Training variational autoencoder on 100 rows", log.Info[0]);
        AssertOneLinePerEpoch(log, 2, validation: false);
    }

    [Fact]
    public void AnomalyDetector_LogsItsTraining()
    {
        var ml = new MLContext(seed: 1);
        var log = new LogLines(ml);
        ml.AnomalyDetection.Trainers.Autoencoder("Features", codeSize: 3, epochs: 3, batchSize: 50).Fit(SyntheticData.DataView(ml, 100));
        Assert.StartsWith("Training autoencoder for the anomaly detector on 100 rows", log.Info[0]);
        AssertOneLinePerEpoch(log, 3, validation: false);
    }

    private sealed class Point
    {
        public float Value { get; set; }
    }

    [Fact]
    public void SequenceDetector_LogsItsTraining()
    {
        var ml = new MLContext(seed: 1);
        var log = new LogLines(ml);
        var series = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 120).Select(t => new Point { Value = (float)Math.Sin(t / 3.0) }));
        ml.AnomalyDetection.Trainers.SequenceAutoencoder(["Value"], windowLength: 8, kind: SequenceAutoencoderKind.Convolutional, epochs: 2).Fit(series);
        Assert.StartsWith("Training sequence autoencoder for the anomaly detector on 113 rows", log.Info[0]);
        AssertOneLinePerEpoch(log, 2, validation: false);
    }

    [Fact]
    public void TrainingWarnings_GoOutAsWarnings()
    {
        // Adam at a learning rate of 10 diverges; each back-off leaves a warning in the history, and so in the log.
        var ml = new MLContext(seed: 1);
        var log = new LogLines(ml);
        var options = TestAutoencoders.Options(epochs: 5);
        options.OutputActivation = AutoencoderActivation.Linear;
        options.LearningRate = 10f;
        options.LearningRateBackoffs = 4;
        var history = ml.Transforms.Autoencoder(options).Fit(SyntheticData.DataView(ml, 200)).Model.TrainingHistory!;
        Assert.NotEmpty(history.Warnings);
        Assert.Equal(history.Warnings, log.Warnings);
    }
}
