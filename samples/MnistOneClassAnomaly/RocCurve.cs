namespace MnistOneClassAnomaly;

/// <summary>The ROC curve and its area for scores where higher means "anomaly" and labels are true for anomalies.</summary>
internal sealed class RocCurve
{
    private RocCurve(IReadOnlyList<(double FalsePositiveRate, double TruePositiveRate)> points, double area)
    {
        Points = points;
        Area = area;
    }

    /// <summary>(false-positive rate, true-positive rate) from (0, 0) to (1, 1), one step per distinct score.</summary>
    public IReadOnlyList<(double FalsePositiveRate, double TruePositiveRate)> Points { get; }

    /// <summary>The area under the curve: P(an anomaly scores above a normal row), ties counting half.</summary>
    public double Area { get; }

    public static RocCurve From(IReadOnlyList<float> scores, IReadOnlyList<bool> anomalies)
    {
        int positives = anomalies.Count(a => a), negatives = anomalies.Count - positives;
        if (positives == 0 || negatives == 0) throw new ArgumentException("ROC needs both anomalies and normal rows.");
        var order = Enumerable.Range(0, scores.Count).OrderByDescending(i => scores[i]).ToArray();
        var points = new List<(double, double)> { (0, 0) };
        double area = 0;
        int truePositives = 0, falsePositives = 0;
        for (int k = 0; k < order.Length;)
        {
            // Rows with equal scores move the curve together (a diagonal step), which is what counts ties as half.
            int tp = 0, fp = 0;
            float score = scores[order[k]];
            for (; k < order.Length && scores[order[k]] == score; k++)
            {
                if (anomalies[order[k]]) tp++; else fp++;
            }
            area += fp * (truePositives + tp / 2.0);
            truePositives += tp;
            falsePositives += fp;
            points.Add(((double)falsePositives / negatives, (double)truePositives / positives));
        }
        return new RocCurve(points, area / ((double)positives * negatives));
    }
}
