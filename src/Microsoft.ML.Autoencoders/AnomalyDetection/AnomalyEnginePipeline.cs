using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders;

/// <summary>
/// How a detector scores before it is saved: the engine-backed <see cref="AutoencoderTransformer"/> writes the error
/// (and, for explanations, the reconstruction) to reserved columns, ML.NET CustomMappings turn them into Score,
/// PredictedLabel, the p-value and the feature errors (<see cref="AnomalyScoreRule"/>), and the reserved columns are dropped:
/// <code>
/// AutoencoderTransformer(features → __anomaly_error [, __anomaly_reconstruction])
///   [→ CopyColumns(features → __anomaly_guard_features) → StatefulCustomMapping(guard: error → __anomaly_checked_error)]  Throw only
///   → CustomMapping(error → Score, PredictedLabel) [→ CustomMapping(error → PValue)]
///   [→ CustomMapping(features, reconstruction, error → FeatureErrors)]
///   → DropColumns(reserved)
/// </code>
/// Every output mapping reads the (checked) error, so under <see cref="InvalidRowPolicy.Throw"/> reading any output of a
/// row runs the guard. All of it is lazy and row-to-row, so prediction engines work. The saved form
/// (<see cref="AnomalyOnnxChain"/>) computes the same values with ONNX Runtime; tests hold the two equal.
/// </summary>
internal static class AnomalyEnginePipeline
{
    private const string CheckedErrorColumn = AnomalyColumns.ReservedPrefix + "checked_error";

    /// <summary>ML.NET's annotation kind for slot names (its constant is internal; the value is the public contract).</summary>
    private const string AnnotationSlotNames = "SlotNames";

    public static TransformerChain<ITransformer> Build(AutoencoderAnomalyTransformer detector)
    {
        var state = detector.State;
        var columns = state.Columns;
        var inputSize = detector.Network.InputSize;
        bool explain = columns.NeedsFeatureErrors;
        var networkColumns = new AutoencoderColumns(state.NetworkInputColumn, Encoded: null,
            Reconstruction: explain ? AutoencoderAnomalyEstimator.ReconstructionColumn : null,
            ReconstructionError: AutoencoderAnomalyEstimator.ErrorColumn);
        var network = detector.Network.ScoringTransformer(networkColumns, detector.ScoringThreads);

        var mlContext = new MLContext();
        var schema = new DataViewSchema.Builder();
        var vector = new VectorDataViewType(NumberDataViewType.Single, inputSize);
        schema.AddColumn(columns.Features, vector);
        IDataView shape = new Persistence.SchemaOnlyDataView(schema.ToSchema());

        var steps = new List<ITransformer>();
        var reserved = new List<string> { AutoencoderAnomalyEstimator.ErrorColumn };
        void Add(ITransformer step)
        {
            steps.Add(step);
            shape = step.Transform(shape);
        }

        if (state.Standardization is { } standardization)
        {
            Add(mlContext.Transforms.CustomMapping<FeaturesRow, StandardizedRow>(
                (row, output) =>
                {
                    output.Standardized = new float[inputSize];
                    standardization.ApplyRow(row.Features, output.Standardized);
                },
                contractName: null, FeaturesRow.Schema(columns.Features, vector), StandardizedRow.Schema(vector)).Fit(shape));
            reserved.Add(FeatureStandardization.Column);
        }
        Add(network);

        string error = AutoencoderAnomalyEstimator.ErrorColumn;
        if (state.InvalidRowPolicy == InvalidRowPolicy.Throw)
        {
            Add(mlContext.Transforms.CopyColumns(AnomalyInvalidRowGuard.FeaturesColumn, columns.Features).Fit(shape));
            string featureColumn = columns.Features;
            Add(mlContext.Transforms.StatefulCustomMapping<GuardInput, CheckedErrorRow, AnomalyInvalidRowGuard.RowCounter>(
                (row, output, counter) =>
                {
                    AnomalyInvalidRows.Check(row.Features, counter.Rows++, featureColumn);
                    output.Error = row.Error;
                },
                static counter => counter.Rows = 0, contractName: null).Fit(shape));
            reserved.AddRange([AnomalyInvalidRowGuard.FeaturesColumn, CheckedErrorColumn]);
            error = CheckedErrorColumn;
        }

        Add(mlContext.Transforms.CustomMapping<ErrorRow, ScoreRow>(
            (row, output) =>
            {
                output.Score = AnomalyScoreRule.Score(state, row.Error);
                output.PredictedLabel = AnomalyScoreRule.IsAnomaly(state, output.Score);
            },
            contractName: null, ErrorRow.Schema(error), ScoreRow.Schema(columns)).Fit(shape));
        if (columns.PValue != null)
        {
            Add(mlContext.Transforms.CustomMapping<ErrorRow, PValueRow>(
                (row, output) => output.PValue = AnomalyScoreRule.PValue(state, row.Error),
                contractName: null, ErrorRow.Schema(error), PValueRow.Schema(columns)).Fit(shape));
        }
        if (explain)
        {
            // Without a feature-error column of the user's, the errors go to a reserved one that only the explanation reads.
            string featureErrors = columns.FeatureErrors ?? AnomalyHeadOnnx.FeatureErrors;
            var names = state.NamesOrNumbered(inputSize);
            Add(mlContext.Transforms.CustomMapping<PairRow, FeatureErrorsRow>(
                static (row, output) =>
                {
                    var errors = new float[row.Features.Length];
                    AnomalyScoreRule.FeatureErrors(row.Features, row.Reconstruction, errors);
                    output.FeatureErrors = errors;
                },
                contractName: null, PairRow.Schema(state.NetworkInputColumn, inputSize, error), FeatureErrorsRow.Schema(featureErrors, inputSize, names.SlotNames)).Fit(shape));
            reserved.Add(AutoencoderAnomalyEstimator.ReconstructionColumn);
            if (columns.FeatureErrors == null) reserved.Add(featureErrors);
            if (columns.Explanation != null)
            {
                int k = state.ExplanationTopK;
                Add(mlContext.Transforms.CustomMapping<FeatureErrorsRow, ExplanationRow>(
                    (row, output) =>
                    {
                        var culprits = AnomalyCulprits.Top(names, row.FeatureErrors, k);
                        output.Culprits = [.. culprits.Select(c => c.Column)];
                        output.Shares = [.. culprits.Select(c => c.Share)];
                    },
                    contractName: null, FeatureErrorsRow.Schema(featureErrors, inputSize, slotNames: null, SchemaDefinition.Direction.Read),
                    ExplanationRow.Schema(columns, k)).Fit(shape));
                if (columns.ExplanationShares == null) reserved.Add(ExplanationRow.UnusedShares);
            }
        }
        Add(mlContext.Transforms.DropColumns(reserved.ToArray()).Fit(shape));
        return new TransformerChain<ITransformer>(steps.ToArray());
    }

