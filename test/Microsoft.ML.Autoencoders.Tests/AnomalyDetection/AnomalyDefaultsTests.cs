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

    private sealed class OneFeature
    {
        [VectorType(1)]
        public float[] Features { get; set; } = new float[1];
    }

    /// <summary>
    /// One feature is the width the default code cannot be capped for (its width − 1 is 0): the refusal must not blame a
    /// code of 32 the user never asked for, and must say what to do.
    /// </summary>
    [Fact]
    public void NoArguments_OnOneFeature_SaysThereIsNothingToCompressNotThatTheDefaultCodeIsTooWide()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 30).Select(i => new OneFeature { Features = [i] }).ToList());

        var fromDetector = Assert.Throws<ArgumentException>(() => ml.AnomalyDetection.Trainers.Autoencoder().Fit(data));
        var fromTransform = Assert.Throws<ArgumentException>(() => ml.Transforms.Autoencoder().Fit(data));

        foreach (var error in new[] { fromDetector, fromTransform })
        {
            Assert.Contains("Column 'Features' holds one value per row", error.Message);
            Assert.Contains("Concatenate", error.Message);
            Assert.DoesNotContain("32 values", error.Message);
        }
        // A code of 1 given on purpose is not overcomplete, and trains.
        Assert.Equal(1, ml.Transforms.Autoencoder(new AutoencoderOptions { CodeSize = 1, Epochs = 1 }).Fit(data).Model.CodeSize);
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
