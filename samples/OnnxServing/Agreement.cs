namespace OnnxServing;

/// <summary>
/// How closely what ONNX Runtime serves matches what the ML.NET transformer gives, by the rule the export tests use:
/// each value within 1e-5 · (1 + |ML.NET's value|).
/// </summary>
internal static class Agreement
{
    public const double Tolerance = 1e-5;

    /// <summary>The largest |difference| over all values, and whether every value kept within the tolerance.</summary>
    public static (double Largest, bool Within) Compare(IReadOnlyList<float> expected, IReadOnlyList<float> served)
    {
        if (expected.Count != served.Count) throw new InvalidOperationException($"{expected.Count} values from ML.NET but {served.Count} served.");
        double largest = 0;
        bool within = true;
        for (int i = 0; i < expected.Count; i++)
        {
            double difference = Math.Abs(expected[i] - (double)served[i]);
            largest = Math.Max(largest, difference);
            within &= difference <= Tolerance * (1 + Math.Abs(expected[i]));
        }
        return (largest, within);
    }

    /// <summary>
    /// Rows labelled differently although their score lies farther than the tolerance from the threshold (a row right at
    /// the threshold may fall either side of it in either runtime, so it does not count).
    /// </summary>
    public static int LabelMismatches(IReadOnlyList<bool> expected, IReadOnlyList<bool> served, IReadOnlyList<float> scores, float threshold)
    {
        int mismatches = 0;
        for (int i = 0; i < expected.Count; i++)
            if (expected[i] != served[i] && Math.Abs(scores[i] - threshold) > Tolerance * (1 + Math.Abs(threshold))) mismatches++;
        return mismatches;
    }
}
