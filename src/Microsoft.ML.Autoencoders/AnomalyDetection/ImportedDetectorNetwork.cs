using Microsoft.ML.Autoencoders.Persistence;

namespace Microsoft.ML.Autoencoders;

/// <summary>
/// A detector's network imported as an ONNX graph made elsewhere: ONNX Runtime scores it in batches, and the saved form is
/// the graph's own bytes followed by our adapter (<see cref="OnnxImportChain"/>), which the head pairs itself with.
/// </summary>
internal sealed class ImportedDetectorNetwork(OnnxAutoencoderModel model) : DetectorNetwork
{
    public OnnxAutoencoderModel Model { get; } = model;

    public override int InputSize => Model.InputSize;

    public override float[] RawScores(float[] data, int rows, int threads) => Model.ReconstructionErrors(data, rows);

    public override ITransformer ScoringTransformer(AutoencoderColumns columns, int threads) => new OnnxAutoencoderTransformer(Model, columns);

    public override IEstimator<ITransformer> SavedSteps(MLContext ml, string featureColumn, string errorVector, string? reconstructionColumn,
        List<string> reserved, out byte[] networkOnnx)
    {
        // The adapter writes the reconstruction under its own reserved name; the head reads it under the detector's.
        var columns = new AutoencoderColumns(featureColumn, Encoded: null, Reconstruction: reconstructionColumn, ReconstructionError: errorVector);
        var steps = OnnxImportChain.AppendGraph(ml, null, Model, columns, errorVector, reserved, out networkOnnx);
        reserved.Remove(errorVector); // the caller's own column, which it drops itself
        if (reconstructionColumn == null) return steps;
        return steps.Append(ml.Transforms.CopyColumns(reconstructionColumn, OnnxImportAdapter.ReconstructionColumn));
    }
}
