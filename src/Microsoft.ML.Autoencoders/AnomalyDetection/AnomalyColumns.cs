namespace Microsoft.ML.Autoencoders;

/// <summary>The columns a detector reads and writes; <see cref="FeatureErrors"/> and <see cref="PValue"/> are null when not produced.</summary>
internal sealed record AnomalyColumns(string Features, string Score, string PredictedLabel, string? FeatureErrors, string? PValue = null)
{
    /// <summary>The culprit-names column (a Text vector), or null.</summary>
    public string? Explanation { get; init; }

    /// <summary>The culprits' error shares (a Single vector), or null; only beside <see cref="Explanation"/>.</summary>
    public string? ExplanationShares { get; init; }

    /// <summary>True when the detector needs each feature's error: for the feature-error column or for explanations.</summary>
    public bool NeedsFeatureErrors => FeatureErrors != null || Explanation != null;

    /// <summary>Reserved names the detector's pipelines use between steps; they never reach the user's schema.</summary>
    public const string ReservedPrefix = "__anomaly_";

    public static AnomalyColumns FromOptions(AutoencoderAnomalyOptions options)
    {
        Require(options.FeatureColumnName, nameof(options.FeatureColumnName));
        Require(options.ScoreColumnName, nameof(options.ScoreColumnName));
        Require(options.PredictedLabelColumnName, nameof(options.PredictedLabelColumnName));
        var columns = new AnomalyColumns(options.FeatureColumnName, options.ScoreColumnName, options.PredictedLabelColumnName,
            string.IsNullOrWhiteSpace(options.FeatureErrorsColumnName) ? null : options.FeatureErrorsColumnName,
            string.IsNullOrWhiteSpace(options.PValueColumnName) ? null : options.PValueColumnName)
        {
            Explanation = string.IsNullOrWhiteSpace(options.ExplanationColumnName) ? null : options.ExplanationColumnName,
            ExplanationShares = string.IsNullOrWhiteSpace(options.ExplanationSharesColumnName) ? null : options.ExplanationSharesColumnName,
        };
        if (columns.ExplanationShares != null && columns.Explanation == null)
            throw new ArgumentException("ExplanationSharesColumnName is set but ExplanationColumnName is not: the shares belong to the named culprits; set both.", nameof(options));
        // Without the culprit column nothing reads the count: a user who set it expects culprits and would get none, silently.
        if (columns.Explanation == null && options.ExplanationTopK != AutoencoderAnomalyEstimator.Defaults.ExplanationTopK)
            throw new ArgumentException($"ExplanationTopK ({options.ExplanationTopK}) is how many culprit columns ExplanationColumnName names, but ExplanationColumnName " +
                "is not set: set it to get the culprits, or leave ExplanationTopK at its default.", nameof(options));
        if (columns.Explanation != null && options.ExplanationTopK < 1)
            throw new ArgumentOutOfRangeException(nameof(options), options.ExplanationTopK, "ExplanationTopK must be at least 1.");
        var outputs = columns.Outputs.ToList();
        if (outputs.Distinct().Count() != outputs.Count)
            throw new ArgumentException($"The output columns must have different names (got {string.Join(", ", outputs)}).", nameof(options));
        foreach (var name in outputs.Append(columns.Features))
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
            if (PValue != null) yield return PValue;
            if (FeatureErrors != null) yield return FeatureErrors;
            if (Explanation != null) yield return Explanation;
            if (ExplanationShares != null) yield return ExplanationShares;
        }
    }

    private static void Require(string? name, string property)
    {
        if (string.IsNullOrWhiteSpace(name))
            throw new ArgumentException($"{property} must name a column.", property);
    }
}
