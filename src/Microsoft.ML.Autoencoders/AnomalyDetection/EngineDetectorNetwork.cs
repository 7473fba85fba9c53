using Microsoft.ML.Autoencoders.Persistence;

namespace Microsoft.ML.Autoencoders;

/// <summary>
/// A detector's network trained by this library: the engine scores, and the saved form is our own ONNX graph. The raw score
/// is the reconstruction error, or for a variational network scored by <see cref="AnomalyScoreSource.NegativeElbo"/> its
/// negative ELBO, written under the error's column and graph names so the threshold and head read it the same way.
/// </summary>
internal sealed class EngineDetectorNetwork(AutoencoderModel model, AnomalyScoreSource scoreSource = AnomalyScoreSource.ReconstructionError) : DetectorNetwork
{
    /// <summary>The graph output the negative-ELBO detector leaves unread: the reconstruction error.</summary>
    private const string UnreadErrorVector = AnomalyColumns.ReservedPrefix + "unread_error_vector";

    public AutoencoderModel Model { get; } = model;

    public AnomalyScoreSource ScoreSource { get; } = scoreSource;

    private bool ScoresElbo => ScoreSource == AnomalyScoreSource.NegativeElbo;

    public override int InputSize => Model.InputSize;

    public override float[] RawScores(float[] data, int rows, int threads) =>
        ScoresElbo ? Model.NegativeElbos(data, rows, threads) : Model.ReconstructionErrors(data, rows, threads);

    public override ITransformer ScoringTransformer(AutoencoderColumns columns, int threads) =>
        new AutoencoderTransformer(Model, ScoresElbo ? columns with { ReconstructionError = null, NegativeElbo = columns.ReconstructionError } : columns, threads);

    public override IEstimator<ITransformer> SavedSteps(MLContext ml, string featureColumn, string errorVector, string? reconstructionColumn,
        List<string> reserved, out byte[] networkOnnx)
    {
        var columns = ScoresElbo
            ? new AutoencoderColumns(featureColumn, Encoded: null, Reconstruction: reconstructionColumn, ReconstructionError: null, NegativeElbo: errorVector)
            : new AutoencoderColumns(featureColumn, Encoded: null, Reconstruction: reconstructionColumn, ReconstructionError: errorVector);
        string encoded = AnomalyColumns.ReservedPrefix + "encoded", reconstruction = reconstructionColumn ?? AutoencoderAnomalyEstimator.ReconstructionColumn;
        var names = ScoresElbo
            ? new AutoencoderOnnx.GraphNames(featureColumn, encoded, reconstruction, UnreadErrorVector, NegativeElbo: errorVector)
            : new AutoencoderOnnx.GraphNames(featureColumn, encoded, reconstruction, errorVector);
        networkOnnx = AutoencoderOnnx.ToBytes(Model, columns, names, batched: false);
        var outputs = new List<string> { errorVector };
        if (reconstructionColumn != null) outputs.Add(reconstructionColumn);
        return ml.Transforms.ApplyOnnxModel(outputs.ToArray(), [featureColumn], new MemoryStream(networkOnnx));
    }
}
