using Microsoft.ML;
using Microsoft.ML.Data;

namespace SeriesAnomaly;

/// <summary>
/// The simple detectors the sequence autoencoders are measured against, each scoring every point of the joined series
/// (training part first), so thresholds come from the training points as the autoencoders' do.
/// </summary>
internal static class Baselines
{
    /// <summary>
    /// Rolling z-score: |x_t − mean| / sd over the <paramref name="window"/> points before t (fewer at the very start; the
    /// first two points score 0). What a dashboard alert rule does.
    /// </summary>
    public static float[] RollingZScore(IReadOnlyList<float> series, int window)
    {
        var scores = new float[series.Count];
        for (int t = 2; t < series.Count; t++)
        {
            int from = Math.Max(0, t - window);
            double mean = 0, squares = 0;
            for (int i = from; i < t; i++) mean += series[i];
            mean /= t - from;
            for (int i = from; i < t; i++) squares += (series[i] - mean) * (series[i] - mean);
            double sd = Math.Sqrt(squares / (t - from));
            scores[t] = (float)(Math.Abs(series[t] - mean) / Math.Max(sd, 1e-6));
        }
        return scores;
    }

    private sealed class WindowRow
    {
        public float[] Features { get; set; } = [];
    }

    /// <summary>
    /// ML.NET's RandomizedPca on the same windows the autoencoders see: every window of <paramref name="window"/> steps of
    /// the series standardized with the training part's mean and sd, trained on the windows inside the first
    /// <paramref name="trainPoints"/>; a point's score is the mean of the scores of the windows that cover it, the rule the
    /// sequence detector uses.
    /// </summary>
    public static float[] RandomizedPcaOnWindows(MLContext ml, IReadOnlyList<float> series, int trainPoints, int window, int rank)
    {
        float mean = series.Take(trainPoints).Average();
        float sd = (float)Math.Sqrt(series.Take(trainPoints).Select(v => (v - mean) * (v - mean)).Average());
        float[] standardized = series.Select(v => (v - mean) / sd).ToArray();
        var windows = Enumerable.Range(0, series.Count - window + 1).Select(s => new WindowRow { Features = standardized[s..(s + window)] }).ToList();

        var schema = SchemaDefinition.Create(typeof(WindowRow));
        schema[nameof(WindowRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, window);
        var train = ml.Data.LoadFromEnumerable(windows.Take(trainPoints - window + 1), schema);
        var model = ml.AnomalyDetection.Trainers.RandomizedPca(nameof(WindowRow.Features), rank: rank, seed: 1).Fit(train);
        float[] windowScores = model.Transform(ml.Data.LoadFromEnumerable(windows, schema)).GetColumn<float>("Score").ToArray();

        var sums = new double[series.Count];
        var counts = new int[series.Count];
        for (int s = 0; s < windowScores.Length; s++)
        {
            for (int t = s; t < s + window; t++)
            {
                sums[t] += windowScores[s];
                counts[t]++;
            }
        }
        return Enumerable.Range(0, series.Count).Select(t => (float)(sums[t] / counts[t])).ToArray();
    }

    /// <summary>The threshold that flags a fraction <paramref name="contamination"/> of the training points' scores.</summary>
    public static float ThresholdFor(IEnumerable<float> trainingScores, double contamination)
    {
        var sorted = trainingScores.OrderBy(s => s).ToArray();
        return sorted[(int)Math.Floor((1 - contamination) * (sorted.Length - 1))];
    }
}
