namespace Microsoft.ML.Autoencoders;

/// <summary>
/// Everything a detector adds to its autoencoder: column names, threshold, how it was chosen, the training-score
/// table behind the normalization, the reference scores behind p-values and false-alarm thresholds, and what to do with
/// rows that cannot be scored. Saved as JSON in the detector's ONNX head (see <see cref="AnomalyHeadOnnx"/>).
/// </summary>
internal sealed record AnomalyDetectorState(
    AnomalyColumns Columns,
    float Threshold,
    double? Contamination,
    bool NormalizeScores,
    AnomalyScoreDistribution TrainingScores)
{
    /// <summary>The false-alarm budget the threshold was calibrated for, or null when it came from elsewhere.</summary>
    public double? FalseAlarmRate { get; init; }

    /// <summary>The scores p-values and false-alarm thresholds are read from; null when neither is needed.</summary>
    public AnomalyReferenceScores? ReferenceScores { get; init; }

    public InvalidRowPolicy InvalidRowPolicy { get; init; }

    /// <summary>Which network output the raw score is.</summary>
    public AnomalyScoreSource ScoreSource { get; init; }

    /// <summary>Which input column each feature came from; null for a detector saved before names were kept.</summary>
    public AnomalyFeatureNames? FeatureNames { get; init; }

    /// <summary>How many culprits the explanation column names (already at most the number of columns).</summary>
    public int ExplanationTopK { get; init; }

    /// <summary>The standardization applied before the network, or null when the network reads the features as they are.</summary>
    public FeatureStandardization? Standardization { get; init; }

    /// <summary>The column the network reads: the features, or their standardized copy.</summary>
    public string NetworkInputColumn => Standardization != null ? FeatureStandardization.Column : Columns.Features;

    /// <summary>The feature names, numbered "Feature j" when none were kept.</summary>
    public AnomalyFeatureNames NamesOrNumbered(int inputSize) => FeatureNames ?? AnomalyFeatureNames.Numbered(inputSize);
}
