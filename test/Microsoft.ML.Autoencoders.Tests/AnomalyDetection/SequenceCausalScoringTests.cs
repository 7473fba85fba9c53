using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders.Tests.AnomalyDetection;

/// <summary>
/// Causal scoring (<see cref="SequenceScoring.Causal"/>): each point scored from the window that ends at it, its threshold
/// from the training points' causal scores, Transform reading no row ahead, and the monitor giving Transform's scores one
/// point at a time, gaps included, without allocating; what stays impossible says what to use instead.
/// </summary>
public sealed class SequenceCausalScoringTests
{
    private const int Window = 16;

    private sealed class Step
    {
        public float Cpu { get; set; }
        public float Memory { get; set; }
    }

    /// <summary>Points [from, from + count) of two noisy sines (period 16 and 8), offset and scaled so that standardization matters.</summary>
    private static List<Step> Series(int from, int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(from, count).Select(t => new Step
        {
            Cpu = (float)(40 + 8 * Math.Sin(2 * Math.PI * t / 16) + 0.4 * (random.NextDouble() - 0.5)),
            Memory = (float)(2 + Math.Cos(2 * Math.PI * t / 8) + 0.05 * (random.NextDouble() - 0.5)),
        }).ToList();
    }

    private static SequenceAnomalyOptions Options(SequenceScoring scoring, SequenceAutoencoderKind kind = SequenceAutoencoderKind.Lstm) => new()
    {
        ChannelColumnNames = ["Cpu", "Memory"],
        Architecture = kind == SequenceAutoencoderKind.Convolutional
            ? SequenceArchitecture.KerasConvolutional(Window, channels: 2) with { Filters = [8, 4], KernelSize = 5 }
            : SequenceArchitecture.LstmAutoencoder(Window, channels: 2, hiddenUnits: 12, codeSize: 4),
        Contamination = 0.02,
        ChannelErrorsColumnName = "ChannelErrors",
        Scoring = scoring,
        Autoencoder = new AutoencoderOptions { Epochs = 8, BatchSize = 32, LearningRate = 5e-3f, NumberOfThreads = 1, Seed = 4 },
    };

    private static readonly List<Step> TrainRows = Series(0, 300, seed: 5);

    private static SequenceAnomalyTransformer FitCausal(MLContext ml, SequenceAutoencoderKind kind = SequenceAutoencoderKind.Lstm) =>
        ml.AnomalyDetection.Trainers.SequenceAutoencoder(Options(SequenceScoring.Causal, kind)).Fit(ml.Data.LoadFromEnumerable(TrainRows));

    /// <summary>The continuation [300, 600) with a spike in Cpu at 380 (three of its swings).</summary>
    private static List<Step> Continuation()
    {
        var rows = Series(300, 300, seed: 7);
        rows[80].Cpu += 24;
        return rows;
    }

    private static float[] Standardized(SequenceAnomalyTransformer detector, IEnumerable<Step> rows) =>
        rows.SelectMany(s => new[] { (s.Cpu - detector.ChannelMeans[0]) / detector.ChannelScales[0], (s.Memory - detector.ChannelMeans[1]) / detector.ChannelScales[1] }).ToArray();

    [Fact]
    public void CausalScore_IsTheNewestStepsErrorInTheWindowEndingAtThePoint_AndTheThresholdIsItsTrainingQuantile()
    {
        var ml = new MLContext(seed: 1);
        var detector = FitCausal(ml);
        var continuation = Continuation();
        var scored = detector.Transform(ml.Data.LoadFromEnumerable(continuation));
        float[] scores = ColumnValues.Scalars(scored, "Score");
        bool[] flags = scored.GetColumn<bool>("PredictedLabel").ToArray();
        var channelErrors = ColumnValues.Vectors(scored, "ChannelErrors");

        // Each window of the joined series, reconstructed in one batch: point p's score is window [p − T + 1, p]'s last step.
        float[] joined = Standardized(detector, TrainRows.Concat(continuation));
        int windows = joined.Length / 2 - Window + 1;
        var batch = new float[windows * Window * 2];
        for (int w = 0; w < windows; w++) joined.AsSpan(w * 2, Window * 2).CopyTo(batch.AsSpan(w * Window * 2));
        float[] reconstruction = detector.Model.Reconstruct(batch, windows, threads: 1);
        float[] expected = Enumerable.Range(0, windows).Select(w =>
        {
            int last = (w * Window + Window - 1) * 2;
            float cpu = batch[last] - reconstruction[last], memory = batch[last + 1] - reconstruction[last + 1];
            return (cpu * cpu + memory * memory) / 2;
        }).ToArray();
        ColumnValues.AssertClose(expected[(TrainRows.Count - Window + 1)..], scores, "causal scores of the continuation");
        for (int i = 0; i < scores.Length; i++) Assert.Equal(scores[i], channelErrors[i].Average(), 1e-5 * Math.Max(1, scores[i]));

        // The threshold is the (1 − 0.02) quantile of the training points' causal scores: those of the points that end a window.
        float[] training = expected[..(TrainRows.Count - Window + 1)];
        Assert.Equal(SequenceScoring.Causal, detector.Scoring);
        Assert.Equal(training.Length, detector.TrainingScores.Count);
        Assert.Equal(AnomalyThreshold.FromContamination(AnomalyScoreDistribution.FromScores(training), 0.02, normalizedScores: false), detector.Threshold, 1e-5f);
        Assert.Equal(scores.Select(s => s > detector.Threshold), flags);
        Assert.True(flags[80], $"the spike scores {scores[80]} against {detector.Threshold}");
        Assert.Equal(0, ArgMax(channelErrors[80]));
    }

