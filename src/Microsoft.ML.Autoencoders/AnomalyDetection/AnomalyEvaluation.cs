using Microsoft.ML.Data;
using Microsoft.ML.Runtime;

namespace Microsoft.ML.Autoencoders;

/// <summary>
/// <c>mlContext.AnomalyDetection.EvaluateAutoencoder(...)</c>: ML.NET's anomaly evaluator with the columns checked first,
/// so a wrong label type or a missing column fails with the column's name and the fix instead of ML.NET's generic error,
/// and with rows that could not be scored (Score = +∞) counted as the most anomalous rather than skipped.
/// </summary>
public static class AnomalyEvaluation
{
    /// <summary>
    /// Checks the columns, then returns <c>catalog.Evaluate(...)</c>: AUC, and the detection rate at
    /// <paramref name="falsePositiveCount"/> false positives. ML.NET's evaluator skips rows whose score is not finite; a
    /// detector gives +∞ to a row it cannot score (<see cref="InvalidRowPolicy.FlagAsAnomaly"/>), so such scores are
    /// evaluated as <see cref="float.MaxValue"/>: above every other row, tied with each other. An AUC clearly below 0.5
    /// (<see cref="AucBelowChance"/>) also writes a warning to <c>mlContext.Log</c>: the label must mean anomaly (1), not normal.
    /// </summary>
    /// <param name="catalog">The anomaly-detection catalog.</param>
    /// <param name="data">Scored data, e.g. a detector's <c>Transform</c> output.</param>
    /// <param name="labelColumnName">
    /// The truth, which must mean anomaly: Single (1 = anomaly, 0 = normal) or a key with two values.
    /// Boolean is refused, with the conversion to use.
    /// </param>
    /// <param name="scoreColumnName">The score: Single, higher = more anomalous.</param>
    /// <param name="predictedLabelColumnName">The decision: Boolean.</param>
    /// <param name="falsePositiveCount">The number of false positives at which the detection rate is reported.</param>
    public static AnomalyDetectionMetrics EvaluateAutoencoder(
        this AnomalyDetectionCatalog catalog,
        IDataView data,
        string labelColumnName = "Label",
        string scoreColumnName = AutoencoderAnomalyEstimator.Defaults.ScoreColumnName,
        string predictedLabelColumnName = AutoencoderAnomalyEstimator.Defaults.PredictedLabelColumnName,
        int falsePositiveCount = 10)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(data);
        CheckColumns(data.Schema, labelColumnName, scoreColumnName, predictedLabelColumnName);
        // ML.NET's own errors for these name its internal arguments ('K', 'PosSample'), not the caller's.
        if (falsePositiveCount < 1)
            throw new ArgumentOutOfRangeException(nameof(falsePositiveCount), falsePositiveCount,
                "falsePositiveCount is the number of false positives at which the detection rate is read, and must be at least 1 (10 by default).");
        var classes = CountBothClasses(data, labelColumnName);
        var ranked = new MLContext().Transforms.CustomMapping<ScoreRow, RankedScoreRow>(
            static (row, output) => output.Score = float.IsPositiveInfinity(row.Score) ? float.MaxValue : row.Score,
            contractName: null, ScoreRow.Schema(scoreColumnName)).Fit(data).Transform(data);
        var metrics = catalog.Evaluate(ranked, labelColumnName, RankedScoreColumn, predictedLabelColumnName, falsePositiveCount);
        WarnWhenBelowChance(catalog, classes, metrics.AreaUnderRocCurve);
        return metrics;
    }

    /// <summary>
    /// Refuses labels of one class only, which ML.NET's evaluator rejects naming its internal argument: the AUC and the
    /// detection rate compare anomalous rows with normal ones. Reads the label column alone, so the detector does not run; returns the two counts.
    /// </summary>
    private static (long First, long Second) CountBothClasses(IDataView data, string labelColumnName)
    {
        var (anomalies, normal) = AucBelowChance.CountClasses(data, labelColumnName);
        if (anomalies > 0 && normal > 0) return (anomalies, normal);
        throw new ArgumentException(
            $"Label column '{labelColumnName}' has {anomalies} anomalous and {normal} normal rows (missing labels not counted), but the AUC and " +
            "the detection rate compare the two, so they need rows of both. Evaluate on data that holds both kinds, labelled 1 for anomaly and 0 for normal.",
            nameof(data));
    }

    /// <summary>Writes <see cref="AucBelowChance"/>'s warning, from the class counts already taken, to <c>mlContext.Log</c> (source "Autoencoders; Evaluate") when it applies.</summary>
    private static void WarnWhenBelowChance(AnomalyDetectionCatalog catalog, (long First, long Second) classes, double auc)
    {
        if (auc >= 0.5 || CatalogEnvironment.Of(catalog) is not { } environment) return;
        if (AucBelowChance.Warning(auc, classes.First, classes.Second) is not { } warning) return;
        using var channel = environment.Register(TrainingLog.ComponentName).Start("Evaluate");
        channel.Warning(MessageSensitivity.None, "{0}", warning);
    }

    private const string RankedScoreColumn = AnomalyColumns.ReservedPrefix + "ranked_score";

    private sealed class ScoreRow
    {
        public float Score { get; set; }

        public static SchemaDefinition Schema(string scoreColumn)
        {
            var definition = SchemaDefinition.Create(typeof(ScoreRow), SchemaDefinition.Direction.Read);
            definition[nameof(Score)].ColumnName = scoreColumn;
            return definition;
        }
    }

    private sealed class RankedScoreRow
    {
        [ColumnName(RankedScoreColumn)]
        public float Score { get; set; }
    }

    /// <summary>Throws a message naming the column and the fix when the evaluator would refuse <paramref name="schema"/>.</summary>
    internal static void CheckColumns(DataViewSchema schema, string label, string score, string predictedLabel)
    {
        var labelColumn = Find(schema, label, "label");
        if (labelColumn.Type is BooleanDataViewType)
            throw new ArgumentOutOfRangeException(nameof(label),
                $"Label column '{label}' is Boolean, which ML.NET's anomaly evaluator refuses. Convert it to Single first (true → 1 = anomaly): " +
                $"mlContext.Transforms.Conversion.ConvertType(\"{label}\", outputKind: DataKind.Single).");
        bool twoValuedKey = labelColumn.Type is KeyDataViewType key && key.Count == 2;
        if (labelColumn.Type != NumberDataViewType.Single && !twoValuedKey)
            throw new ArgumentOutOfRangeException(nameof(label),
                $"Label column '{label}' is {labelColumn.Type}; the anomaly evaluator needs Single (1 = anomaly, 0 = normal) or a key with two values. " +
                $"Convert it, e.g. mlContext.Transforms.Conversion.ConvertType(\"{label}\", outputKind: DataKind.Single).");
        var scoreColumn = Find(schema, score, "score");
        if (scoreColumn.Type != NumberDataViewType.Single)
            throw new ArgumentOutOfRangeException(nameof(score), $"Score column '{score}' is {scoreColumn.Type}; the anomaly evaluator needs Single (higher = more anomalous).");
        var predictedColumn = Find(schema, predictedLabel, "predicted label");
        if (predictedColumn.Type is not BooleanDataViewType)
            throw new ArgumentOutOfRangeException(nameof(predictedLabel), $"Predicted label column '{predictedLabel}' is {predictedColumn.Type}; the anomaly evaluator needs Boolean.");
    }

    private static DataViewSchema.Column Find(DataViewSchema schema, string name, string role) =>
        schema.GetColumnOrNull(name) ?? throw new ArgumentOutOfRangeException(nameof(schema),
            $"The {role} column '{name}' was not found. Columns present: {string.Join(", ", schema.Where(c => !c.IsHidden).Select(c => $"'{c.Name}'"))}.");
}
