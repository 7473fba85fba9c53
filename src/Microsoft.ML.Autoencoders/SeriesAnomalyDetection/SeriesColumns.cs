using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders;

/// <summary>
/// The columns a sequence detector reads (one Single column per channel, rows in time order) and writes; a null
/// <see cref="ChannelErrors"/> is not produced.
/// </summary>
internal sealed record SeriesColumns(string[] Channels, string Score, string PredictedLabel, string? ChannelErrors)
{
    /// <summary>Reserved names the saved chain uses between steps; they never reach the user's schema.</summary>
    public const string ReservedPrefix = "__sequence_";

    public static SeriesColumns FromOptions(SequenceAnomalyOptions options)
    {
        if (options.ChannelColumnNames is not { Length: > 0 } channels || channels.Any(string.IsNullOrWhiteSpace))
            throw new ArgumentException("ChannelColumnNames must name at least one Single column of the series, in channel order.", nameof(options));
        if (channels.Distinct().Count() != channels.Length)
            throw new ArgumentException($"ChannelColumnNames names a column twice ({string.Join(", ", channels)}); each channel is one column.", nameof(options));
        if (string.IsNullOrWhiteSpace(options.ScoreColumnName)) throw new ArgumentException("ScoreColumnName must name a column.", nameof(options));
        if (string.IsNullOrWhiteSpace(options.PredictedLabelColumnName)) throw new ArgumentException("PredictedLabelColumnName must name a column.", nameof(options));
        var columns = new SeriesColumns(channels.ToArray(), options.ScoreColumnName, options.PredictedLabelColumnName,
            string.IsNullOrWhiteSpace(options.ChannelErrorsColumnName) ? null : options.ChannelErrorsColumnName);
        var outputs = columns.Outputs.ToList();
        if (outputs.Distinct().Count() != outputs.Count)
            throw new ArgumentException($"The output columns must have different names (got {string.Join(", ", outputs)}).", nameof(options));
        foreach (var name in outputs.Concat(channels))
        {
            if (name.StartsWith(ReservedPrefix, StringComparison.Ordinal))
                throw new ArgumentException($"Column name '{name}' starts with '{ReservedPrefix}', which the detector reserves for itself; choose another.", nameof(options));
        }
        return columns;
    }

    /// <summary>The output names in schema order.</summary>
    public IEnumerable<string> Outputs
    {
        get
        {
            yield return Score;
            yield return PredictedLabel;
            if (ChannelErrors != null) yield return ChannelErrors;
        }
    }

    /// <summary>Checks that every channel column exists and is a Single scalar; the message names the column and the fix.</summary>
    public void CheckInput(DataViewSchema schema)
    {
        foreach (var name in Channels)
        {
            var column = schema.GetColumnOrNull(name)
                ?? throw new ArgumentOutOfRangeException(nameof(schema),
                    $"Channel column '{name}' was not found (ChannelColumnNames). Available columns: {string.Join(", ", schema.Where(c => !c.IsHidden).Select(c => c.Name))}.");
            if (column.Type != NumberDataViewType.Single)
                throw new ArgumentOutOfRangeException(nameof(schema),
                    $"Channel column '{name}' is {column.Type}, but each channel must be a Single scalar, one value per row. " +
                    "Convert it first, e.g. mlContext.Transforms.Conversion.ConvertType(name, outputKind: DataKind.Single).");
        }
    }
}
