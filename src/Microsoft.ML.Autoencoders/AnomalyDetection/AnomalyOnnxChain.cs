using Microsoft.ML.Autoencoders.Persistence;
using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders;

/// <summary>
/// What an <see cref="AutoencoderAnomalyTransformer"/> becomes when saved: ML.NET's own transformers around two ONNX
/// graphs that this library writes — the autoencoder's (<see cref="AutoencoderOnnx"/>, unchanged) and the detector's
/// head (<see cref="AnomalyHeadOnnx"/>, with the threshold and normalization inside) — so a fresh process needs
/// nothing of ours but the CustomMapping contract:
/// <code>
/// ApplyOnnxModel(features → __anomaly_error_vector [, __anomaly_reconstruction])          network graph
///   → ApplyOnnxModel(error [, features, reconstruction] → score, label [, feature errors])  head graph
///   → CustomMapping(AnomalyOutputsToScalars) → CopyColumns(user names) → DropColumns(reserved)
/// </code>
/// </summary>
internal static class AnomalyOnnxChain
{
    private const string EncodedColumn = AnomalyColumns.ReservedPrefix + "encoded";

    public static ICanSaveModel Build(AutoencoderAnomalyTransformer detector)
    {
        var state = detector.State;
        var columns = state.Columns;
        var model = detector.Model;
        bool explain = columns.FeatureErrors != null;
        var mlContext = new MLContext();

        var networkColumns = new AutoencoderColumns(columns.Features, Encoded: null,
            Reconstruction: explain ? AutoencoderAnomalyEstimator.ReconstructionColumn : null, ReconstructionError: AnomalyHeadOnnx.ErrorVector);
        var graphNames = new AutoencoderOnnx.GraphNames(columns.Features, EncodedColumn, AutoencoderAnomalyEstimator.ReconstructionColumn, AnomalyHeadOnnx.ErrorVector);
        byte[] network = AutoencoderOnnx.ToBytes(model, networkColumns, graphNames, batched: false);
        byte[] head = AnomalyHeadOnnx.ToBytes(state, model.InputSize, network);

        string[] networkOutputs = explain ? [AnomalyHeadOnnx.ErrorVector, AutoencoderAnomalyEstimator.ReconstructionColumn] : [AnomalyHeadOnnx.ErrorVector];
        string[] headInputs = explain ? [AnomalyHeadOnnx.ErrorVector, columns.Features, AutoencoderAnomalyEstimator.ReconstructionColumn] : [AnomalyHeadOnnx.ErrorVector];
        string[] headOutputs = explain ? [AnomalyHeadOnnx.ScoreVector, AnomalyHeadOnnx.LabelVector, AnomalyHeadOnnx.FeatureErrors] : [AnomalyHeadOnnx.ScoreVector, AnomalyHeadOnnx.LabelVector];

        var pipeline = mlContext.Transforms.ApplyOnnxModel(networkOutputs, [columns.Features], new MemoryStream(network))
            .Append(mlContext.Transforms.ApplyOnnxModel(headOutputs, headInputs, new MemoryStream(head)))
            .Append(mlContext.Transforms.CustomMapping(new AnomalyOutputsToScalars().GetMapping(), AnomalyOutputsToScalars.ContractName))
            .Append(mlContext.Transforms.CopyColumns(columns.Score, AnomalyOutputsToScalars.ScoreColumn))
            .Append(mlContext.Transforms.CopyColumns(columns.PredictedLabel, AnomalyOutputsToScalars.PredictedLabelColumn));
        var reserved = networkOutputs.Concat(headOutputs).Append(AnomalyOutputsToScalars.ScoreColumn).Append(AnomalyOutputsToScalars.PredictedLabelColumn).ToList();
        IEstimator<ITransformer> full = pipeline;
        if (explain) full = full.Append(mlContext.Transforms.CopyColumns(columns.FeatureErrors!, AnomalyHeadOnnx.FeatureErrors));
        full = full.Append(mlContext.Transforms.DropColumns(reserved.ToArray()));

        var schema = new DataViewSchema.Builder();
        schema.AddColumn(columns.Features, new VectorDataViewType(NumberDataViewType.Single, model.InputSize));
        return (ICanSaveModel)full.Fit(new SchemaOnlyDataView(schema.ToSchema()));
    }
}