    /// <summary>A row's features, read from the column <see cref="Schema"/> names.</summary>
    internal sealed class FeaturesRow
    {
        public float[] Features { get; set; } = [];

        public static SchemaDefinition Schema(string featureColumn, VectorDataViewType type)
        {
            var definition = SchemaDefinition.Create(typeof(FeaturesRow), SchemaDefinition.Direction.Read);
            var features = definition[nameof(Features)];
            features.ColumnName = featureColumn;
            features.ColumnType = type;
            return definition;
        }
    }

    /// <summary>The standardized features the network reads.</summary>
    internal sealed class StandardizedRow
    {
        public float[] Standardized { get; set; } = [];

        public static SchemaDefinition Schema(VectorDataViewType type)
        {
            var definition = SchemaDefinition.Create(typeof(StandardizedRow));
            var standardized = definition[nameof(Standardized)];
            standardized.ColumnName = FeatureStandardization.Column;
            standardized.ColumnType = type;
            return definition;
        }
    }

    /// <summary>The culprits' names and error shares; the shares go to a reserved column when the user asked for none.</summary>
    internal sealed class ExplanationRow
    {
        public const string UnusedShares = AnomalyColumns.ReservedPrefix + "explanation_shares";

        public string[] Culprits { get; set; } = [];
        public float[] Shares { get; set; } = [];

        public static SchemaDefinition Schema(AnomalyColumns columns, int k)
        {
            var definition = SchemaDefinition.Create(typeof(ExplanationRow));
            var culprits = definition[nameof(Culprits)];
            var shares = definition[nameof(Shares)];
            culprits.ColumnName = columns.Explanation;
            culprits.ColumnType = new VectorDataViewType(TextDataViewType.Instance, k);
            shares.ColumnName = columns.ExplanationShares ?? UnusedShares;
            shares.ColumnType = new VectorDataViewType(NumberDataViewType.Single, k);
            return definition;
        }
    }

