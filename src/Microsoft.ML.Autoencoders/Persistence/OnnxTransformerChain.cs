using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders.Persistence;

/// <summary>
/// What an <see cref="AutoencoderTransformer"/> becomes when saved: a chain of ML.NET's own transformers that
/// reproduces its outputs, so <c>mlContext.Model.Load</c> needs nothing of ours but the CustomMapping contract.
/// ML.NET lets an outside assembly write no bytes of its own into a model zip (MLNET-NOTES), so the state travels
/// as an ONNX model inside ApplyOnnxModel:
/// <code>
/// ApplyOnnxModel(input → __autoencoder_encoded, __autoencoder_reconstruction, __autoencoder_error_vector)
///   → CustomMapping(error vector [1] → scalar)   (only if the error column is requested)
///   → CopyColumns(user names ← reserved names) → DropColumns(reserved names)
/// </code>
/// </summary>
internal static class OnnxTransformerChain
{
    private const string EncodedColumn = "__autoencoder_encoded";
    private const string ReconstructionColumn = "__autoencoder_reconstruction";

    /// <summary>Builds the fitted chain for <paramref name="transformer"/>.</summary>
    public static ICanSaveModel Build(AutoencoderTransformer transformer)
    {
        var mlContext = new MLContext();
        var columns = transformer.Columns;
        var model = transformer.Model;
        var names = new AutoencoderOnnx.GraphNames(columns.Input, EncodedColumn, ReconstructionColumn, ErrorVectorToScalar.VectorColumn, NegativeElboVectorToScalar.VectorColumn);
        byte[] onnx = AutoencoderOnnx.ToBytes(model, columns, names, batched: false);

        var onnxOutputs = new List<string>();
        var copies = new List<InputOutputColumnPair>();
        if (columns.Encoded != null) { onnxOutputs.Add(EncodedColumn); copies.Add(new(columns.Encoded, EncodedColumn)); }
        if (columns.Reconstruction != null || columns.Denoised != null) onnxOutputs.Add(ReconstructionColumn);
        if (columns.Reconstruction != null) copies.Add(new(columns.Reconstruction, ReconstructionColumn));
        if (columns.Denoised != null) copies.Add(new(columns.Denoised, ReconstructionColumn)); // the same tensor under the denoising name
        if (columns.ReconstructionError != null) { onnxOutputs.Add(ErrorVectorToScalar.VectorColumn); copies.Add(new(columns.ReconstructionError, ErrorVectorToScalar.ScalarColumn)); }
        if (columns.NegativeElbo != null) { onnxOutputs.Add(NegativeElboVectorToScalar.VectorColumn); copies.Add(new(columns.NegativeElbo, NegativeElboVectorToScalar.ScalarColumn)); }

        IEstimator<ITransformer> pipeline = mlContext.Transforms.ApplyOnnxModel(onnxOutputs.ToArray(), [columns.Input], new MemoryStream(onnx));
        var reserved = new List<string>(onnxOutputs);
        if (columns.ReconstructionError != null)
        {
            pipeline = pipeline.Append(mlContext.Transforms.CustomMapping(new ErrorVectorToScalar().GetMapping(), ErrorVectorToScalar.ContractName));
            reserved.Add(ErrorVectorToScalar.ScalarColumn);
        }
        if (columns.NegativeElbo != null)
        {
            pipeline = pipeline.Append(mlContext.Transforms.CustomMapping(new NegativeElboVectorToScalar().GetMapping(), NegativeElboVectorToScalar.ContractName));
            reserved.Add(NegativeElboVectorToScalar.ScalarColumn);
        }
        foreach (var copy in copies) pipeline = pipeline.Append(mlContext.Transforms.CopyColumns(copy.OutputColumnName, copy.InputColumnName));
        pipeline = pipeline.Append(mlContext.Transforms.DropColumns(reserved.ToArray()));

        var schema = new DataViewSchema.Builder();
        schema.AddColumn(columns.Input, new VectorDataViewType(NumberDataViewType.Single, model.InputSize));
        return (ICanSaveModel)pipeline.Fit(new SchemaOnlyDataView(schema.ToSchema()));
    }
}
