using Microsoft.ML.Autoencoders.Persistence;
using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders;

/// <summary>
/// What an <see cref="AutoencoderAnomalyTransformer"/> becomes when saved: ML.NET's own transformers around two ONNX
/// graphs that this library writes — the autoencoder's (<see cref="AutoencoderOnnx"/>, unchanged) and the detector's
/// head (<see cref="AnomalyHeadOnnx"/>, with the threshold, normalization, reference scores and invalid-row rule inside) —
/// so a fresh process needs nothing of ours but the CustomMapping contracts:
/// <code>
/// ApplyOnnxModel(features → __anomaly_error_vector [, __anomaly_reconstruction])          network graph (an imported
///        network: its own graph, then the adapter that computes the error, see OnnxImportChain)
/// [ApplyOnnxModel(features → __anomaly_standardized_features)]                              standardization graph (Sub, Div), StandardizeFeatures only
///   → ApplyOnnxModel(network input → ...)   as below, the network reading the standardized copy when there is one
///   [→ CopyColumns(features → __anomaly_guard_features) → StatefulCustomMapping(AnomalyInvalidRowGuard:
///        error vector → __anomaly_checked_error_vector, throwing for a row with a non-finite feature)]   InvalidRowPolicy.Throw only
///   → ApplyOnnxModel(error [, network input, reconstruction] → score, label [, p-value] [, feature errors] [, culprits [, shares]])  head graph
///   → CustomMapping(AnomalyOutputsToScalars) [→ CustomMapping(AnomalyPValueToScalar)]
///   → CopyColumns(user names) → DropColumns(reserved)
/// </code>
/// </summary>
internal static class AnomalyOnnxChain
{
    public static ICanSaveModel Build(AutoencoderAnomalyTransformer detector)
    {
        var state = detector.State;
        var columns = state.Columns;
        bool explain = columns.NeedsFeatureErrors;
        bool guard = state.InvalidRowPolicy == InvalidRowPolicy.Throw;
        var mlContext = new MLContext();

        var reserved = new List<string> { AnomalyHeadOnnx.ErrorVector };
        if (explain) reserved.Add(AutoencoderAnomalyEstimator.ReconstructionColumn);
        IEstimator<ITransformer> full = detector.Network.SavedSteps(mlContext, state.NetworkInputColumn, AnomalyHeadOnnx.ErrorVector,
            explain ? AutoencoderAnomalyEstimator.ReconstructionColumn : null, reserved, out byte[] network);
        if (state.Standardization is { } standardization)
        {
            // The standardization's own small graph in front; the network graph stays the library's plain autoencoder graph.
            full = mlContext.Transforms.ApplyOnnxModel([FeatureStandardization.Column], [columns.Features],
                new MemoryStream(standardization.ToOnnxBytes(columns.Features))).Append(full);
            reserved.Add(FeatureStandardization.Column);
        }
        string headError = guard ? AnomalyInvalidRowGuard.CheckedErrorVector : AnomalyHeadOnnx.ErrorVector;
        byte[] head = AnomalyHeadOnnx.ToBytes(state, detector.Network.InputSize, network, headError);

        var headInputs = new List<string> { headError };
        if (explain) headInputs.AddRange([state.NetworkInputColumn, AutoencoderAnomalyEstimator.ReconstructionColumn]);
        var headOutputs = new List<string> { AnomalyHeadOnnx.ScoreVector, AnomalyHeadOnnx.LabelVector };
        if (columns.PValue != null) headOutputs.Add(AnomalyHeadOnnx.PValueVector);
        if (columns.FeatureErrors != null) headOutputs.Add(AnomalyHeadOnnx.FeatureErrors);
        if (columns.Explanation != null) headOutputs.Add(AnomalyHeadOnnx.Culprits);
        if (columns.ExplanationShares != null) headOutputs.Add(AnomalyHeadOnnx.CulpritShares);

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
        if (columns.FeatureErrors != null) full = full.Append(mlContext.Transforms.CopyColumns(columns.FeatureErrors, AnomalyHeadOnnx.FeatureErrors));
        if (columns.Explanation != null) full = full.Append(mlContext.Transforms.CopyColumns(columns.Explanation, AnomalyHeadOnnx.Culprits));
        if (columns.ExplanationShares != null) full = full.Append(mlContext.Transforms.CopyColumns(columns.ExplanationShares, AnomalyHeadOnnx.CulpritShares));
        full = full.Append(mlContext.Transforms.DropColumns(reserved.ToArray()));

        return (ICanSaveModel)full.Fit(new SchemaOnlyDataView(OnnxImportChain.InputSchema(columns.Features, detector.Network.InputSize)));
    }
}
