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
    /// An optional explanation column: for each row, the names of the <see cref="ExplanationTopK"/> input columns that
    /// contribute most to its reconstruction error, largest first (a vector of Text). The slots of one input column are
    /// grouped through the feature column's slot names, as <c>Concatenate</c> writes them; slots without names are
    /// "Feature j". Null (the default) for none. See <see cref="AutoencoderAnomalyTransformer.Explain"/>.
    /// </summary>
    public string? ExplanationColumnName { get; set; }

    /// <summary>
    /// An optional column beside <see cref="ExplanationColumnName"/> (which it needs): each named column's share of the row's
    /// squared error, in [0, 1], a vector of Single in the same order. Null (the default) for none.
    /// </summary>
    public string? ExplanationSharesColumnName { get; set; }

    /// <summary>How many columns an explanation names (at most the number of input columns); 3 by default.</summary>
    public int ExplanationTopK { get; set; } = AutoencoderAnomalyEstimator.Defaults.ExplanationTopK;

    /// <summary>
    /// Standardize each feature with the training rows' mean and standard deviation before the network, (x − mean) / std
    /// (std taken as 1 for a constant feature), as PyOD's <c>preprocessing=True</c>: tabular columns on different scales
    /// then weigh alike. Saved with the model; the scores and per-feature errors are then in standardized units. Off by
    /// default. Not with <see cref="ImportedModel"/>, which expects its own inputs.
    /// </summary>
    public bool StandardizeFeatures { get; set; }

    /// <summary>
    /// The expected fraction of anomalies in the training data, in (0, 0.5]: the threshold becomes the (1 − contamination)
    /// quantile of the training scores, as in PyOD. Null (the default) means 0.1 unless <see cref="FalseAlarmRate"/> is
    /// set; not with <see cref="Threshold"/> (setting both is an error).
    /// </summary>
    public double? Contamination { get; set; }

    /// <summary>An explicit threshold in Score units (in [0, 1] when <see cref="NormalizeScores"/> is on), instead of <see cref="Contamination"/> (setting both is an error); null to use the contamination.</summary>
    public float? Threshold { get; set; }

    /// <summary>
    /// A false-alarm budget α in (0, 1), instead of a contamination or a threshold (setting either as well is an error):
    /// Fit holds out <see cref="CalibrationFraction"/> of the training rows, trains on the rest, and sets the threshold to
    /// the ⌈(n + 1)(1 − α)⌉-th smallest of the n held-out scores (split-conformal), so that on average at most a fraction α
    /// of new normal rows is flagged. +∞ (nothing flagged but invalid rows) when there are fewer than 1/α − 1 held-out
    /// rows. Needs raw scores (<see cref="NormalizeScores"/> off). See <see cref="AnomalyReferenceScores"/>.
    /// </summary>
    public double? FalseAlarmRate { get; set; }

    /// <summary>
    /// The fraction of the training rows held out, at random (seeded by the autoencoder's Seed), to calibrate the
    /// threshold and the p-values; in (0, 1). Null (the default) holds out 0.2 when <see cref="FalseAlarmRate"/> is set and
    /// nothing otherwise; set it without a false-alarm rate to get p-values against held-out rows beside a contamination
    /// threshold. Not used by <see cref="AutoencoderAnomalyEstimator.Fit(IDataView, IDataView)"/>, which is given its
    /// calibration rows.
    /// </summary>
    public double? CalibrationFraction { get; set; }

    /// <summary>
    /// An optional p-value column (Single): (1 + #{reference scores ≥ the row's raw score}) / (n + 1), against the held-out
    /// calibration scores when there are any and the training scores otherwise. Small = anomalous; with held-out
    /// scores, a new normal row's p-value is at most α with probability at most α. Null (the default) for none.
    /// </summary>
    public string? PValueColumnName { get; set; }

    /// <summary>
    /// What to do with a row whose features hold NaN or ±∞ when it is scored: flag it as an anomaly with Score = +∞ (the
    /// default), or throw an error naming the row and the column. Never scored as normal.
    /// </summary>
    public InvalidRowPolicy InvalidRowPolicy { get; set; } = AutoencoderAnomalyEstimator.Defaults.InvalidRowPolicy;

    /// <summary>
    /// Report Score in [0, 1] against the training scores — (error − min) / (max − min), clipped — so scores of different
    /// models compare. Off by default: the raw mean squared error, which never ties rows beyond the training range.
    /// </summary>
    public bool NormalizeScores { get; set; }

    /// <summary>
    /// The raw score: the reconstruction error (the default, any kind), or the negative ELBO of a variational autoencoder
    /// (<see cref="AutoencoderOptions.Variational"/>).
    /// </summary>
    public AnomalyScoreSource ScoreSource { get; set; }

    /// <summary>
    /// An autoencoder made elsewhere, imported from ONNX (<c>OnnxAutoencoderModel.Load</c>):
    /// the detector puts its threshold and score rule on it, and Fit trains nothing — it only scores the rows to set the
    /// threshold and the score table. <see cref="Autoencoder"/> is then not used. Null (the default) trains a network here.
    /// </summary>
    public OnnxAutoencoderModel? ImportedModel { get; set; }

    /// <summary>
    /// The network, its training and its kind. Its column settings are not used: the detector reads
    /// <see cref="FeatureColumnName"/> and writes its own columns, so an output column named here (the code under another
    /// name than the default, the reconstruction, its error, the denoised row, the negative ELBO) is refused with what to set
    /// instead, and so is a paired <see cref="AutoencoderOptions.TargetColumnName"/> (a detector scores how well a row
    /// reconstructs itself). Its EpochCompleted, Progress and CancellationToken reach the detector's training.
    /// </summary>
    public AutoencoderOptions Autoencoder { get; set; } = new();

    /// <summary>
    /// A copy that later changes to these options do not reach, the network's options included (see
    /// <see cref="AutoencoderEstimator.Snapshot"/>): what the estimator checks and trains from.
    /// </summary>
    internal AutoencoderAnomalyOptions Snapshot()
    {
        var copy = (AutoencoderAnomalyOptions)MemberwiseClone();
        copy.Autoencoder = Autoencoder == null ? null! : AutoencoderEstimator.Snapshot(Autoencoder);
        return copy;
    }
}
