using Microsoft.ML.Autoencoders.Persistence;

namespace Microsoft.ML.Autoencoders;

/// <summary>A detector's network trained by this library: the engine scores, and the saved form is our own ONNX graph.</summary>
internal sealed class EngineDetectorNetwork(AutoencoderModel model) : DetectorNetwork
{
    public AutoencoderModel Model { get; } = model;

    public override int InputSize => Model.InputSize;

    public override float[] ReconstructionErrors(float[] data, int rows, int threads) => Model.ReconstructionErrors(data, rows, threads);

    public override ITransformer ScoringTransformer(AutoencoderColumns columns, int threads) => new AutoencoderTransformer(Model, columns, threads);

    public override IEstimator<ITransformer> SavedSteps(MLContext ml, string featureColumn, string errorVector, string? reconstructionColumn,
        List<string> reserved, out byte[] networkOnnx)
    {
        var columns = new AutoencoderColumns(featureColumn, Encoded: null, Reconstruction: reconstructionColumn, ReconstructionError: errorVector);
        var names = new AutoencoderOnnx.GraphNames(featureColumn, AnomalyColumns.ReservedPrefix + "encoded", reconstructionColumn ?? AutoencoderAnomalyEstimator.ReconstructionColumn, errorVector);
        networkOnnx = AutoencoderOnnx.ToBytes(Model, columns, names, batched: false);
        var outputs = new List<string> { errorVector };
        if (reconstructionColumn != null) outputs.Add(reconstructionColumn);
        return ml.Transforms.ApplyOnnxModel(outputs.ToArray(), [featureColumn], new MemoryStream(networkOnnx));
    }
}
