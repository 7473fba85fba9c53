using System.Globalization;
using Microsoft.ML.Autoencoders.Onnx;
using Microsoft.ML.Autoencoders.Persistence;
using DataType = Microsoft.ML.Autoencoders.Onnx.Protos.TensorProto.Types.DataType;

namespace Microsoft.ML.Autoencoders;

/// <summary>
/// A detector as one standalone ONNX graph, from the features to the score and the label, for serving without .NET: the
/// autoencoder's nodes, then the detector's rule (<see cref="AnomalyScoreRule"/>) on the batch. The threshold is a graph
/// input whose default is the trained value, so a server can move it without re-exporting.
/// </summary>
/// <remarks>
/// <code>
/// inputs:  input [N, d] (float); threshold [] (float, optional: an initializer that is also an input)
/// outputs: score [N, 1], label [N, 1] (bool: score &gt; threshold, or the row holds NaN/∞), reconstruction_error [N, 1],
///          encoded [N, k] [, p_value [N, 1]] [, feature_errors [N, d]] [, culprits [N, t] (string) [, culprit_shares [N, t]]]
/// With standardization, input → Sub(means) → Div(scales) → standardized_input feeds the network; the feature errors are
/// in standardized units.
/// </code>
/// Metadata: the autoencoder's own (<see cref="AutoencoderOnnx"/>: format, spec, columns, checksum, so
/// <c>AutoencoderTransformer.LoadOnnx</c> reads the network back), and <see cref="KindKey"/> "anomaly_detector",
/// <see cref="AnomalyHeadOnnx.StateKey"/> (the detector's settings as JSON), <see cref="ThresholdKey"/> (the default, as
/// text) and <see cref="LibraryVersionKey"/>. A row with NaN or ∞ scores +∞ and is labelled anomalous under either
/// invalid-row policy: a graph cannot throw.
/// </remarks>
internal static class AnomalyDetectorOnnx
{
    public const string KindKey = "autoencoders.kind";
    public const string ThresholdKey = "autoencoders.anomaly.threshold";
    public const string LibraryVersionKey = "autoencoders.library_version";

    public const string ThresholdInput = "threshold";
    public const string Score = "score";
    public const string Label = "label";
    public const string PValue = "p_value";
    public const string FeatureErrors = "feature_errors";
    public const string Culprits = "culprits";
    public const string CulpritShares = "culprit_shares";
    public const string StandardizedInput = "standardized_input";

    public static void Write(AutoencoderAnomalyTransformer detector, Stream stream)
    {
        if (detector.Network is not EngineDetectorNetwork engine)
            throw new NotSupportedException(
                "This detector scores with an imported ONNX graph, which cannot be merged into one file here. Serve the imported graph as it is " +
                $"and flag rows whose mean squared reconstruction error is above the threshold ({detector.Threshold.ToString(CultureInfo.InvariantCulture)}).");
        var state = detector.State;
        var model = engine.Model;
        string version = typeof(AnomalyDetectorOnnx).Assembly.GetName().Version?.ToString() ?? "";
        var builder = new OnnxModelBuilder("autoencoder_anomaly_detector") { ProducerName = "Microsoft.ML.Autoencoders", ProducerVersion = version };
        var names = AutoencoderOnnx.GraphNames.Standalone;
        if (state.Standardization is { } standardization)
        {
            // input → Sub(means) → Div(scales) → the network, which reads the standardized copy.
            builder.AddInput(names.Input, [-1, model.InputSize]);
            standardization.AddOnnxNodes(builder, names.Input, StandardizedInput);
            names = names with { Input = StandardizedInput };
        }
        AutoencoderOnnx.AddNetwork(builder, model, names, batched: true, declareInput: state.Standardization == null);
        bool pValue = state.Columns.PValue != null;
        // The raw score the rule reads: the error, or a variational network's negative ELBO (AddNetwork wrote both).
        string rawScore = engine.ScoreSource == AnomalyScoreSource.NegativeElbo ? names.NegativeElbo : names.ReconstructionError;
        AnomalyScoreRule.AddOnnxNodes(builder, state, rawScore, Score, Label, pValue ? PValue : null, ThresholdInput);
        builder.AddOutput(Score, [-1, 1]);
        builder.AddOutput(Label, [-1, 1], DataType.Bool);
        builder.AddOutput(names.ReconstructionError, [-1, 1]);
        if (model.IsVariational) builder.AddOutput(names.NegativeElbo, [-1, 1]);
        builder.AddOutput(names.Encoded, [-1, model.CodeSize]);
        if (pValue) builder.AddOutput(PValue, [-1, 1]);
        if (state.Columns.NeedsFeatureErrors)
        {
            AnomalyScoreRule.AddFeatureErrorNodes(builder, names.Input, names.Reconstruction, FeatureErrors);
            if (state.Columns.FeatureErrors != null) builder.AddOutput(FeatureErrors, [-1, model.InputSize]);
            AnomalyHeadOnnx.AddExplanation(builder, state, model.InputSize, FeatureErrors, Culprits, CulpritShares, batched: true);
        }
        var columns = new AutoencoderColumns(state.Columns.Features, names.Encoded, Reconstruction: null, names.ReconstructionError);
        AutoencoderOnnx.AddMetadata(builder, model, columns);
        builder.SetMetadata(KindKey, "anomaly_detector");
        builder.SetMetadata(AnomalyHeadOnnx.StateKey, AnomalyHeadOnnx.StateJson(state));
        builder.SetMetadata(ThresholdKey, state.Threshold.ToString("R", CultureInfo.InvariantCulture));
        builder.SetMetadata(LibraryVersionKey, version);
        builder.WriteTo(stream);
    }
}
