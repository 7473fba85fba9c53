using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.ML.Autoencoders.Onnx;
using DataType = Microsoft.ML.Autoencoders.Onnx.Protos.TensorProto.Types.DataType;

namespace Microsoft.ML.Autoencoders;

/// <summary>
/// The detector's ONNX "head": a small graph, saved beside the autoencoder's own graph, that turns the error into Score
/// and PredictedLabel (and the reconstruction into per-feature errors). The threshold and the normalization constants
/// are initializers, so a model loaded by plain <c>mlContext.Model.Load</c> applies them; the metadata holds the rest of
/// the state as JSON for the typed reload.
/// </summary>
/// <remarks>
/// Graph (one row, as ML.NET's OnnxTransformer feeds it):
/// <code>
/// inputs:  __anomaly_error_vector [1]           (the autoencoder graph's mean squared error)
///          &lt;features&gt; [d], __anomaly_reconstruction [d]   (only with feature errors)
/// score, label = AnomalyScoreRule's nodes: error (raw) or Clip(Div(Sub(error, offset), scale), 0, 1), and Greater(score, threshold)
/// feature errors = Mul(Sub(features, reconstruction), same)             (only with feature errors)
/// outputs: __anomaly_score_vector [1], __anomaly_label_vector [1] (bool), __anomaly_feature_errors [d]
/// </code>
/// Metadata: <see cref="FormatKey"/> (version), <see cref="StateKey"/> (JSON), <see cref="NetworkHashKey"/> (SHA-256, hex,
/// of the autoencoder graph's bytes, which pairs each head with its network inside a model zip).
/// </remarks>
internal static class AnomalyHeadOnnx
{
    public const string FormatKey = "autoencoders.anomaly.format";
    public const string StateKey = "autoencoders.anomaly.state";
    public const string NetworkHashKey = "autoencoders.anomaly.network_sha256";
    public const int FormatVersion = 1;

    public const string ErrorVector = AnomalyColumns.ReservedPrefix + "error_vector";
    public const string ScoreVector = AnomalyColumns.ReservedPrefix + "score_vector";
    public const string LabelVector = AnomalyColumns.ReservedPrefix + "label_vector";
    public const string FeatureErrors = AnomalyColumns.ReservedPrefix + "feature_errors";


    /// <summary>The head graph for <paramref name="state"/>, bound to the network graph <paramref name="networkOnnx"/>.</summary>
    public static byte[] ToBytes(AnomalyDetectorState state, int inputSize, ReadOnlySpan<byte> networkOnnx)
    {
        var builder = new OnnxModelBuilder("autoencoder_anomaly_head");
        builder.AddInput(ErrorVector, [1]);
        AnomalyScoreRule.AddOnnxNodes(builder, state, ErrorVector, ScoreVector, LabelVector);
        builder.AddOutput(ScoreVector, [1]);
        builder.AddOutput(LabelVector, [1], DataType.Bool);
        if (state.Columns.FeatureErrors != null)
        {
            builder.AddInput(state.Columns.Features, [inputSize]);
            builder.AddInput(AutoencoderAnomalyEstimator.ReconstructionColumn, [inputSize]);
            builder.AddNode("Sub", [state.Columns.Features, AutoencoderAnomalyEstimator.ReconstructionColumn], ["explain.difference"], "explain.Sub");
            builder.AddNode("Mul", ["explain.difference", "explain.difference"], [FeatureErrors], "explain.Mul");
            builder.AddOutput(FeatureErrors, [inputSize]);
        }
        builder.SetMetadata(FormatKey, FormatVersion.ToString(CultureInfo.InvariantCulture));
        builder.SetMetadata(StateKey, JsonSerializer.Serialize(StoredState.From(state)));
        builder.SetMetadata(NetworkHashKey, Hash(networkOnnx));
        return builder.ToByteArray();
    }

    /// <summary>True when <paramref name="reader"/> holds a head this library wrote.</summary>
    public static bool IsHead(OnnxModelReader reader) => reader.Metadata.ContainsKey(FormatKey);

    /// <summary>The state saved in a head, with the threshold taken from the graph itself (what ONNX Runtime applies).</summary>
    public static (AnomalyDetectorState State, string NetworkHash) Read(OnnxModelReader reader)
    {
        if (reader.Metadata[FormatKey] != FormatVersion.ToString(CultureInfo.InvariantCulture))
            throw new InvalidDataException($"This anomaly detector uses format version {reader.Metadata[FormatKey]}; this library reads version {FormatVersion}. Update the library.");
        var stored = JsonSerializer.Deserialize<StoredState>(reader.Metadata[StateKey])
            ?? throw new InvalidDataException("The anomaly detector's state metadata is empty.");
        float threshold = reader.GetFloatInitializer(AnomalyScoreRule.ThresholdName).Values[0];
        return (stored.ToState(threshold), reader.Metadata[NetworkHashKey]);
    }

    /// <summary>The hex SHA-256 that pairs a head with its network graph.</summary>
    public static string Hash(ReadOnlySpan<byte> onnx) => Convert.ToHexString(SHA256.HashData(onnx));

    /// <summary>The JSON form of <see cref="AnomalyDetectorState"/>; the threshold lives in the graph.</summary>
    private sealed record StoredState(
        string FeatureColumnName, string ScoreColumnName, string PredictedLabelColumnName, string? FeatureErrorsColumnName,
        double? Contamination, bool NormalizeScores, long TrainingRowCount, float[] TrainingScoreQuantiles)
    {
        public static StoredState From(AnomalyDetectorState state) => new(
            state.Columns.Features, state.Columns.Score, state.Columns.PredictedLabel, state.Columns.FeatureErrors,
            state.Contamination, state.NormalizeScores, state.TrainingScores.Count, state.TrainingScores.Quantiles.ToArray());

        public AnomalyDetectorState ToState(float threshold) => new(
            new AnomalyColumns(FeatureColumnName, ScoreColumnName, PredictedLabelColumnName, FeatureErrorsColumnName),
            threshold, Contamination, NormalizeScores, new AnomalyScoreDistribution(TrainingRowCount, TrainingScoreQuantiles));
    }
}
