namespace Microsoft.ML.Autoencoders.Cli.Data;

/// <summary>
/// Rows read from a file (all of them, or one chunk of a CSV: <see cref="RowSource"/>), as the library takes them: one flat array of <see cref="Rows"/> × <see cref="Width"/> features,
/// their names, an optional label per row, and the image shape [channels, height, width] when the rows are images.
/// <see cref="Features"/> can be longer than <see cref="Rows"/> × <see cref="Width"/>: a file's short last chunk is not
/// copied to trim its array (the library's calls take the row count and read only those rows).
/// </summary>
internal sealed record DataSet(float[] Features, int Rows, int Width, IReadOnlyList<string> FeatureNames, IReadOnlyList<string>? Labels, int[]? ImageShape)
{
    /// <summary>Row <paramref name="row"/>'s features.</summary>
    public float[] Row(int row) => Features.AsSpan(row * Width, Width).ToArray();

    /// <summary>The labels as "is an anomaly": 1/true/yes/anomaly (any case) are anomalies, 0/false/no/normal are not.</summary>
    public bool[] AnomalyLabels()
    {
        if (Labels == null) throw new UsageException("This needs labels: name the label column with --label.");
        return Labels.Select((text, i) => text.Trim().ToLowerInvariant() switch
        {
            "1" or "true" or "yes" or "anomaly" => true,
            "0" or "false" or "no" or "normal" => false,
            _ => throw new InvalidDataException($"Row {i + 1}'s label '{text}' is not an anomaly label (1/0, true/false, yes/no, anomaly/normal)."),
        }).ToArray();
    }
}