    /// <summary>The guard's input: the row's features and the autoencoder's error.</summary>
    internal sealed class GuardInput
    {
        [ColumnName(AnomalyInvalidRowGuard.FeaturesColumn)]
        public float[] Features { get; set; } = [];

        [ColumnName(AutoencoderAnomalyEstimator.ErrorColumn)]
        public float Error { get; set; }
    }

    /// <summary>The error once the guard has passed the row.</summary>
    internal sealed class CheckedErrorRow
    {
        [ColumnName(CheckedErrorColumn)]
        public float Error { get; set; }
    }

    /// <summary>The autoencoder's error for one row, read from the column <see cref="Schema"/> names.</summary>
    internal sealed class ErrorRow
    {
        public float Error { get; set; }

        public static SchemaDefinition Schema(string errorColumn)
        {
            var definition = SchemaDefinition.Create(typeof(ErrorRow), SchemaDefinition.Direction.Read);
            definition[nameof(Error)].ColumnName = errorColumn;
            return definition;
        }
    }

    /// <summary>Score and decision, renamed to the user's columns by <see cref="Schema"/>.</summary>
    internal sealed class ScoreRow
    {
        public float Score { get; set; }
        public bool PredictedLabel { get; set; }

        public static SchemaDefinition Schema(AnomalyColumns columns)
        {
            var definition = SchemaDefinition.Create(typeof(ScoreRow));
            var score = definition[nameof(Score)];
            var predictedLabel = definition[nameof(PredictedLabel)];
            score.ColumnName = columns.Score;
            predictedLabel.ColumnName = columns.PredictedLabel;
            return definition;
        }
    }

    /// <summary>The p-value, renamed to the user's column by <see cref="Schema"/>.</summary>
    internal sealed class PValueRow
    {
        public float PValue { get; set; }

        public static SchemaDefinition Schema(AnomalyColumns columns)
        {
            var definition = SchemaDefinition.Create(typeof(PValueRow));
            definition[nameof(PValue)].ColumnName = columns.PValue;
            return definition;
        }
    }

    /// <summary>
    /// A row's features and their reconstruction, and the error: unused by the rule, but reading it ties the feature
    /// errors to the invalid-row guard.
    /// </summary>
    internal sealed class PairRow
    {
        public float[] Features { get; set; } = [];
        public float[] Reconstruction { get; set; } = [];
        public float Error { get; set; }

        public static SchemaDefinition Schema(string networkInput, int size, string errorColumn)
        {
            // The indexer looks columns up by their current name, so fetch every one before renaming any.
            var definition = SchemaDefinition.Create(typeof(PairRow), SchemaDefinition.Direction.Read);
            var features = definition[nameof(Features)];
            var reconstruction = definition[nameof(Reconstruction)];
            var error = definition[nameof(Error)];
            features.ColumnName = networkInput;
            features.ColumnType = new VectorDataViewType(NumberDataViewType.Single, size);
            reconstruction.ColumnName = AutoencoderAnomalyEstimator.ReconstructionColumn;
            reconstruction.ColumnType = new VectorDataViewType(NumberDataViewType.Single, size);
            error.ColumnName = errorColumn;
            return definition;
        }
    }

    /// <summary>Each feature's squared reconstruction error, carrying the features' slot names when they had any.</summary>
    internal sealed class FeatureErrorsRow
    {
        public float[] FeatureErrors { get; set; } = [];

        public static SchemaDefinition Schema(string column, int size, string[]? slotNames, SchemaDefinition.Direction direction = SchemaDefinition.Direction.Both)
        {
            var definition = SchemaDefinition.Create(typeof(FeatureErrorsRow), direction);
            var errors = definition[nameof(FeatureErrors)];
            errors.ColumnName = column;
            errors.ColumnType = new VectorDataViewType(NumberDataViewType.Single, size);
            if (slotNames != null)
            {
                var names = new VBuffer<ReadOnlyMemory<char>>(size, [.. slotNames.Select(n => n.AsMemory())]);
                errors.AddAnnotation(AnnotationSlotNames, names, new VectorDataViewType(TextDataViewType.Instance, size));
            }
            return definition;
        }
    }
}
