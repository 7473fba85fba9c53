namespace Microsoft.ML.Autoencoders;

/// <summary>
/// Thrown by a detector whose <see cref="AutoencoderAnomalyOptions.InvalidRowPolicy"/> is
/// <see cref="InvalidRowPolicy.Throw"/> when a row's features hold NaN or an infinite value.
/// </summary>
public sealed class AnomalyInvalidRowException : InvalidOperationException
{
    internal AnomalyInvalidRowException(long rowIndex, string? columnName, int slot, float value)
        : base(Describe(rowIndex, columnName, slot, value))
    {
        RowIndex = rowIndex;
        ColumnName = columnName;
        Slot = slot;
        Value = value;
    }

    /// <summary>
    /// The row's 0-based index among the rows this cursor (or prediction engine) has scored: its position when every
    /// row is read, as <c>GetColumn</c>, evaluators and prediction loops do.
    /// </summary>
    public long RowIndex { get; }

    /// <summary>
    /// The feature column, or null when the detector was loaded by plain <c>mlContext.Model.Load</c>: ML.NET gives a
    /// saved custom mapping no way to carry the name (load with <c>AutoencoderAnomalyTransformer.LoadFromModelFile</c> to get it).
    /// </summary>
    public string? ColumnName { get; }

    /// <summary>The first slot of the feature vector that holds a bad value.</summary>
    public int Slot { get; }

    /// <summary>The bad value: NaN, +∞ or −∞.</summary>
    public float Value { get; }

    private static string Describe(long rowIndex, string? columnName, int slot, float value)
    {
        string column = columnName == null ? "the detector's feature column" : $"column '{columnName}'";
        return $"Row {rowIndex}: {column} holds {value} in slot {slot}, so the row cannot be scored and the detector's InvalidRowPolicy is Throw. " +
            "Remove or impute such rows first (mlContext.Data.FilterRowsByMissingValues, mlContext.Transforms.ReplaceMissingValues), " +
            "or set InvalidRowPolicy = FlagAsAnomaly to score them as anomalies (Score = +∞).";
    }
}