    [Fact]
    public void WithoutHistory_TheFirstPointsHaveNoWindow_AndScoreNaNUnflagged()
    {
        var ml = new MLContext(seed: 1);
        var detector = FitCausal(ml);
        var continuation = Continuation();
        float[] withHistory = ColumnValues.Scalars(detector.Transform(ml.Data.LoadFromEnumerable(continuation)), "Score");
        var fresh = detector.WithHistory(false).Transform(ml.Data.LoadFromEnumerable(continuation));
        float[] scores = ColumnValues.Scalars(fresh, "Score");
        bool[] flags = fresh.GetColumn<bool>("PredictedLabel").ToArray();

        Assert.All(scores[..(Window - 1)], s => Assert.True(float.IsNaN(s)));
        Assert.All(flags[..(Window - 1)], Assert.False);
        ColumnValues.AssertClose(withHistory[(Window - 1)..], scores[(Window - 1)..], "points whose window lies inside the continuation");
        // Even a view shorter than a window is scored (NaN where no window ends), unlike centered scoring, which refuses it.
        Assert.Equal(5, ColumnValues.Scalars(detector.WithHistory(false).Transform(ml.Data.LoadFromEnumerable(continuation.Take(5))), "Score").Length);
    }

    [Fact]
    public void CausalTransform_ReadsNoRowAhead_WhileCenteredReadsAWindowAhead()
    {
        var ml = new MLContext(seed: 1);
        var causal = FitCausal(ml);
        var centered = ml.AnomalyDetection.Trainers.SequenceAutoencoder(Options(SequenceScoring.Centered)).Fit(ml.Data.LoadFromEnumerable(TrainRows));
        var rows = Continuation();

        foreach (var (detector, readsAhead) in new[] { (causal, false), (centered, true) })
        {
            int produced = 0;
            IEnumerable<Step> Live() { foreach (var row in rows) { produced++; yield return row; } }
            var scored = detector.Transform(ml.Data.LoadFromEnumerable(Live()));
            using var cursor = scored.GetRowCursor(scored.Schema);
            var score = cursor.GetGetter<float>(scored.Schema["Score"]);
            float value = 0;
            int mostAhead = 0;
            for (int row = 0; cursor.MoveNext(); row++)
            {
                score(ref value);
                // Rows pulled from the source beyond the ones up to this row (a second cursor's pulls count too).
                mostAhead = Math.Max(mostAhead, produced - (row + 1));
            }
            if (readsAhead) Assert.True(mostAhead >= Window - 1, $"centered read {mostAhead} rows ahead");
            else Assert.Equal(0, mostAhead);
        }
    }

    [Theory]
    [InlineData(true, SequenceAutoencoderKind.Lstm)]
    [InlineData(false, SequenceAutoencoderKind.Lstm)]
    [InlineData(true, SequenceAutoencoderKind.Convolutional)]
    public void Monitor_GivesTransformsScoresOnePointAtATime(bool continuesTrainingSeries, SequenceAutoencoderKind kind)
    {
        var ml = new MLContext(seed: 1);
        var detector = FitCausal(ml, kind).WithHistory(continuesTrainingSeries);
        var continuation = Continuation();
        var scored = detector.Transform(ml.Data.LoadFromEnumerable(continuation));
        float[] scores = ColumnValues.Scalars(scored, "Score");
        bool[] flags = scored.GetColumn<bool>("PredictedLabel").ToArray();
        var channelErrors = ColumnValues.Vectors(scored, "ChannelErrors");

        var monitor = detector.CreateMonitor();
        Assert.Equal(detector.Threshold, monitor.Threshold);
        for (int i = 0; i < continuation.Count; i++)
        {
            var reading = monitor.Observe([continuation[i].Cpu, continuation[i].Memory]);
            Assert.Equal(i, reading.Point);
            Assert.Equal(flags[i], reading.IsAnomaly);
            Assert.Equal(!float.IsNaN(scores[i]), reading.IsScored);
            if (!reading.IsScored) continue;
            ColumnValues.AssertClose(scores[i], reading.Score, $"point {i}");
            ColumnValues.AssertClose([channelErrors[i]], [monitor.ChannelErrors.ToArray()], $"point {i}'s channel errors");
        }
        Assert.Equal(continuation.Count, monitor.PointsObserved);
    }

