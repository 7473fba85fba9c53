namespace Microsoft.ML.Autoencoders;

/// <summary>
/// The raw scores (mean squared reconstruction errors) that a detector compares new rows with, sorted ascending: the
/// scores of held-out calibration rows the network never trained on (<see cref="IsHeldOut"/>), or, when there are none,
/// the training rows' own scores. Gives the split-conformal threshold for a false-alarm budget and each row's p-value.
/// </summary>
/// <remarks>
/// <para>
/// Split-conformal prediction: if a new normal row and the n reference rows are exchangeable (drawn the same way, and
/// none of them trained on), the new row's score is equally likely to fall into each of the n + 1 gaps between the
/// sorted reference scores. So flagging scores above the k-th smallest reference score, k = ⌈(n + 1)(1 − α)⌉, raises a
/// false alarm with probability (n + 1 − k) / (n + 1) ≤ α; the "+ 1" is the finite-sample correction that makes the
/// bound hold for every n, not only in the limit. When k &gt; n even the largest reference score is not safe enough and
/// the threshold is +∞: α needs at least 1/α − 1 reference rows (99 for α = 0.01).
/// </para>
/// <para>
/// p-value of a score s: (1 + #{reference scores ≥ s}) / (n + 1). With held-out reference rows, P(p ≤ α) ≤ α for a new
/// normal row, and p ≤ α exactly when s is above the conformal threshold for α. Against the training scores the p-values
/// are too small for new rows (the network fits its own training rows best), so read them as a ranking, not a probability.
/// </para>
/// </remarks>
public sealed class AnomalyReferenceScores
{
    private readonly float[] _sorted;

    internal AnomalyReferenceScores(float[] sortedScores, bool isHeldOut)
    {
        if (sortedScores.Length == 0) throw new InvalidDataException("A detector's reference scores cannot be empty.");
        for (int i = 0; i < sortedScores.Length; i++)
        {
            if (!float.IsFinite(sortedScores[i]) || (i > 0 && sortedScores[i] < sortedScores[i - 1]))
                throw new InvalidDataException($"The reference scores must be finite and sorted ascending (entry {i} is {sortedScores[i]}).");
        }
        _sorted = sortedScores;
        IsHeldOut = isHeldOut;
    }

    /// <summary>How many reference rows there are (n).</summary>
    public int Count => _sorted.Length;

    /// <summary>
    /// True when the scores come from held-out rows the network did not train on (calibration rows), which makes the
    /// false-alarm bound and the p-values exact; false when they are the training rows' own scores.
    /// </summary>
    public bool IsHeldOut { get; }

    /// <summary>The scores, ascending.</summary>
    public IReadOnlyList<float> Scores => _sorted;

    /// <summary>
    /// The split-conformal threshold for a false-alarm budget <paramref name="falseAlarmRate"/> (α, in (0, 1)): the
    /// ⌈(n + 1)(1 − α)⌉-th smallest score, or +∞ when that rank exceeds n. Flagging raw scores strictly above it raises a
    /// false alarm on at most a fraction α of new normal rows, on average over calibration sets, when
    /// <see cref="IsHeldOut"/> is true.
    /// </summary>
    public float FalseAlarmThreshold(double falseAlarmRate)
    {
        AnomalyThreshold.CheckFalseAlarmRate(falseAlarmRate, nameof(falseAlarmRate));
        int rank = ConformalRank(Count, falseAlarmRate);
        return rank > Count ? float.PositiveInfinity : _sorted[rank - 1];
    }

    /// <summary>
    /// The p-value of raw score <paramref name="score"/>: (1 + #{reference scores ≥ score}) / (n + 1), in [1/(n+1), 1].
    /// Small means anomalous. A score that is not a number (a row that could not be scored) counts as +∞.
    /// </summary>
    public float PValue(float score)
    {
        if (float.IsNaN(score)) score = float.PositiveInfinity;
        int atLeast = Count - FirstAtLeast(score);
        // Float arithmetic on exact integers (below 2^24), so the ONNX graph's Div gives the same bits.
        return (1f + atLeast) / (Count + 1f);
    }

    /// <summary>Sorts <paramref name="scores"/> into reference scores; every score must be finite.</summary>
    internal static AnomalyReferenceScores FromScores(ReadOnlySpan<float> scores, bool isHeldOut)
    {
        if (scores.Length == 0) throw new ArgumentException("No scores to compare with.", nameof(scores));
        float[] sorted = scores.ToArray();
        foreach (float s in sorted)
        {
            if (!float.IsFinite(s))
                throw new InvalidOperationException($"A reference row's reconstruction error is {s}: the network diverged. Lower the learning rate or scale the features.");
        }
        Array.Sort(sorted);
        return new AnomalyReferenceScores(sorted, isHeldOut);
    }

    /// <summary>
    /// k = ⌈(n + 1)(1 − α)⌉, the 1-based rank of the conformal threshold among n sorted scores; n + 1 means +∞.
    /// </summary>
    /// <remarks>
    /// Computed as (n + 1) − ⌊(n + 1)α⌋ in decimal: α arrives as a binary double (0.05 is 0.05000000000000000277...), and
    /// in double arithmetic (n + 1)(1 − α) for n = 19, α = 0.05 comes out as 19.000000000000004, whose ceiling would
    /// wrongly be 20. Converting α to decimal keeps its 15 significant digits, the value the caller wrote.
    /// </remarks>
    internal static int ConformalRank(int count, double falseAlarmRate)
    {
        long gaps = count + 1L;
        long excluded = (long)decimal.Floor(gaps * (decimal)falseAlarmRate);
        return (int)(gaps - excluded);
    }

    // The index of the first score ≥ value (Count when there is none): a lower-bound binary search, since
    // Array.BinarySearch may land on any of several equal scores.
    private int FirstAtLeast(float value)
    {
        int low = 0, high = _sorted.Length;
        while (low < high)
        {
            int middle = low + (high - low) / 2;
            if (_sorted[middle] < value) low = middle + 1;
            else high = middle;
        }
        return low;
    }
}
