using Microsoft.ML.Autoencoders.Engine.Models;

namespace Microsoft.ML.Autoencoders.Tests.AnomalyDetection;

/// <summary>
/// The sequence detector's short form refuses a window it cannot build a network for by naming windowLength, not the
/// detector's inner window column or a CodeSize the caller never set; the shortest window it can build trains.
/// </summary>
public sealed class SequenceWindowLengthTests
{
    private static readonly MLContext MlContext = new(seed: 1);

    private sealed class Step
    {
        public float Value { get; set; }
    }

    [Theory]
    [InlineData(0, SequenceAutoencoderKind.Lstm)]
    [InlineData(-3, SequenceAutoencoderKind.Convolutional)]
    public void OptionsWithAWindowWithoutStepsAreRefusedByName(int windowLength, SequenceAutoencoderKind kind)
    {
        var options = new SequenceAnomalyOptions
        {
            ChannelColumnNames = ["Value"],
            Architecture = SequenceArchitecture.LstmAutoencoder(8) with { WindowLength = windowLength, Kind = kind },
        };

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => MlContext.AnomalyDetection.Trainers.SequenceAutoencoder(options));

        Assert.Contains("Architecture.WindowLength is the number of time steps in each window and must be at least 1", error.Message);
    }

    [Theory]
    [InlineData(0, SequenceAutoencoderKind.Lstm)]
    [InlineData(-3, SequenceAutoencoderKind.Convolutional)]
    public void WindowWithoutStepsIsRefusedByName(int windowLength, SequenceAutoencoderKind kind)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            MlContext.AnomalyDetection.Trainers.SequenceAutoencoder(["Value"], windowLength: windowLength, kind: kind));

        Assert.Equal("windowLength", error.ParamName);
        Assert.Contains("windowLength is the number of time steps in each window and must be at least 1", error.Message);
    }

    [Theory]
    [InlineData(SequenceAutoencoderKind.Lstm)]
    [InlineData(SequenceAutoencoderKind.LstmSequenceToSequence)]
    public void SingleValueWindowIsRefusedByNameWithoutInnerNames(SequenceAutoencoderKind kind)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            MlContext.AnomalyDetection.Trainers.SequenceAutoencoder(["Value"], windowLength: 1, kind: kind));

        Assert.Equal("windowLength", error.ParamName);
        Assert.Contains("A window of 1 step of 1 channel holds 1 value", error.Message);
        Assert.Contains("give a windowLength of at least 2", error.Message);
        Assert.DoesNotContain("__", error.Message);
    }

    [Fact]
    public void TwoValueWindowTrainsWithACodeOfOne()
    {
        var series = MlContext.Data.LoadFromEnumerable(Enumerable.Range(0, 40).Select(t => new Step { Value = (float)Math.Sin(t * 0.5) }));

        var detector = MlContext.AnomalyDetection.Trainers.SequenceAutoencoder(["Value"], windowLength: 2, epochs: 1).Fit(series);

        Assert.Equal(2, detector.WindowLength);
        Assert.Equal(1, detector.Model.CodeSize);
    }
}