    [Fact]
    public void Gaps_AreAlarmsAtThePoint_ThenNoScoreWhileInTheWindow_InTheMonitorAndTransformAlike()
    {
        var ml = new MLContext(seed: 1);
        var detector = FitCausal(ml);
        var rows = Series(300, 60, seed: 7);
        rows[20].Memory = float.NaN;
        rows[40].Cpu = float.PositiveInfinity;
        var scored = detector.Transform(ml.Data.LoadFromEnumerable(rows));
        float[] scores = ColumnValues.Scalars(scored, "Score");
        bool[] flags = scored.GetColumn<bool>("PredictedLabel").ToArray();

        var monitor = detector.CreateMonitor();
        for (int i = 0; i < rows.Count; i++)
        {
            var reading = monitor.Observe([rows[i].Cpu, rows[i].Memory]);
            Assert.Equal(flags[i], reading.IsAnomaly);
            Assert.Equal(scores[i], reading.Score, 1e-5f);
            if (i is 20 or 40)
            {
                Assert.Equal(float.PositiveInfinity, reading.Score);
                Assert.True(reading.IsAnomaly);
                Assert.Equal(i == 20 ? new[] { 0f, float.PositiveInfinity } : [float.PositiveInfinity, 0f], monitor.ChannelErrors.ToArray());
            }
            else if (i is > 20 and < 20 + Window or > 40 and < 40 + Window)
            {
                Assert.False(reading.IsScored, $"point {i}'s window holds the gap");
                Assert.False(reading.IsAnomaly);
            }
            else Assert.True(float.IsFinite(reading.Score), $"point {i}");
        }
    }

    [Theory]
    [InlineData(SequenceAutoencoderKind.Lstm)]
    [InlineData(SequenceAutoencoderKind.LstmSequenceToSequence)]
    [InlineData(SequenceAutoencoderKind.Convolutional)]
    public void Monitor_AllocatesNothingPerPoint_AfterWarmUp(SequenceAutoencoderKind kind)
    {
        var ml = new MLContext(seed: 1);
        var options = Options(SequenceScoring.Causal, kind);
        if (kind == SequenceAutoencoderKind.LstmSequenceToSequence)
            options.Architecture = SequenceArchitecture.LstmSequenceToSequence(Window, channels: 2, hiddenUnits: 12, codeSize: 4);
        options.Autoencoder.Epochs = 1;
        var monitor = ml.AnomalyDetection.Trainers.SequenceAutoencoder(options).Fit(ml.Data.LoadFromEnumerable(TrainRows)).CreateMonitor();
        var rows = Continuation();
        float[] point = new float[2];
        // The runtime's tiered compilation allocates now and then while it promotes the hot methods (none with
        // DOTNET_TieredCompilation=0), so measure rounds of points, pausing for the background compiler between them, until
        // one allocates nothing; an allocation per point would show in every round.
        var rounds = new List<long>();
        for (int round = 0; round < 10 && (rounds.Count == 0 || rounds[^1] != 0); round++)
        {
            Thread.Sleep(round == 0 ? 0 : 200);
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < rows.Count; i++) Observe(i);
            rounds.Add(GC.GetAllocatedBytesForCurrentThread() - before);
        }

        Assert.True(rounds[^1] == 0, $"bytes allocated per round of {rows.Count} points: {string.Join(", ", rounds)}");

