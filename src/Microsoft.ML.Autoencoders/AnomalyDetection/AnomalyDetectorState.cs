namespace Microsoft.ML.Autoencoders;

/// <summary>
/// Everything a detector adds to its autoencoder: column names, threshold, how it was chosen, and the training-score
/// table behind the normalization. Saved as JSON in the detector's ONNX head (see <see cref="AnomalyHeadOnnx"/>).
/// </summary>
internal sealed record AnomalyDetectorState(
    AnomalyColumns Columns,
    float Threshold,
    double? Contamination,
    bool NormalizeScores,
    AnomalyScoreDistribution TrainingScores);
