using Microsoft.ML.Data;
using Microsoft.ML.Autoencoders.Engine.Models;

namespace Microsoft.ML.Autoencoders.Tests.AnomalyDetection;

/// <summary>
/// The streaming sequence detector: it learns a periodic series, flags a spike and a level shift in its continuation,
/// scores a continuation exactly as the end of the joined series, points the per-channel error at the channel that
/// departs, saves and reloads, and says plainly what it cannot do.
/// </summary>
public sealed class SequenceAnomalyTests
{
    private const int Period = 24, Window = 24;

    /// <summary>One time step: the channels, and Label (1 = an injected anomaly, as ML.NET's evaluator reads it).</summary>
    private sealed class Step
    {
        public float Value { get; set; }
        public float Second { get; set; }
        public float Third { get; set; }
        public float Label { get; set; }
    }

    /// <summary>
    /// Points [from, from + count) of three sines with noise (periods 24, 24 shifted, 12), offset and scaled so that
    /// standardization matters; anomalies are written into the returned list by the caller.
    /// </summary>
    private static List<Step> Series(int from, int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(from, count).Select(t => new Step
        {
            Value = (float)(50 + 10 * Math.Sin(2 * Math.PI * t / Period) + 0.5 * (random.NextDouble() - 0.5)),
            Second = (float)(Math.Sin(2 * Math.PI * t / Period + 1) + 0.05 * (random.NextDouble() - 0.5)),
            Third = (float)(-3 + 2 * Math.Sin(2 * Math.PI * t / 12) + 0.1 * (random.NextDouble() - 0.5)),
        }).ToList();
    }

    private static SequenceAnomalyOptions Options(string[] channels, SequenceAutoencoderKind kind = SequenceAutoencoderKind.Lstm) => new()
    {
        ChannelColumnNames = channels,
        Architecture = kind switch
        {
            SequenceAutoencoderKind.Lstm => SequenceArchitecture.LstmAutoencoder(Window, channels.Length, hiddenUnits: 16, codeSize: 6),
            SequenceAutoencoderKind.LstmSequenceToSequence => SequenceArchitecture.LstmSequenceToSequence(Window, channels.Length, hiddenUnits: 16, codeSize: 6),
            _ => SequenceArchitecture.KerasConvolutional(Window, channels.Length) with { Filters = [8, 4], KernelSize = 5 },
        },
        Contamination = 0.01,
        ChannelErrorsColumnName = "ChannelErrors",
        Autoencoder = new AutoencoderOptions { Epochs = 25, BatchSize = 32, LearningRate = 5e-3f, NumberOfThreads = 1, Seed = 2 },
    };

    /// <summary>The continuation [480, 780) with a spike at 560 and a level shift over [650, 670), both in Value.</summary>
    private static List<Step> TestWithAnomalies()
    {
        var test = Series(480, 300, seed: 7);
        test[80].Value += 15;
        test[80].Label = 1;
        for (int i = 170; i < 190; i++)
        {
            test[i].Value += 8;
            test[i].Label = 1;
        }
        return test;
    }

    [Theory]
    [InlineData(SequenceAutoencoderKind.Lstm)]
    [InlineData(SequenceAutoencoderKind.LstmSequenceToSequence)]
    [InlineData(SequenceAutoencoderKind.Convolutional)]
    public void ContinuationAnomalies_AreFlagged_AndNormalPointsMostlyNot(SequenceAutoencoderKind kind)
    {
        var ml = new MLContext(seed: 1);
        var train = ml.Data.LoadFromEnumerable(Series(0, 480, seed: 5));
        var detector = ml.AnomalyDetection.Trainers.SequenceAutoencoder(Options(["Value"], kind)).Fit(train);
        var test = TestWithAnomalies();
        var scored = detector.Transform(ml.Data.LoadFromEnumerable(test));

        float[] scores = ColumnValues.Scalars(scored, "Score");
        bool[] flags = scored.GetColumn<bool>("PredictedLabel").ToArray();
        Assert.Equal(test.Count, scores.Length);
        Assert.True(flags[80], $"the spike scores {scores[80]}, threshold {detector.Threshold}");
        Assert.True(Enumerable.Range(170, 20).Count(i => flags[i]) >= 10, "most of the level shift is flagged");
        int falseAlarms = Enumerable.Range(0, test.Count).Count(i => flags[i] && test[i].Label == 0 && Math.Abs(i - 80) >= Window && (i < 170 - Window || i >= 190 + Window));
        Assert.True(falseAlarms <= 6, $"{falseAlarms} false alarms far from the anomalies");
        var metrics = ml.AnomalyDetection.Evaluate(scored);
        // The convolutional kind follows a level shift more closely than the LSTM (its "same" convolutions and biases carry a
        // constant offset through), so fewer of the shifted points rank above every normal one: 0.86 where the LSTM has 0.9+.
        double floor = kind == SequenceAutoencoderKind.Convolutional ? 0.8 : 0.9;
        Assert.True(metrics.AreaUnderRocCurve > floor, $"AUC {metrics.AreaUnderRocCurve:F3}");
    }