        void Observe(int i)
        {
            point[0] = rows[i].Cpu;
            point[1] = rows[i].Memory;
            monitor.Observe(point);
        }
    }

    [Fact]
    public void CentredDetector_HasNoMonitor_AndNeitherHasAPredictionEngine_BothNamingTheMonitor()
    {
        var ml = new MLContext(seed: 1);
        var options = Options(SequenceScoring.Centered);
        options.Autoencoder.Epochs = 1;
        var centered = ml.AnomalyDetection.Trainers.SequenceAutoencoder(options).Fit(ml.Data.LoadFromEnumerable(TrainRows));
        options.Scoring = SequenceScoring.Causal;
        var causal = ml.AnomalyDetection.Trainers.SequenceAutoencoder(options).Fit(ml.Data.LoadFromEnumerable(TrainRows));

        Assert.Contains("SequenceScoring.Causal", Assert.Throws<InvalidOperationException>(() => centered.CreateMonitor()).Message);
        var schema = ml.Data.LoadFromEnumerable(TrainRows).Schema;
        foreach (var detector in new[] { centered, causal })
        {
            Assert.Contains("CreateMonitor()", Assert.Throws<NotSupportedException>(() => detector.GetRowToRowMapper(schema)).Message);
            // ML.NET refuses a prediction engine itself, from IsRowToRowMapper, before asking the detector for a mapper.
            Assert.False(detector.IsRowToRowMapper);
            Assert.ThrowsAny<ArgumentException>(() => ml.Model.CreatePredictionEngine<Step, ScoreRow>(detector));
        }
        Assert.Contains("2 channel values", Assert.Throws<ArgumentException>(() => causal.CreateMonitor().Observe([1f])).Message);
        var undefined = Options((SequenceScoring)7);
        Assert.Throws<ArgumentOutOfRangeException>(() => ml.AnomalyDetection.Trainers.SequenceAutoencoder(undefined));
    }

    private sealed class ScoreRow
    {
        public float Score { get; set; }
    }

    [Fact]
    public void CausalScoring_SurvivesSaveAndBothLoaders()
    {
        var ml = new MLContext(seed: 1);
        var detector = FitCausal(ml).ChangeContamination(0.05);
        var train = ml.Data.LoadFromEnumerable(TrainRows);
        var test = ml.Data.LoadFromEnumerable(Continuation());
        using var file = new TemporaryFile();
        ml.Model.Save(detector, train.Schema, file.Path);

        var typed = SequenceAnomalyTransformer.LoadFromModelFile(file.Path);
        var batched = new MLContext().Model.LoadWithBatchedScoring(file.Path, out _);

        Assert.Equal(SequenceScoring.Causal, typed.Scoring);
        Assert.Equal(SequenceScoring.Causal, Assert.IsType<SequenceAnomalyTransformer>(batched).Scoring);
        Assert.Equal(detector.Threshold, typed.Threshold);
        float[] expected = ColumnValues.Scalars(detector.Transform(test), "Score");
        Assert.Equal(expected, ColumnValues.Scalars(typed.Transform(test), "Score"));
        Assert.Equal(expected, ColumnValues.Scalars(batched.Transform(test), "Score"));
        var first = Continuation()[0];
        Assert.Equal(expected[0], typed.CreateMonitor().Observe([first.Cpu, first.Memory]).Score, 1e-5f);
        // Plain Model.Load still refuses to make up a score, naming the loaders.
        var loaded = new MLContext().Model.Load(file.Path, out _).Transform(test);
        Assert.Contains("LoadFromModelFile", Record.Exception(() => loaded.GetColumn<float>("Score").ToArray())!.ToString());
    }

    /// <summary>
    /// A centered detector is saved exactly as before causal scoring (state format 1, no Scoring), so older libraries still
    /// read it; a causal one as format 2, which they refuse instead of scoring it with the centered rule.
    /// </summary>
    [Theory]
    [InlineData(SequenceScoring.Centered, 1)]
    [InlineData(SequenceScoring.Causal, 2)]
    public void SavedState_IsFormatOneForCentered_AndTwoForCausal(SequenceScoring scoring, int version)
    {
        var ml = new MLContext(seed: 1);
        var options = Options(scoring);
        options.Autoencoder.Epochs = 1;
        var train = ml.Data.LoadFromEnumerable(TrainRows);
        var detector = ml.AnomalyDetection.Trainers.SequenceAutoencoder(options).Fit(train);
        using var file = new TemporaryFile();
        ml.Model.Save(detector, train.Schema, file.Path);

        using var zip = File.OpenRead(file.Path);
        var graph = Assert.Single(Microsoft.ML.Autoencoders.Persistence.SavedModelArchive.OnnxModels(zip));
        using var state = System.Text.Json.JsonDocument.Parse(Microsoft.ML.Autoencoders.Onnx.OnnxModelReader.Parse(graph).Metadata[SequenceDetectorArchive.StateKey]);

        Assert.Equal(version, state.RootElement.GetProperty("Version").GetInt32());
        Assert.Equal(scoring == SequenceScoring.Causal, state.RootElement.TryGetProperty("Scoring", out _));
    }

    private static int ArgMax(IReadOnlyList<float> values) => Enumerable.Range(0, values.Count).MaxBy(i => values[i]);
}
