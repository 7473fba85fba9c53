namespace Microsoft.ML.Autoencoders.Plotting;

/// <summary>
/// The receiver operating characteristic of anomaly scores: the false- and true-positive rates at every threshold, and
/// the area under it. Tied scores move both rates at once (a diagonal step), so the area is the probability that a
/// random anomaly outscores a random normal row, ties counting half.
/// </summary>
public sealed class RocCurve
{
    private RocCurve(double[] falsePositiveRates, double[] truePositiveRates, double area)
    {
        FalsePositiveRates = falsePositiveRates;
        TruePositiveRates = truePositiveRates;
        Area = area;
    }

    /// <summary>The curve's x values, from 0 to 1.</summary>
    public IReadOnlyList<double> FalsePositiveRates { get; }

    /// <summary>The curve's y values, from 0 to 1.</summary>
    public IReadOnlyList<double> TruePositiveRates { get; }

    /// <summary>The area under the curve (AUC): 1 is a perfect ranking, 0.5 chance.</summary>
    public double Area { get; }

    /// <summary>Computes the curve; a higher score must mean "more anomalous".</summary>
    /// <param name="scores">One score per row.</param>
    /// <param name="isAnomaly">One label per row: true for an anomaly. Both kinds must occur.</param>
    public static RocCurve Compute(IReadOnlyList<float> scores, IReadOnlyList<bool> isAnomaly)
    {
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(isAnomaly);
        if (scores.Count != isAnomaly.Count) throw new ArgumentException($"{scores.Count} scores but {isAnomaly.Count} labels.", nameof(isAnomaly));
        int positives = isAnomaly.Count(a => a), negatives = isAnomaly.Count - positives;
        if (positives == 0 || negatives == 0)
            throw new ArgumentException($"A ROC curve needs both anomalies and normal rows; the labels hold {positives} anomalies and {negatives} normal rows.", nameof(isAnomaly));
        if (scores.Any(float.IsNaN)) throw new ArgumentException("A score is NaN.", nameof(scores));

        int[] order = Enumerable.Range(0, scores.Count).OrderByDescending(i => scores[i]).ToArray();
        var fpr = new List<double> { 0 };
        var tpr = new List<double> { 0 };
        double area = 0;
        int truePositives = 0, falsePositives = 0;
        for (int k = 0; k < order.Length;)
        {
            // Take every row sharing this score in one step.
            float score = scores[order[k]];
            for (; k < order.Length && scores[order[k]] == score; k++)
                if (isAnomaly[order[k]]) truePositives++; else falsePositives++;
            double x = falsePositives / (double)negatives, y = truePositives / (double)positives;
            area += (x - fpr[^1]) * (y + tpr[^1]) / 2;
            fpr.Add(x);
            tpr.Add(y);
        }
        return new RocCurve(fpr.ToArray(), tpr.ToArray(), area);
    }
}
