namespace Microsoft.ML.Autoencoders;

/// <summary>
/// Configures <see cref="AutoencoderAnomalyEstimator"/>: which columns it reads and writes, how the decision threshold
/// is set, and — through <see cref="Autoencoder"/> — the network, its training and its kind (dense, denoising,
/// sparse, contractive, ...). Any setting the autoencoder options gain later applies to the detector unchanged.
/// </summary>
public sealed class AutoencoderAnomalyOptions
{
    /// <summary>The input column: a known-size vector of Single. The detector trains on it and scores it.</summary>
    public string FeatureColumnName { get; set; } = AutoencoderAnomalyEstimator.Defaults.FeatureColumnName;

    /// <summary>The output score column (Single, higher = more anomalous), as <c>mlContext.AnomalyDetection.Evaluate</c> expects.</summary>
    public string ScoreColumnName { get; set; } = AutoencoderAnomalyEstimator.Defaults.ScoreColumnName;

    /// <summary>The output decision column (Boolean, true = anomaly: Score &gt; Threshold).</summary>
    public string PredictedLabelColumnName { get; set; } = AutoencoderAnomalyEstimator.Defaults.PredictedLabelColumnName;

    /// <summary>
    /// An optional explanation column: each feature's squared reconstruction error, (x_j − x̂_j)², a vector the size of
    /// the input whose mean is the raw score (H2O's per-feature reconstruction error). Null (the default) for none.
    /// </summary>
    public string? FeatureErrorsColumnName { get; set; }

    /// <summary>
    /// The expected fraction of anomalies in the training data, in (0, 0.5]: the threshold becomes the (1 − contamination)
    /// quantile of the training scores, as in PyOD. Ignored when <see cref="Threshold"/> is set.
    /// </summary>
    public double Contamination { get; set; } = AutoencoderAnomalyEstimator.Defaults.Contamination;

    /// <summary>An explicit threshold in Score units (in [0, 1] when <see cref="NormalizeScores"/> is on); null to use <see cref="Contamination"/>.</summary>
    public float? Threshold { get; set; }

    /// <summary>
    /// Report Score in [0, 1] against the training scores — (error − min) / (max − min), clipped — so scores of different
    /// models compare. Off by default: the raw mean squared error, which never ties rows beyond the training range.
    /// </summary>
    public bool NormalizeScores { get; set; }

    /// <summary>
    /// The network, its training and its kind. Its column settings are not used: the detector reads
    /// <see cref="FeatureColumnName"/>, and a paired <see cref="AutoencoderOptions.TargetColumnName"/> is refused (a detector
    /// scores how well a row reconstructs itself).
    /// </summary>
    public AutoencoderOptions Autoencoder { get; set; } = new();
}
