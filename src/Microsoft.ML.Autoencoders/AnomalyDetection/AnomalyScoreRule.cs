using Microsoft.ML.Autoencoders.Onnx;

namespace Microsoft.ML.Autoencoders;

/// <summary>
/// The detector's score and decision, defined once in the two forms the library runs them: in C# for the engine-backed
/// transformer (<see cref="AnomalyEnginePipeline"/>) and as ONNX nodes for the saved head (<see cref="AnomalyHeadOnnx"/>),
/// both from the same state and constants, so the two cannot drift apart.
/// </summary>
/// <remarks>
/// score = error (raw), or clamp((error − offset) / scale, 0, 1) with the training scores' minimum and range (normalized);
/// anomalous = score &gt; threshold.
/// </remarks>
internal static class AnomalyScoreRule
{
    public const string ThresholdName = "anomaly.threshold";
    private const string OffsetName = "anomaly.offset";
    private const string ScaleName = "anomaly.scale";

    /// <summary>The score for a row's mean squared reconstruction error.</summary>
    public static float Score(AnomalyDetectorState state, float error) =>
        state.NormalizeScores ? state.TrainingScores.Normalize(error) : error;

    /// <summary>The decision for a score.</summary>
    public static bool IsAnomaly(AnomalyDetectorState state, float score) => score > state.Threshold;

    /// <summary>
    /// The same two rules as ONNX nodes: <paramref name="error"/> [1] → <paramref name="score"/> [1] and
    /// <paramref name="label"/> [1] (bool), with the threshold and normalization constants as initializers.
    /// </summary>
    public static void AddOnnxNodes(OnnxModelBuilder builder, AnomalyDetectorState state, string error, string score, string label)
    {
        builder.AddInitializer(ThresholdName, [], [state.Threshold]);
        if (state.NormalizeScores)
        {
            builder.AddInitializer(OffsetName, [], [state.TrainingScores.NormalizationOffset]);
            builder.AddInitializer(ScaleName, [], [state.TrainingScores.NormalizationScale]);
            builder.AddInitializer("anomaly.zero", [], [0f]);
            builder.AddInitializer("anomaly.one", [], [1f]);
            builder.AddNode("Sub", [error, OffsetName], ["normalize.shifted"], "normalize.Sub");
            builder.AddNode("Div", ["normalize.shifted", ScaleName], ["normalize.scaled"], "normalize.Div");
            builder.AddNode("Clip", ["normalize.scaled", "anomaly.zero", "anomaly.one"], [score], "normalize.Clip");
        }
        else
        {
            builder.AddNode("Identity", [error], [score], "score.Identity");
        }
        builder.AddNode("Greater", [score, ThresholdName], [label], "label.Greater");
    }
}
