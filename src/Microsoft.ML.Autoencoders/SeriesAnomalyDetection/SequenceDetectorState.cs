namespace Microsoft.ML.Autoencoders;

/// <summary>
/// Everything a sequence detector adds to its network: columns, the window length, the training standardization, the
/// threshold and how it was chosen, the training points' score table, and the standardized last WindowLength − 1 points
/// of the training series (the history a continuation is scored with), and how points are scored (the threshold and the
/// score table are of that kind). Saved as JSON in the model file
/// (<see cref="SequenceDetectorArchive"/>).
/// </summary>
internal sealed record SequenceDetectorState(
    SeriesColumns Columns,
    int WindowLength,
    SeriesStandardization Standardization,
    float Threshold,
    double? Contamination,
    AnomalyScoreDistribution TrainingScores,
    float[] TrainingTail,
    bool ContinuesTrainingSeries,
    SequenceScoring Scoring)
{
    public int Channels => Columns.Channels.Length;

    /// <summary>The points of history a view starts with: the training tail when the view continues the training series, else none.</summary>
    public int HistoryPoints => ContinuesTrainingSeries ? TrainingTail.Length / Channels : 0;
}
