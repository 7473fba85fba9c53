using Microsoft.ML.Autoencoders.Persistence;
using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders;

/// <summary>
/// What an <see cref="AutoencoderAnomalyTransformer"/> becomes when saved: ML.NET's own transformers around two ONNX
/// graphs that this library writes — the autoencoder's (<see cref="AutoencoderOnnx"/>, unchanged) and the detector's
/// head (<see cref="AnomalyHeadOnnx"/>, with the threshold, normalization, reference scores and invalid-row rule inside) —
/// so a fresh process needs nothing of ours but the CustomMapping contracts:
/// <code>
/// ApplyOnnxModel(features → __anomaly_error_vector [, __anomaly_reconstruction])          network graph
///   [→ CopyColumns(features → __anomaly_guard_features) → StatefulCustomMapping(AnomalyInvalidRowGuard:
///        error vector → __anomaly_checked_error_vector, throwing for a row with a non-finite feature)]   InvalidRowPolicy.Throw only
///   → ApplyOnnxModel(error [, features, reconstruction] → score, label [, p-value] [, feature errors])  head graph
///   → CustomMapping(AnomalyOutputsToScalars) [→ CustomMapping(AnomalyPValueToScalar)]
///   → CopyColumns(user names) → DropColumns(reserved)
/// </code>
/// </summary>
internal static class AnomalyOnnxChain
{
    private const string EncodedColumn = AnomalyColumns.ReservedPrefix + "encoded";
    private const string UnreadErrorVector = AnomalyColumns.ReservedPrefix + "unread_error_vector";

    public static ICanSaveModel Build(AutoencoderAnomalyTransformer detector)
    {
        var state = detector.State;
        var columns = state.Columns;
        var model = detector.Model;
        bool explain = columns.FeatureErrors != null;
        bool guard = state.InvalidRowPolicy == InvalidRowPolicy.Throw;
        var mlContext = new MLContext();

        var networkColumns = state.NetworkColumns(AnomalyHeadOnnx.ErrorVector, explain ? AutoencoderAnomalyEstimator.ReconstructionColumn : null);
        // The head reads the raw score under one name, whichever graph output it is; the other is left unread.
        var graphNames = state.ScoreSource == AnomalyScoreSource.NegativeElbo
            ? new AutoencoderOnnx.GraphNames(columns.Features, EncodedColumn, AutoencoderAnomalyEstimator.ReconstructionColumn, UnreadErrorVector, AnomalyHeadOnnx.ErrorVector)
            : new AutoencoderOnnx.GraphNames(columns.Features, EncodedColumn, AutoencoderAnomalyEstimator.ReconstructionColumn, AnomalyHeadOnnx.ErrorVector);
        byte[] network = AutoencoderOnnx.ToBytes(model, networkColumns, graphNames, batched: false);
        string headError = guard ? AnomalyInvalidRowGuard.CheckedErrorVector : AnomalyHeadOnnx.ErrorVector;
        byte[] head = AnomalyHeadOnnx.ToBytes(state, model.InputSize, network, headError);

        var networkOutputs = new List<string> { AnomalyHeadOnnx.ErrorVector };
        if (explain) networkOutputs.Add(AutoencoderAnomalyEstimator.ReconstructionColumn);
        var headInputs = new List<string> { headError };
        if (explain) headInputs.AddRange([columns.Features, AutoencoderAnomalyEstimator.ReconstructionColumn]);
        var headOutputs = new List<string> { AnomalyHeadOnnx.ScoreVector, AnomalyHeadOnnx.LabelVector };
        if (columns.PValue != null) headOutputs.Add(AnomalyHeadOnnx.PValueVector);
        if (explain) headOutputs.Add(AnomalyHeadOnnx.FeatureErrors);
        var reserved = new List<string>(networkOutputs);

        IEstimator<ITransformer> full = mlContext.Transforms.ApplyOnnxModel(networkOutputs.ToArray(), [columns.Features], new MemoryStream(network));
        if (guard)
        {
            var factory = new AnomalyInvalidRowGuard();
            full = full.Append(mlContext.Transforms.CopyColumns(AnomalyInvalidRowGuard.FeaturesColumn, columns.Features))
                .Append(mlContext.Transforms.StatefulCustomMapping(factory.GetMapping(), factory.GetStateInitAction(), AnomalyInvalidRowGuard.ContractName));
            reserved.AddRange([AnomalyInvalidRowGuard.FeaturesColumn, AnomalyInvalidRowGuard.CheckedErrorVector]);
        }
        full = full.Append(mlContext.Transforms.ApplyOnnxModel(headOutputs.ToArray(), headInputs.ToArray(), new MemoryStream(head)))
            .Append(mlContext.Transforms.CustomMapping(new AnomalyOutputsToScalars().GetMapping(), AnomalyOutputsToScalars.ContractName))
            .Append(mlContext.Transforms.CopyColumns(columns.Score, AnomalyOutputsToScalars.ScoreColumn))
            .Append(mlContext.Transforms.CopyColumns(columns.PredictedLabel, AnomalyOutputsToScalars.PredictedLabelColumn));
        reserved.AddRange(headOutputs);
        reserved.AddRange([AnomalyOutputsToScalars.ScoreColumn, AnomalyOutputsToScalars.PredictedLabelColumn]);
        if (columns.PValue != null)
        {
            full = full.Append(mlContext.Transforms.CustomMapping(new AnomalyPValueToScalar().GetMapping(), AnomalyPValueToScalar.ContractName))
                .Append(mlContext.Transforms.CopyColumns(columns.PValue, AnomalyPValueToScalar.PValueColumn));
            reserved.Add(AnomalyPValueToScalar.PValueColumn);
        }
        if (explain) full = full.Append(mlContext.Transforms.CopyColumns(columns.FeatureErrors!, AnomalyHeadOnnx.FeatureErrors));
        full = full.Append(mlContext.Transforms.DropColumns(reserved.ToArray()));

        var schema = new DataViewSchema.Builder();
        schema.AddColumn(columns.Features, new VectorDataViewType(NumberDataViewType.Single, model.InputSize));
        return (ICanSaveModel)full.Fit(new SchemaOnlyDataView(schema.ToSchema()));
    }
}
