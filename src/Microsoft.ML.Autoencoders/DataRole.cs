namespace Microsoft.ML.Autoencoders;

/// <summary>
/// What the rows of a column are for, as the messages about them say it: a NaN names the data it was found in, and an empty
/// column says what it leaves undone, which differs between rows a network learns from and rows that are only scored.
/// </summary>
/// <param name="Name">The data as the user knows it: "training data", "calibration data".</param>
/// <param name="WhenEmpty">What a column without rows gives nothing for, finishing "so column 'X' …".</param>
internal sealed record DataRole(string Name, string WhenEmpty)
{
    /// <summary>Rows a network learns from.</summary>
    public static readonly DataRole Training = new("training data", "gives the autoencoder nothing to learn from.");

    /// <summary>The rows given to <c>Fit</c> for a detector on an imported graph: nothing is learned, every row is scored.</summary>
    public static readonly DataRole ScoredTraining = new("training data", ScoresForThreshold);

    /// <summary>Rows a detector's threshold is calibrated on.</summary>
    public static readonly DataRole Calibration = new("calibration data", ScoresForThreshold);

    private const string ScoresForThreshold = "gives the detector no scores to set its threshold from: give it at least one row.";

    /// <summary>The refusal of an empty <paramref name="column"/>.</summary>
    public InvalidOperationException NoRows(string column) => new($"The {Name} has no rows, so column '{column}' {WhenEmpty}");
}
