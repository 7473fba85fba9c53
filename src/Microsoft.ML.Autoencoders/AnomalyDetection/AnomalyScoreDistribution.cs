namespace Microsoft.ML.Autoencoders;

/// <summary>
/// The training rows' raw anomaly scores (per-row mean squared reconstruction errors), kept as a table of
/// <see cref="QuantileCount"/> quantiles: the 0th, 0.1th, ..., 100th percentile. The detector reads its contamination
/// threshold and its [0, 1] normalization from this table, and the table is saved with the model, so both can be
/// recomputed after a reload without the training data.
/// </summary>
/// <remarks>
/// Quantiles follow numpy.percentile's default (linear interpolation between the two nearest order statistics), as
/// PyOD does when it turns a contamination into a threshold. <see cref="Quantile"/> interpolates linearly between table
/// entries, so it is exact for probabilities that are multiples of 0.001 and within one table step otherwise.
/// </remarks>
public sealed class AnomalyScoreDistribution
{
    /// <summary>Entries in the quantile table: every 0.1 percentile from 0 to 100.</summary>
    public const int QuantileCount = 1001;

    private readonly float[] _quantiles;

    internal AnomalyScoreDistribution(long count, float[] quantiles)
    {
        if (quantiles.Length != QuantileCount)
            throw new InvalidDataException($"A score distribution needs {QuantileCount} quantiles, not {quantiles.Length}.");
        for (int i = 0; i < quantiles.Length; i++)
        {
            if (!float.IsFinite(quantiles[i]) || (i > 0 && quantiles[i] < quantiles[i - 1]))
                throw new InvalidDataException($"The score quantiles must be finite and non-decreasing (entry {i} is {quantiles[i]}).");
        }
        Count = count;
        _quantiles = quantiles;
    }

    /// <summary>How many training rows were scored.</summary>
    public long Count { get; }

    /// <summary>The smallest training score.</summary>
    public float Minimum => _quantiles[0];

    /// <summary>The largest training score.</summary>
    public float Maximum => _quantiles[^1];

    /// <summary>The median training score.</summary>
    public float Median => _quantiles[QuantileCount / 2];

    /// <summary>The table itself: entry k is the (k / 10)th percentile.</summary>
    public IReadOnlyList<float> Quantiles => _quantiles;

    /// <summary>The score below which a fraction <paramref name="probability"/> of the training rows fall.</summary>
    /// <param name="probability">In [0, 1].</param>
    public float Quantile(double probability)
    {
        if (!(probability >= 0 && probability <= 1))
            throw new ArgumentOutOfRangeException(nameof(probability), probability, "A quantile's probability must be in [0, 1].");
        return Interpolate(_quantiles, probability * (QuantileCount - 1));
    }

    /// <summary>
    /// Maps a raw score into [0, 1] against the training scores: (score − min) / (max − min), clipped — PyOD's
    /// "linear" probability. Scores beyond the training range all become 0 or 1, so rank by raw scores when ties matter.
    /// </summary>
    public float Normalize(float score) => Math.Clamp((score - NormalizationOffset) / NormalizationScale, 0f, 1f);

    /// <summary>What <see cref="Normalize"/> subtracts (the training minimum); the ONNX graph uses the same constant.</summary>
    internal float NormalizationOffset => Minimum;

    /// <summary>What <see cref="Normalize"/> divides by: the training range, or 1 when every training row scored the same.</summary>
    internal float NormalizationScale => Maximum > Minimum ? Maximum - Minimum : 1f;

    /// <summary>Builds the table from every training row's score.</summary>
    internal static AnomalyScoreDistribution FromScores(ReadOnlySpan<float> scores)
    {
        if (scores.Length == 0) throw new ArgumentException("No training scores to summarize.", nameof(scores));
        float[] sorted = scores.ToArray();
        foreach (float s in sorted)
        {
            if (!float.IsFinite(s))
                throw new InvalidOperationException($"A training row's reconstruction error is {s}: the network diverged. Lower the learning rate or scale the features.");
        }
        Array.Sort(sorted);
        var quantiles = new float[QuantileCount];
        for (int k = 0; k < QuantileCount; k++)
            quantiles[k] = Interpolate(sorted, (double)k * (sorted.Length - 1) / (QuantileCount - 1));
        return new AnomalyScoreDistribution(sorted.Length, quantiles);
    }

    // numpy's "linear" method: the value at fractional position `position` of a sorted array.
    private static float Interpolate(float[] sorted, double position)
    {
        int lower = (int)Math.Floor(position);
        if (lower >= sorted.Length - 1) return sorted[^1];
        double fraction = position - lower;
        return (float)(sorted[lower] + fraction * ((double)sorted[lower + 1] - sorted[lower]));
    }
}
