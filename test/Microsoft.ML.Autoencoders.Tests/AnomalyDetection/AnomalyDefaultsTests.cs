using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders.Tests.AnomalyDetection;

/// <summary>The detectors' defaults fit small data: no argument is needed on a table or a window narrower than the default code.</summary>
public sealed class AnomalyDefaultsTests
{
    private sealed class TenFeatures
    {
        [VectorType(10)]
        public float[] Features { get; set; } = new float[10];
    }

    [Fact]
    public void NoArguments_WorksOnATenFeatureTable()
    {
        var ml = new MLContext(seed: 1);
        var random = new Random(3);
        var rows = Enumerable.Range(0, 120).Select(_ =>
        {
            double a = random.NextDouble(), b = random.NextDouble();
            return new TenFeatures { Features = Enumerable.Range(0, 10).Select(j => (float)(a * Math.Sin(j) + b * Math.Cos(j) + 0.01 * random.NextDouble())).ToArray() };
        });
        var data = ml.Data.LoadFromEnumerable(rows.ToList());

        var detector = ml.AnomalyDetection.Trainers.Autoencoder().Fit(data);

        Assert.Equal(9, detector.Model.CodeSize); // the default 32, capped below the input's 10
        var scores = detector.Transform(data).GetColumn<float>("Score").ToArray();
        Assert.Equal(120, scores.Length);
        Assert.All(scores, s => Assert.True(float.IsFinite(s)));
    }

    private sealed class Point
    {
        public float Value { get; set; }
    }

    [Theory]
    [InlineData(SequenceAutoencoderKind.Lstm, "repeat_vector")]
    [InlineData(SequenceAutoencoderKind.LstmSequenceToSequence, "unconditioned_lstm_decoder")]
    public void SequenceDetector_ShortWindowOfOneChannel_WorksWithTheDefaultLstm(SequenceAutoencoderKind kind, string decoderKind)
    {
        // 8 steps of one channel are 8 values: the default LSTM code of 16 would be overcomplete, so it is capped at 7.
        var ml = new MLContext(seed: 1);
        var series = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 80).Select(t => new Point { Value = (float)Math.Sin(t / 2.0) }).ToList());
        var detector = ml.AnomalyDetection.Trainers.SequenceAutoencoder(["Value"], windowLength: 8, kind: kind, epochs: 2).Fit(series);
        Assert.Equal(7, detector.Model.CodeSize);
        Assert.Equal(decoderKind, detector.Model.Spec.Decoder[0].Kind); // the kind asked for, not the other LSTM
    }
}
