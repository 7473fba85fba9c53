namespace Microsoft.ML.Autoencoders;

/// <summary>
/// What an anomaly detector does with a row it cannot score: one whose features hold NaN or an infinite value. Such a
/// row is never silently called normal.
/// </summary>
public enum InvalidRowPolicy
{
    /// <summary>
    /// Score the row as the most anomalous possible: Score = +∞ (also with normalized scores, so ranking and evaluation
    /// put it above every scorable row), PredictedLabel = true, p-value = 1 / (n + 1) (the smallest possible), and, when
    /// feature errors are produced, +∞ at the slots that hold the bad values and 0 elsewhere, which names the culprits.
    /// </summary>
    FlagAsAnomaly = 0,

    /// <summary>
    /// Throw an <see cref="AnomalyInvalidRowException"/> naming the row index, the column, the slot and the value, as
    /// soon as any output of that row is read.
    /// </summary>
    Throw = 1,
}