    [Fact]
    public void AContinuation_IsScoredAsTheEndOfTheJoinedSeries_AcrossBlocks()
    {
        var ml = new MLContext(seed: 1);
        var trainRows = Series(0, 480, seed: 5);
        var detector = ml.AnomalyDetection.Trainers.SequenceAutoencoder(Options(["Value", "Second"])).Fit(ml.Data.LoadFromEnumerable(trainRows));
        // Longer than two scoring blocks, so the windows shared across block edges are covered too.
        var continuation = Series(480, 600, seed: 7);
        float[] streamed = ColumnValues.Scalars(detector.Transform(ml.Data.LoadFromEnumerable(continuation)), "Score");

        // The joined series, standardized and scored whole in one pass: its last 600 points are the continuation.
        var joined = trainRows.Concat(continuation).ToList();
        float[] values = joined.SelectMany(s => new[] { (s.Value - detector.ChannelMeans[0]) / detector.ChannelScales[0], (s.Second - detector.ChannelMeans[1]) / detector.ChannelScales[1] }).ToArray();
        float[] whole = SequenceAnomalyEstimator.ScorePoints(detector.Model, Window, 2, values, threads: 1);
        ColumnValues.AssertClose(whole[480..], streamed, "streamed continuation vs the joined series");

        // As a series of its own, the continuation's first points lose the windows that reached into the training tail.
        float[] fresh = ColumnValues.Scalars(detector.WithHistory(false).Transform(ml.Data.LoadFromEnumerable(continuation)), "Score");
        ColumnValues.AssertClose(streamed[(Window - 1)..], fresh[(Window - 1)..], "points with every window inside the continuation");
        Assert.NotEqual(streamed[0], fresh[0]);
    }

    [Fact]
    public void ChannelErrors_PointAtTheChannelThatDeparts()
    {
        var ml = new MLContext(seed: 1);
        string[] channels = ["Value", "Second", "Third"];
        var detector = ml.AnomalyDetection.Trainers.SequenceAutoencoder(Options(channels)).Fit(ml.Data.LoadFromEnumerable(Series(0, 480, seed: 5)));
        var test = Series(480, 200, seed: 7);
        // A spike of 2 in Third, whose swing is 4; then Second stuck at its value for 12 steps (a flat-line).
        test[60].Third += 2;
        for (int i = 130; i < 142; i++) test[i].Second = test[129].Second;
        var scored = detector.Transform(ml.Data.LoadFromEnumerable(test));
        var errors = ColumnValues.Vectors(scored, "ChannelErrors");
        float[] scores = ColumnValues.Scalars(scored, "Score");

        Assert.Equal(2, ArgMax(errors[60]));
        Assert.Equal(1, ArgMax(Enumerable.Range(0, 3).Select(c => Enumerable.Range(130, 12).Sum(i => errors[i][c])).ToArray()));
        // Score is the channels' mean.
        for (int i = 0; i < test.Count; i++) Assert.Equal(errors[i].Average(), scores[i], 1e-5 * Math.Max(1, scores[i]));
    }

    private static int ArgMax(IReadOnlyList<float> values) => Enumerable.Range(0, values.Count).MaxBy(i => values[i]);

