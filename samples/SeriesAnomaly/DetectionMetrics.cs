namespace SeriesAnomaly;

/// <summary>Point-wise precision, recall and F1 of a detector's flags, and the ROC-AUC of its scores, against the injected labels.</summary>
internal sealed record DetectionMetrics(double Precision, double Recall, double F1, double RocAuc)
{
    public static DetectionMetrics Of(IReadOnlyList<float> scores, IReadOnlyList<bool> flags, IReadOnlyList<bool> truth)
    {
        int tp = 0, fp = 0, fn = 0;
        for (int i = 0; i < truth.Count; i++)
        {
            if (flags[i] && truth[i]) tp++;
            else if (flags[i]) fp++;
            else if (truth[i]) fn++;
        }
        double precision = tp + fp == 0 ? 0 : (double)tp / (tp + fp), recall = tp + fn == 0 ? 0 : (double)tp / (tp + fn);
        double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
        return new DetectionMetrics(precision, recall, f1, AreaUnderRoc(scores, truth));
    }

    /// <summary>The Mann–Whitney form: the chance a random anomaly scores above a random normal point, ties counted half.</summary>
    private static double AreaUnderRoc(IReadOnlyList<float> scores, IReadOnlyList<bool> truth)
    {
        var positives = Enumerable.Range(0, truth.Count).Where(i => truth[i]).Select(i => scores[i]).ToArray();
        var negatives = Enumerable.Range(0, truth.Count).Where(i => !truth[i]).Select(i => scores[i]).ToArray();
        double wins = 0;
        foreach (float p in positives)
            foreach (float n in negatives)
                wins += p > n ? 1 : p == n ? 0.5 : 0;
        return wins / ((double)positives.Length * negatives.Length);
    }

    public override string ToString() => $"{Precision,9:F3} {Recall,7:F3} {F1,6:F3} {RocAuc,8:F3}";
}
