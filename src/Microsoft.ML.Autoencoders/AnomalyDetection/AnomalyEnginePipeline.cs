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

    public static TransformerChain<ITransformer> Build(AutoencoderAnomalyTransformer detector)
    {
        var state = detector.State;
        var columns = state.Columns;
        var inputSize = detector.Network.InputSize;
        bool explain = columns.FeatureErrors != null;
        var networkColumns = new AutoencoderColumns(columns.Features, Encoded: null,
            Reconstruction: explain ? AutoencoderAnomalyEstimator.ReconstructionColumn : null,
            ReconstructionError: AutoencoderAnomalyEstimator.ErrorColumn);
        var network = detector.Network.ScoringTransformer(networkColumns, detector.ScoringThreads);

        var mlContext = new MLContext();
        var schema = new DataViewSchema.Builder();
        schema.AddColumn(columns.Features, new VectorDataViewType(NumberDataViewType.Single, inputSize));
        IDataView shape = new Persistence.SchemaOnlyDataView(network.GetOutputSchema(schema.ToSchema()));

        var steps = new List<ITransformer> { network };
        var reserved = new List<string> { AutoencoderAnomalyEstimator.ErrorColumn };
        void Add(ITransformer step)
        {
            steps.Add(step);
            shape = step.Transform(shape);
        }

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
            Add(mlContext.Transforms.CustomMapping<PairRow, FeatureErrorsRow>(
                static (row, output) =>
                {
                    var errors = new float[row.Features.Length];
                    AnomalyScoreRule.FeatureErrors(row.Features, row.Reconstruction, errors);
                    output.FeatureErrors = errors;
                },
                contractName: null, PairRow.Schema(columns, inputSize, error), FeatureErrorsRow.Schema(columns, inputSize)).Fit(shape));
            reserved.Add(AutoencoderAnomalyEstimator.ReconstructionColumn);
        }
        Add(mlContext.Transforms.DropColumns(reserved.ToArray()).Fit(shape));
        return new TransformerChain<ITransformer>(steps.ToArray());
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

        public static SchemaDefinition Schema(AnomalyColumns columns, int size, string errorColumn)
        {
            // The indexer looks columns up by their current name, so fetch every one before renaming any.
            var definition = SchemaDefinition.Create(typeof(PairRow), SchemaDefinition.Direction.Read);
            var features = definition[nameof(Features)];
            var reconstruction = definition[nameof(Reconstruction)];
            var error = definition[nameof(Error)];
            features.ColumnName = columns.Features;
            features.ColumnType = new VectorDataViewType(NumberDataViewType.Single, size);
            reconstruction.ColumnName = AutoencoderAnomalyEstimator.ReconstructionColumn;
            reconstruction.ColumnType = new VectorDataViewType(NumberDataViewType.Single, size);
            error.ColumnName = errorColumn;
            return definition;
        }
    }

    /// <summary>Each feature's squared reconstruction error.</summary>
    internal sealed class FeatureErrorsRow
    {
        public float[] FeatureErrors { get; set; } = [];

        public static SchemaDefinition Schema(AnomalyColumns columns, int size)
        {
            var definition = SchemaDefinition.Create(typeof(FeatureErrorsRow));
            var errors = definition[nameof(FeatureErrors)];
            errors.ColumnName = columns.FeatureErrors;
            errors.ColumnType = new VectorDataViewType(NumberDataViewType.Single, size);
            return definition;
        }
    }
}
