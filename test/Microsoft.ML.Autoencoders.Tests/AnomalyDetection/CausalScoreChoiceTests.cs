using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Data;
using Xunit.Abstractions;

namespace Microsoft.ML.Autoencoders.Tests.AnomalyDetection;

/// <summary>
/// Why the causal score is the newest step's error and not the mean error of the window that ends at the point: on a
/// noisy sine with a spike, a dip, a level shift, a faster cycle and a flat-line, both alarm within a step or two of each
/// anomaly's start, but the window's mean keeps every anomaly in the scores of the T − 1 points after it, so at the same
/// training contamination it flags far more normal points (docs/sequence-autoencoders.md, "Causal scoring and the live monitor").
/// </summary>
public sealed class CausalScoreChoiceTests(ITestOutputHelper output)
{
    private const int Window = 24, TrainPoints = 800, Points = 1500;
    private const double Contamination = 0.01;

    private sealed class Step
    {
        public float Value { get; set; }
    }

    [Fact]
    public void NewestStep_FlagsFewerNormalPointsThanTheWindowMean_AndAlarmsAsEarly()
    {
        var (values, anomalies, starts) = SeriesWithAnomalies();
        var ml = new MLContext(seed: 1);
        var detector = ml.AnomalyDetection.Trainers.SequenceAutoencoder(new SequenceAnomalyOptions
        {
            ChannelColumnNames = ["Value"],
            Architecture = SequenceArchitecture.LstmAutoencoder(Window, channels: 1, hiddenUnits: 32, codeSize: 8),
            Contamination = Contamination,
            Scoring = SequenceScoring.Causal,
            Autoencoder = new AutoencoderOptions { Epochs = 20, BatchSize = 32, LearningRate = 3e-3f, Seed = 1, NumberOfThreads = 1 },
        }).Fit(ml.Data.LoadFromEnumerable(values[..TrainPoints].Select(v => new Step { Value = v })));

        // Every window of the whole series; the score of point p comes from the window that ends at p, either way.
        float[] standardized = values.Select(v => (v - detector.ChannelMeans[0]) / detector.ChannelScales[0]).ToArray();
        int windows = Points - Window + 1;
        var batch = new float[windows * Window];
        for (int w = 0; w < windows; w++) standardized.AsSpan(w, Window).CopyTo(batch.AsSpan(w * Window));
        float[] reconstruction = detector.Model.Reconstruct(batch, windows, threads: 1);
        float[] newest = new float[windows], mean = new float[windows];
        for (int w = 0; w < windows; w++)
        {
            float last = batch[w * Window + Window - 1] - reconstruction[w * Window + Window - 1];
            newest[w] = last * last;
            double sum = 0;
            for (int k = 0; k < Window; k++) sum += Math.Pow(batch[w * Window + k] - reconstruction[w * Window + k], 2);
            mean[w] = (float)(sum / Window);
        }
        var newestFlags = Flags(newest);
        var meanFlags = Flags(mean);
        // The detector's own causal scores are the newest step's.
        float[] transformed = ColumnValues.Scalars(detector.Transform(ml.Data.LoadFromEnumerable(values[TrainPoints..].Select(v => new Step { Value = v }))), "Score");
        ColumnValues.AssertClose(newest[(TrainPoints - Window + 1)..], transformed, "Transform's causal scores");

        int normalNewest = FalseAlarms(newestFlags), normalMean = FalseAlarms(meanFlags);
        int[] delaysNewest = starts.Select(s => Delay(newestFlags, s)).ToArray(), delaysMean = starts.Select(s => Delay(meanFlags, s)).ToArray();
        output.WriteLine($"normal points flagged: newest step {normalNewest}, window mean {normalMean}; " +
            $"delays newest [{string.Join(", ", delaysNewest)}], mean [{string.Join(", ", delaysMean)}]");
        Assert.True(normalNewest * 1.5 < normalMean, $"newest step flags {normalNewest} normal points, the window mean {normalMean}");
        Assert.All(delaysNewest, d => Assert.InRange(d, 0, 3));
        Assert.True(delaysNewest.Sum() <= delaysMean.Sum() + 2, "the newest step alarms about as early");

        // Alarms on the test points at the (1 − contamination) quantile of the training points' scores of the same kind.
        bool[] Flags(float[] scores)
        {
            var training = scores[..(TrainPoints - Window + 1)].Order().ToArray();
            float threshold = training[(int)Math.Floor((1 - Contamination) * (training.Length - 1))];
            return scores[(TrainPoints - Window + 1)..].Select(s => s > threshold).ToArray();
        }

        int FalseAlarms(bool[] flags) => Enumerable.Range(0, flags.Length).Count(i => flags[i] && !anomalies[TrainPoints + i]);

        // Steps from an anomaly's first point to the first alarm at or after it (−1: none within a window).
        static int Delay(bool[] flags, int start)
        {
            for (int d = 0; d < Window; d++) if (flags[start - TrainPoints + d]) return d;
            return -1;
        }
    }

    /// <summary>A sine of period 24 with uniform noise; anomalies in the test part: spike, dip, shift, double speed, flat-line.</summary>
    private static (float[] Values, bool[] Anomalies, int[] Starts) SeriesWithAnomalies()
    {
        var random = new Random(1);
        var values = new float[Points];
        var anomalies = new bool[Points];
        double phase = 0;
        for (int t = 0; t < Points; t++)
        {
            phase += 2 * Math.PI / (t is >= 1200 and < 1230 ? 12 : 24);
            values[t] = (float)(10 * Math.Sin(phase) + 2 * (random.NextDouble() - 0.5));
        }
        values[900] += 8;
        values[1000] -= 8;
        for (int t = 1080; t < 1100; t++) values[t] += 6;
        for (int t = 1320; t < 1340; t++) values[t] = values[1319];
        foreach (var (from, to) in new[] { (900, 901), (1000, 1001), (1080, 1100), (1200, 1230), (1320, 1340) })
            for (int t = from; t < to; t++) anomalies[t] = true;
        return (values, anomalies, [900, 1000, 1080, 1200, 1320]);
    }
}
