namespace Microsoft.ML.Autoencoders;

/// <summary>
/// The rules for the decision threshold: where it may lie and how a contamination turns into one. Every entry point
/// (options, catalog, <see cref="AutoencoderAnomalyTransformer.ChangeThreshold"/>) checks through here, so the
/// messages are the same everywhere.
/// </summary>
internal static class AnomalyThreshold
{
    /// <summary>PyOD's bound: a detector that expects more than half its data to be anomalous has the classes backwards.</summary>
    public const double MaximumContamination = 0.5;

    public static void CheckContamination(double contamination, string parameterName)
    {
        if (!(contamination > 0 && contamination <= MaximumContamination))
            throw new ArgumentOutOfRangeException(parameterName, contamination,
                $"Contamination is {contamination}, but it must be in (0, {MaximumContamination}]: the expected fraction of anomalies in the " +
                "training data, as in PyOD. To choose the cut-off yourself, set Threshold instead.");
    }

    public static void CheckFalseAlarmRate(double falseAlarmRate, string parameterName)
    {
        if (!(falseAlarmRate > 0 && falseAlarmRate < 1))
            throw new ArgumentOutOfRangeException(parameterName, falseAlarmRate,
                $"The false-alarm rate is {falseAlarmRate}, but it must be in (0, 1): the largest fraction of normal rows the detector may flag, e.g. 0.01.");
    }

    public static void CheckCalibrationFraction(double calibrationFraction, string parameterName)
    {
        if (!(calibrationFraction > 0 && calibrationFraction < 1))
            throw new ArgumentOutOfRangeException(parameterName, calibrationFraction,
                $"CalibrationFraction is {calibrationFraction}, but it must be in (0, 1): the fraction of the training rows held out to calibrate the threshold (0.2 by default).");
    }

    /// <summary>
    /// A false-alarm threshold is a raw score, possibly above every training score; clipped normalized scores could never
    /// cross it, so the two are refused together.
    /// </summary>
    public static void CheckNotNormalized(bool normalizedScores, string parameterName)
    {
        if (normalizedScores)
            throw new ArgumentException(
                "A false-alarm budget sets the threshold from held-out scores, which can exceed the largest training score, where normalized " +
                "scores are clipped to 1 and could never cross it. Turn NormalizeScores off, and use the p-value column (PValueColumnName) " +
                "for a score in [0, 1].", parameterName);
    }

    /// <summary>Whether <paramref name="threshold"/> lies in the range the Score column can take: [0, 1] normalized, else finite and ≥ 0.</summary>
    public static bool IsInScoreRange(float threshold, bool normalizedScores) =>
        normalizedScores ? threshold >= 0 && threshold <= 1 : threshold >= 0 && float.IsFinite(threshold);

    /// <summary>
    /// Refuses a contamination beside an explicit threshold: the threshold would win and the contamination, the user's
    /// stated expectation of the data, would be dropped without a word (and never checked).
    /// </summary>
    public static void CheckNotBothThresholdAndContamination(float? threshold, double? contamination, string parameterName)
    {
        if (threshold is float t && contamination is double c)
            throw new ArgumentException(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"Threshold ({t}) and Contamination ({c}) both set the threshold; set only one of them ") +
                "(Contamination picks the threshold from the training scores, Threshold gives it directly).", parameterName);
    }

    /// <summary>Checks that <paramref name="threshold"/> lies in the range the Score column can take.</summary>
    public static void CheckThreshold(float threshold, bool normalizedScores, string parameterName)
    {
        if (IsInScoreRange(threshold, normalizedScores)) return;
        if (normalizedScores)
            throw new ArgumentOutOfRangeException(parameterName, threshold,
                $"Threshold {threshold} is outside the range of the normalized Score, [0, 1]. Give a value in [0, 1] (e.g. 0.5), " +
                "or turn NormalizeScores off to threshold the raw reconstruction error.");
        throw new ArgumentOutOfRangeException(parameterName, threshold,
            $"Threshold {threshold} is outside the range of Score, the mean squared reconstruction error, which is finite and at least 0. " +
            "Give a finite value ≥ 0, or set Contamination to derive one from the training scores.");
    }

    /// <summary>The threshold, in Score units, that flags a fraction <paramref name="contamination"/> of the training rows.</summary>
    public static float FromContamination(AnomalyScoreDistribution distribution, double contamination, bool normalizedScores)
    {
        CheckContamination(contamination, nameof(contamination));
        float raw = distribution.Quantile(1 - contamination);
        return normalizedScores ? distribution.Normalize(raw) : raw;
    }
}
