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

    /// <summary>
    /// The causal scores and channel errors of <paramref name="rows"/> worked out here, apart from the detector's cursor and
    /// monitor: the history and the rows joined into one series, standardized with the detector's saved statistics; the
    /// window ending at each row cut from it and all of them reconstructed in one batch; a row's channel errors its window's
    /// newest step's squared errors, its score their mean. A row holding NaN or ±∞ scores +∞ (+∞ at its bad channels, 0 at
    /// the others); a row with fewer than T − 1 points before it, or whose window holds such a row, scores NaN.
    /// </summary>
    private static (float[] Scores, float[][] ChannelErrors) IndependentCausalScores(
        SequenceAnomalyTransformer detector, IReadOnlyList<Step> history, IReadOnlyList<Step> rows)
    {
        float[] joined = Standardized(detector, history.Concat(rows));
        bool Finite(int point) => float.IsFinite(joined[2 * point]) && float.IsFinite(joined[2 * point + 1]);
        int[] ends = Enumerable.Range(history.Count, rows.Count)
            .Where(p => p >= Window - 1 && Enumerable.Range(p - Window + 1, Window).All(Finite)).ToArray();
        var batch = new float[ends.Length * Window * 2];
        for (int w = 0; w < ends.Length; w++) joined.AsSpan((ends[w] - Window + 1) * 2, Window * 2).CopyTo(batch.AsSpan(w * Window * 2));
        float[] reconstruction = ends.Length == 0 ? [] : detector.Model.Reconstruct(batch, ends.Length, threads: 1);

        var scores = new float[rows.Count];
        var channelErrors = new float[rows.Count][];
        for (int r = 0; r < rows.Count; r++)
        {
            int point = history.Count + r, w = Array.IndexOf(ends, point);
            if (!Finite(point))
                channelErrors[r] = [.. joined.AsSpan(point * 2, 2).ToArray().Select(v => float.IsFinite(v) ? 0f : float.PositiveInfinity)];
            else if (w < 0)
                channelErrors[r] = [float.NaN, float.NaN];
            else
            {
                int newest = (w * Window + Window - 1) * 2;
                channelErrors[r] = [.. Enumerable.Range(newest, 2).Select(i => (batch[i] - reconstruction[i]) * (batch[i] - reconstruction[i]))];
            }
            scores[r] = !Finite(point) ? float.PositiveInfinity : channelErrors[r].Average();
        }
        return (scores, channelErrors);
    }

    /// <summary>Holds <paramref name="actual"/> to <paramref name="expected"/>: NaN and +∞ exactly where expected, finite scores within 1e-5 relative.</summary>
    private static void AssertScores(float[] expected, IReadOnlyList<float> actual, string what)
    {
        Assert.Equal(expected.Length, actual.Count);
        for (int i = 0; i < expected.Length; i++)
        {
            if (float.IsFinite(expected[i])) ColumnValues.AssertClose(expected[i], actual[i], $"{what}, point {i}");
            else Assert.True(expected[i].Equals(actual[i]), $"{what}, point {i}: expected {expected[i]}, got {actual[i]}");
        }
    }

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
        // Even a view shorter than a window is scored — every row NaN, as no window ends in it — unlike centered scoring, which refuses it.
        float[] shortView = ColumnValues.Scalars(detector.WithHistory(false).Transform(ml.Data.LoadFromEnumerable(continuation.Take(5))), "Score");
        Assert.Equal(5, shortView.Length);
        Assert.All(shortView, s => Assert.True(float.IsNaN(s), $"{s} where no window ends"));
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

    /// <summary>
    /// Transform and the monitor, each against the scores worked out independently (<see cref="IndependentCausalScores"/>):
    /// with the training series as history and without, LSTM and convolutional.
    /// </summary>
    [Theory]
    [InlineData(true, SequenceAutoencoderKind.Lstm)]
    [InlineData(false, SequenceAutoencoderKind.Lstm)]
    [InlineData(true, SequenceAutoencoderKind.Convolutional)]
    public void TransformAndMonitor_GiveTheBatchedCausalScores(bool continuesTrainingSeries, SequenceAutoencoderKind kind)
    {
        var ml = new MLContext(seed: 1);
        var detector = FitCausal(ml, kind).WithHistory(continuesTrainingSeries);
        var continuation = Continuation();
        var (expected, expectedChannelErrors) = IndependentCausalScores(detector, continuesTrainingSeries ? TrainRows : [], continuation);
        Assert.Equal(continuesTrainingSeries ? 0 : Window - 1, expected.Count(float.IsNaN));

        var scored = detector.Transform(ml.Data.LoadFromEnumerable(continuation));
        AssertScores(expected, ColumnValues.Scalars(scored, "Score"), "Transform");
        Assert.Equal(expected.Select(s => s > detector.Threshold), scored.GetColumn<bool>("PredictedLabel"));
        var channelErrors = ColumnValues.Vectors(scored, "ChannelErrors");
        for (int i = 0; i < continuation.Count; i++) AssertScores(expectedChannelErrors[i], channelErrors[i], $"Transform's channel errors at {i}");

        var monitor = detector.CreateMonitor();
        Assert.Equal(detector.Threshold, monitor.Threshold);
        var readings = new List<float>();
        for (int i = 0; i < continuation.Count; i++)
        {
            var reading = monitor.Observe([continuation[i].Cpu, continuation[i].Memory]);
            Assert.Equal(i, reading.Point);
            Assert.Equal(expected[i] > detector.Threshold, reading.IsAnomaly);
            Assert.Equal(!float.IsNaN(expected[i]), reading.IsScored);
            AssertScores(expectedChannelErrors[i], monitor.ChannelErrors.ToArray(), $"the monitor's channel errors at {i}");
            readings.Add(reading.Score);
        }
        AssertScores(expected, readings, "the monitor");
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
        var (expected, expectedChannelErrors) = IndependentCausalScores(detector, TrainRows, rows);
        var scored = detector.Transform(ml.Data.LoadFromEnumerable(rows));
        AssertScores(expected, ColumnValues.Scalars(scored, "Score"), "Transform");
        bool[] flags = scored.GetColumn<bool>("PredictedLabel").ToArray();
        Assert.Equal(expected.Select(s => s > detector.Threshold), flags);
        var channelErrors = ColumnValues.Vectors(scored, "ChannelErrors");
        for (int i = 0; i < rows.Count; i++) AssertScores(expectedChannelErrors[i], channelErrors[i], $"Transform's channel errors at {i}");

        var monitor = detector.CreateMonitor();
        for (int i = 0; i < rows.Count; i++)
        {
            var reading = monitor.Observe([rows[i].Cpu, rows[i].Memory]);
            AssertScores([expected[i]], [reading.Score], $"the monitor at {i}");
            AssertScores(expectedChannelErrors[i], monitor.ChannelErrors.ToArray(), $"the monitor's channel errors at {i}");
            Assert.Equal(flags[i], reading.IsAnomaly);
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

    /// <summary>
    /// A monitor started from the caller's latest points scores as if they were the history: all T − 1 of them, fewer
    /// (the first points then wait for a full window), or with a gap among them (blind while it is in the window).
    /// </summary>
    [Fact]
    public void MonitorFromRecentPoints_StartsFromThem_NotFromTheTrainingSeries()
    {
        var ml = new MLContext(seed: 1);
        var detector = FitCausal(ml);
        var feed = Series(1000, 140, seed: 9); // a stream that starts long after training ended
        var recent = feed[..40];
        var live = feed[40..];
        static float[] Raw(IEnumerable<Step> steps) => steps.SelectMany(s => new[] { s.Cpu, s.Memory }).ToArray();
        float[] Observed(SequenceAnomalyMonitor monitor) => live.Select(s => monitor.Observe([s.Cpu, s.Memory]).Score).ToArray();

        // More than T − 1 given: the last T − 1 are the history.
        var (expected, _) = IndependentCausalScores(detector, recent, live);
        Assert.DoesNotContain(expected, float.IsNaN);
        AssertScores(expected, Observed(detector.CreateMonitor(Raw(recent))), "from 40 recent points");
        var withoutHistory = detector.WithHistory(false);
        AssertScores(expected, Observed(withoutHistory.CreateMonitor(Raw(recent[^(Window - 1)..]))), "from the last T − 1, without training history");
        // The training tail is another history: the first point's window differs.
        float fromTrainingTail = Observed(detector.CreateMonitor())[0];
        Assert.True(Math.Abs(expected[0] - fromTrainingTail) > 1e-6, $"{expected[0]} from the recent points, {fromTrainingTail} from the training tail");

        // Fewer: the first T − 1 − 5 points observed have no window yet.
        var (fromFive, _) = IndependentCausalScores(detector, recent[^5..], live);
        Assert.Equal(Window - 1 - 5, fromFive.Count(float.IsNaN));
        AssertScores(fromFive, Observed(detector.CreateMonitor(Raw(recent[^5..]))), "from 5 recent points");
        var (fromNone, _) = IndependentCausalScores(detector, [], live);
        AssertScores(fromNone, Observed(detector.CreateMonitor(ReadOnlySpan<float>.Empty)), "from no recent point");

        // A gap among them: the points whose window still holds it score NaN.
        var gapped = recent.Select(s => new Step { Cpu = s.Cpu, Memory = s.Memory }).ToList();
        gapped[^3].Memory = float.NaN;
        var (afterGap, _) = IndependentCausalScores(detector, gapped, live);
        Assert.Equal(Window - 3, afterGap.Count(float.IsNaN));
        AssertScores(afterGap, Observed(detector.CreateMonitor(Raw(gapped))), "after a recent gap");

        Assert.Contains("whole number of points", Assert.Throws<ArgumentException>(() => detector.CreateMonitor(new float[3])).Message);
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
        // two in a row allocate nothing; an allocation per point would show in every round.
        var rounds = new List<long>();
        for (int round = 0; round < 12 && !(rounds.Count >= 2 && rounds[^1] == 0 && rounds[^2] == 0); round++)
        {
            Thread.Sleep(round == 0 ? 0 : 200);
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < rows.Count; i++) Observe(i);
            rounds.Add(GC.GetAllocatedBytesForCurrentThread() - before);
        }

        Assert.True(rounds.Count >= 2 && rounds[^1] == 0 && rounds[^2] == 0, $"bytes allocated per round of {rows.Count} points: {string.Join(", ", rounds)}");

        void Observe(int i)
        {
            point[0] = rows[i].Cpu;
            point[1] = rows[i].Memory;
            monitor.Observe(point);
        }
    }

    /// <summary>Past the last row there is no row: the detector's outputs throw, as ML.NET's cursors do, in both scorings.</summary>
    [Theory]
    [InlineData(SequenceScoring.Causal)]
    [InlineData(SequenceScoring.Centered)]
    public void Cursor_PastTheLastRow_ReadsNoScore(SequenceScoring scoring)
    {
        var ml = new MLContext(seed: 1);
        var options = Options(scoring);
        options.Autoencoder.Epochs = 1;
        var detector = ml.AnomalyDetection.Trainers.SequenceAutoencoder(options).Fit(ml.Data.LoadFromEnumerable(TrainRows));
        var scored = detector.Transform(ml.Data.LoadFromEnumerable(Series(300, 40, seed: 7)));
        using var cursor = scored.GetRowCursor(scored.Schema);
        var score = cursor.GetGetter<float>(scored.Schema["Score"]);
        var label = cursor.GetGetter<bool>(scored.Schema["PredictedLabel"]);
        var channelErrors = cursor.GetGetter<VBuffer<float>>(scored.Schema["ChannelErrors"]);
        float value = 0;
        bool flag = false;
        var errors = default(VBuffer<float>);
        int rows = 0;
        while (cursor.MoveNext()) { score(ref value); rows++; }
        Assert.Equal(40, rows);

        Assert.Throws<InvalidOperationException>(() => score(ref value));
        Assert.Throws<InvalidOperationException>(() => label(ref flag));
        Assert.Throws<InvalidOperationException>(() => channelErrors(ref errors));
    }

    /// <summary>
    /// A contamination threshold read from fewer than ⌈1/contamination⌉ training scores sits at the largest of them: Fit
    /// warns (centered never refused, so neither scoring does), counting a causal detector's N − T + 1 scores, not N.
    /// </summary>
    [Theory]
    [InlineData(SequenceScoring.Causal, 60, true)]     // 45 scores < 50
    [InlineData(SequenceScoring.Centered, 60, false)]  // 60 scores
    [InlineData(SequenceScoring.Centered, 40, true)]   // 40 scores < 50
    [InlineData(SequenceScoring.Causal, 80, false)]    // 65 scores
    public void ThresholdFromTooFewTrainingScores_Warns(SequenceScoring scoring, int trainingPoints, bool warns)
    {
        var ml = new MLContext(seed: 1);
        var log = new LogLines(ml);
        var options = Options(scoring);
        options.Autoencoder.Epochs = 1;
        var detector = ml.AnomalyDetection.Trainers.SequenceAutoencoder(options).Fit(ml.Data.LoadFromEnumerable(TrainRows[..trainingPoints]));

        int scores = scoring == SequenceScoring.Causal ? trainingPoints - Window + 1 : trainingPoints;
        Assert.Equal(scores, detector.TrainingScores.Count);
        var warnings = log.Warnings.Where(w => w.Contains("quantile")).ToList();
        if (!warns)
        {
            Assert.Empty(warnings);
            return;
        }
        string warning = Assert.Single(warnings);
        Assert.Contains($"the {scores} training points", warning);
        Assert.Contains("= 50", warning);
        Assert.Contains("a longer training series", warning);
        Assert.Contains("an explicit Threshold", warning);
        Assert.Equal(scoring == SequenceScoring.Causal, warning.Contains("a shorter window"));
        // An explicit threshold reads no quantile, so nothing to warn about.
        options.Contamination = null;
        options.Threshold = 1f;
        var quiet = new MLContext(seed: 1);
        var quietLog = new LogLines(quiet);
        quiet.AnomalyDetection.Trainers.SequenceAutoencoder(options).Fit(quiet.Data.LoadFromEnumerable(TrainRows[..trainingPoints]));
        Assert.DoesNotContain(quietLog.Warnings, w => w.Contains("quantile"));
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
        string refusal = Record.Exception(() => loaded.GetColumn<float>("Score").ToArray())!.ToString();
        Assert.Contains("LoadFromModelFile", refusal);
        Assert.Contains("CreateMonitor()", refusal); // for whoever loaded it to build a prediction engine
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
