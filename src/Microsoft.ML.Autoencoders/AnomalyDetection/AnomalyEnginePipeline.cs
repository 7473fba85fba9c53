using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders;

/// <summary>
/// How a detector scores before it is saved: the engine-backed <see cref="AutoencoderTransformer"/> writes the error
/// (and, for explanations, the reconstruction) to reserved columns, ML.NET CustomMappings turn them into Score,
/// PredictedLabel and the feature errors, and the reserved columns are dropped:
/// <code>
/// AutoencoderTransformer(features → __anomaly_error [, __anomaly_reconstruction])
///   → CustomMapping(error → Score, PredictedLabel) [→ CustomMapping(features, reconstruction → FeatureErrors)]
///   → DropColumns(reserved)
/// </code>
/// All of it is lazy and row-to-row, so prediction engines work. The saved form (<see cref="AnomalyOnnxChain"/>)
/// computes the same values with ONNX Runtime; tests hold the two equal.
/// </summary>
internal static class AnomalyEnginePipeline
{
    public static TransformerChain<ITransformer> Build(AutoencoderAnomalyTransformer detector)
    {
        var state = detector.State;
        var columns = state.Columns;
        var model = detector.Model;
        bool explain = columns.FeatureErrors != null;
        var networkColumns = new AutoencoderColumns(columns.Features, Encoded: null,
            Reconstruction: explain ? AutoencoderAnomalyEstimator.ReconstructionColumn : null,
            ReconstructionError: AutoencoderAnomalyEstimator.ErrorColumn);
        var network = new AutoencoderTransformer(model, networkColumns, detector.ScoringThreads);

        var mlContext = new MLContext();
        var schema = new DataViewSchema.Builder();
        schema.AddColumn(columns.Features, new VectorDataViewType(NumberDataViewType.Single, model.InputSize));
        IDataView shape = new Persistence.SchemaOnlyDataView(network.GetOutputSchema(schema.ToSchema()));

        var steps = new List<ITransformer> { network };
        var scoring = mlContext.Transforms.CustomMapping<ErrorRow, ScoreRow>(
            (row, output) =>
            {
                output.Score = AnomalyScoreRule.Score(state, row.Error);
                output.PredictedLabel = AnomalyScoreRule.IsAnomaly(state, output.Score);
            },
            contractName: null, outputSchemaDefinition: ScoreRow.Schema(columns)).Fit(shape);
        steps.Add(scoring);
        shape = scoring.Transform(shape);
        var reserved = new List<string> { AutoencoderAnomalyEstimator.ErrorColumn };
        if (explain)
        {
            var explaining = mlContext.Transforms.CustomMapping<PairRow, FeatureErrorsRow>(
                static (row, output) =>
                {
                    var errors = new float[row.Features.Length];
                    for (int j = 0; j < errors.Length; j++)
                    {
                        float difference = row.Features[j] - row.Reconstruction[j];
                        errors[j] = difference * difference;
                    }
                    output.FeatureErrors = errors;
                },
                contractName: null, PairRow.Schema(columns, model.InputSize), FeatureErrorsRow.Schema(columns, model.InputSize)).Fit(shape);
            steps.Add(explaining);
            shape = explaining.Transform(shape);
            reserved.Add(AutoencoderAnomalyEstimator.ReconstructionColumn);
        }
        steps.Add(mlContext.Transforms.DropColumns(reserved.ToArray()).Fit(shape));
        return new TransformerChain<ITransformer>(steps.ToArray());
    }

    /// <summary>The autoencoder's error for one row.</summary>
    internal sealed class ErrorRow
    {
        [ColumnName(AutoencoderAnomalyEstimator.ErrorColumn)]
        public float Error { get; set; }
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

    /// <summary>A row's features and their reconstruction.</summary>
    internal sealed class PairRow
    {
        public float[] Features { get; set; } = [];
        public float[] Reconstruction { get; set; } = [];

        public static SchemaDefinition Schema(AnomalyColumns columns, int size)
        {
            // The indexer looks columns up by their current name, so fetch both before renaming either.
            var definition = SchemaDefinition.Create(typeof(PairRow), SchemaDefinition.Direction.Read);
            var features = definition[nameof(Features)];
            var reconstruction = definition[nameof(Reconstruction)];
            features.ColumnName = columns.Features;
            features.ColumnType = new VectorDataViewType(NumberDataViewType.Single, size);
            reconstruction.ColumnName = AutoencoderAnomalyEstimator.ReconstructionColumn;
            reconstruction.ColumnType = new VectorDataViewType(NumberDataViewType.Single, size);
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