    [Theory]
    [InlineData(SequenceAutoencoderKind.Lstm)]
    [InlineData(SequenceAutoencoderKind.LstmSequenceToSequence)]
    public void SaveAndTypedLoad_KeepEverything_AndPlainLoadSaysWhichLoaderToUse(SequenceAutoencoderKind kind)
    {
        var ml = new MLContext(seed: 1);
        var train = ml.Data.LoadFromEnumerable(Series(0, 300, seed: 5));
        var options = Options(["Value", "Second"], kind);
        options.Autoencoder.Epochs = 3;
        var detector = ml.AnomalyDetection.Trainers.SequenceAutoencoder(options).Fit(train).ChangeContamination(0.05);
        var test = ml.Data.LoadFromEnumerable(TestWithAnomalies());

        using var file = new TemporaryFile();
        ml.Model.Save(detector, train.Schema, file.Path);
        var reloaded = SequenceAnomalyTransformer.LoadFromModelFile(file.Path);
        Assert.Equal(detector.Threshold, reloaded.Threshold);
        Assert.Equal(0.05, reloaded.Contamination);
        Assert.Equal(detector.ChannelMeans, reloaded.ChannelMeans);
        Assert.Equal(detector.Model.Spec, reloaded.Model.Spec);
        var expected = detector.Transform(test);
        var actual = reloaded.Transform(test);
        Assert.Equal(ColumnValues.Scalars(expected, "Score"), ColumnValues.Scalars(actual, "Score"));
        Assert.Equal(expected.GetColumn<bool>("PredictedLabel"), actual.GetColumn<bool>("PredictedLabel"));

        var loaded = new MLContext().Model.Load(file.Path, out _).Transform(test);
        Assert.Equal(ColumnValues.Scalars(test, "Value"), ColumnValues.Scalars(loaded, "Value"));
        var refusal = Record.Exception(() => loaded.GetColumn<float>("Score").ToArray());
        Assert.NotNull(refusal);
        Assert.Contains("SequenceAnomalyTransformer.LoadFromModelFile", refusal.ToString());
    }

    [Fact]
    public void WhatItCannotDo_IsRefusedWithTheReason()
    {
        var ml = new MLContext(seed: 1);
        var options = Options(["Value"]);
        options.Autoencoder.Epochs = 1;
        var wrongChannels = Options(["Value", "Second"]);
        wrongChannels.Architecture = SequenceArchitecture.LstmAutoencoder(Window, channels: 1);
        Assert.Contains("Channels = 2", Assert.Throws<ArgumentException>(() => ml.AnomalyDetection.Trainers.SequenceAutoencoder(wrongChannels)).Message);

        var tooShort = ml.Data.LoadFromEnumerable(Series(0, Window - 1, seed: 5));
        Assert.Contains("fewer than one window", Assert.Throws<InvalidOperationException>(() => ml.AnomalyDetection.Trainers.SequenceAutoencoder(options).Fit(tooShort)).Message);

        var detector = ml.AnomalyDetection.Trainers.SequenceAutoencoder(options).Fit(ml.Data.LoadFromEnumerable(Series(0, 200, seed: 5)));
        Assert.Throws<NotSupportedException>(() => detector.GetRowToRowMapper(ml.Data.LoadFromEnumerable(Series(0, 5, 1)).Schema));
        var shortFresh = detector.WithHistory(false).Transform(ml.Data.LoadFromEnumerable(Series(0, 5, 1)));
        Assert.Contains("fewer than one window", Assert.Throws<InvalidOperationException>(() => ColumnValues.Scalars(shortFresh, "Score")).Message);
        // With the training tail as history, even a single new row has its full window.
        Assert.Single(ColumnValues.Scalars(detector.Transform(ml.Data.LoadFromEnumerable(Series(200, 1, 1))), "Score"));

        // A gap (NaN) cannot be scored: flagged with Score +∞ and the culprit channel marked; its neighbours still scored.
        var gap = Series(200, 60, seed: 1);
        gap[30].Value = float.NaN;
        var scored = detector.Transform(ml.Data.LoadFromEnumerable(gap));
        float[] scores = ColumnValues.Scalars(scored, "Score");
        Assert.Equal(float.PositiveInfinity, scores[30]);
        Assert.True(scored.GetColumn<bool>("PredictedLabel").ElementAt(30));
        Assert.True(float.IsFinite(scores[29]) && float.IsFinite(scores[31]));
    }
}
