using Microsoft.ML.Autoencoders.Onnx;

namespace Microsoft.ML.Autoencoders;

/// <summary>
/// The detector's outputs, defined once in the two forms the library runs them: in C# for the engine-backed
/// transformer (<see cref="AnomalyEnginePipeline"/>) and as ONNX nodes for the saved head (<see cref="AnomalyHeadOnnx"/>),
/// both from the same state and constants, so the two cannot drift apart.
/// </summary>
/// <remarks>
/// <para>
/// score = +∞ when the error is not finite (a NaN or ±∞ feature, or a row so extreme its squared error overflows), else
/// the error (raw) or clamp((error − offset) / scale, 0, 1) with the training scores' minimum and range (normalized);
/// anomalous = score &gt; threshold, or the score is +∞ (so a row that cannot be scored is flagged even when the
/// threshold is +∞).
/// </para>
/// <para>p-value = (1 + #{reference ≥ error}) / (n + 1), with a non-finite error counted as +∞.</para>
/// <para>
/// feature errors = (x − x̂)² per slot; for a row with a non-finite feature, +∞ at those slots and 0 elsewhere (the
/// reconstruction of such a row means nothing, and the marks name the culprits).
/// </para>
/// </remarks>
internal static class AnomalyScoreRule
{
    public const string ThresholdName = "anomaly.threshold";
    private const string OffsetName = "anomaly.offset";
    private const string ScaleName = "anomaly.scale";
    private const string ZeroName = "anomaly.zero";
    private const string OneName = "anomaly.one";
    private const string InfinityName = "anomaly.infinity";
    private const string ReferenceName = "anomaly.reference_scores";
    private const string GapsName = "anomaly.reference_gaps";
    private const string LastAxisName = "anomaly.last_axis";
    private const long OnnxFloat = 1; // TensorProto.DataType.FLOAT, Cast's "to" attribute

    /// <summary>The score for a row's mean squared reconstruction error.</summary>
    public static float Score(AnomalyDetectorState state, float error) =>
        !float.IsFinite(error) ? float.PositiveInfinity
        : state.NormalizeScores ? state.TrainingScores.Normalize(error)
        : error;

    /// <summary>The decision for a score.</summary>
    public static bool IsAnomaly(AnomalyDetectorState state, float score) => score > state.Threshold || float.IsPositiveInfinity(score);

    /// <summary>The p-value of a row's error against the state's reference scores.</summary>
    public static float PValue(AnomalyDetectorState state, float error) =>
        state.ReferenceScores!.PValue(float.IsFinite(error) ? error : float.PositiveInfinity);

    /// <summary>Writes each feature's squared reconstruction error, or the invalid-row marks, into <paramref name="errors"/>.</summary>
    public static void FeatureErrors(ReadOnlySpan<float> features, ReadOnlySpan<float> reconstruction, Span<float> errors)
    {
        if (AnomalyInvalidRows.FirstInvalidSlot(features) >= 0)
        {
            for (int j = 0; j < errors.Length; j++) errors[j] = float.IsFinite(features[j]) ? 0f : float.PositiveInfinity;
            return;
        }
        for (int j = 0; j < errors.Length; j++)
        {
            float difference = features[j] - reconstruction[j];
            errors[j] = difference * difference;
        }
    }

    /// <summary>
    /// The score, decision and (when <paramref name="pValue"/> is given) p-value rules as ONNX nodes:
    /// <paramref name="error"/> [1] → <paramref name="score"/> [1], <paramref name="label"/> [1] (bool) and
    /// <paramref name="pValue"/> [1] — or each [N, 1] for a batch — with the threshold, the normalization constants and the
    /// reference scores as initializers. With <paramref name="thresholdInput"/> the threshold is a graph input of that name
    /// whose default is the detector's.
    /// </summary>
    public static void AddOnnxNodes(OnnxModelBuilder builder, AnomalyDetectorState state, string error, string score, string label, string? pValue,
        string? thresholdInput = null)
    {
        // A standalone detector takes the threshold as a graph input whose default is the trained value.
        string threshold = thresholdInput ?? ThresholdName;
        if (thresholdInput is null) builder.AddInitializer(ThresholdName, [], [state.Threshold]);
        else builder.AddOverridableInitializer(thresholdInput, [], [state.Threshold]);
        builder.AddInitializer(InfinityName, [], [float.PositiveInfinity]);
        builder.AddNode("IsNaN", [error], ["invalid.nan"], "invalid.IsNaN");
        builder.AddNode("IsInf", [error], ["invalid.inf"], "invalid.IsInf");
        builder.AddNode("Or", ["invalid.nan", "invalid.inf"], ["invalid"], "invalid.Or");

        string finiteScore = error;
        if (state.NormalizeScores)
        {
            builder.AddInitializer(OffsetName, [], [state.TrainingScores.NormalizationOffset]);
            builder.AddInitializer(ScaleName, [], [state.TrainingScores.NormalizationScale]);
            builder.AddNode("Sub", [error, OffsetName], ["normalize.shifted"], "normalize.Sub");
            builder.AddNode("Div", ["normalize.shifted", ScaleName], ["normalize.scaled"], "normalize.Div");
            builder.AddNode("Clip", ["normalize.scaled", Scalar(builder, ZeroName, 0f), Scalar(builder, OneName, 1f)], ["normalize.clipped"], "normalize.Clip");
            finiteScore = "normalize.clipped";
        }
        builder.AddNode("Where", ["invalid", InfinityName, finiteScore], [score], "score.Where");
        builder.AddNode("Greater", [score, threshold], ["label.above"], "label.Greater");
        builder.AddNode("Or", ["label.above", "invalid"], [label], "label.Or");

        if (pValue == null) return;
        var reference = state.ReferenceScores ?? throw new InvalidOperationException("A p-value output needs reference scores.");
        builder.AddInitializer(ReferenceName, [reference.Count], reference.Scores.ToArray());
        builder.AddInitializer(GapsName, [], [reference.Count + 1f]);
        builder.AddNode("Where", ["invalid", InfinityName, error], ["pvalue.error"], "pvalue.Where");
        builder.AddNode("GreaterOrEqual", [ReferenceName, "pvalue.error"], ["pvalue.at_least"], "pvalue.GreaterOrEqual");
        builder.AddNode("Cast", ["pvalue.at_least"], ["pvalue.at_least_float"], "pvalue.Cast", OnnxAttribute.FromInt("to", OnnxFloat));
        // Over the last axis only: one count per row, for a single row [1] as for a batch [N, 1] (opset 13+ takes axes as an input).
        builder.AddInt64Initializer(LastAxisName, [1], [-1]);
        builder.AddNode("ReduceSum", ["pvalue.at_least_float", LastAxisName], ["pvalue.count"], "pvalue.ReduceSum", OnnxAttribute.FromInt("keepdims", 1));
        builder.AddNode("Add", ["pvalue.count", Scalar(builder, OneName, 1f)], ["pvalue.numerator"], "pvalue.Add");
        builder.AddNode("Div", ["pvalue.numerator", GapsName], [pValue], "pvalue.Div");
    }

    /// <summary>
    /// The scalar constant <paramref name="name"/>, added the first time a node reads it: a constant no node reads would be
    /// an initializer ONNX Runtime removes with a warning on every load.
    /// </summary>
    private static string Scalar(OnnxModelBuilder builder, string name, float value)
    {
        if (!builder.Defines(name)) builder.AddInitializer(name, [], [value]);
        return name;
    }

    /// <summary>
    /// The feature-error rule as ONNX nodes: <paramref name="features"/> [d] and <paramref name="reconstruction"/> [d] →
    /// <paramref name="featureErrors"/> [d]. Call after <see cref="AddOnnxNodes"/>, whose constants it shares.
    /// </summary>
    public static void AddFeatureErrorNodes(OnnxModelBuilder builder, string features, string reconstruction, string featureErrors)
    {
        builder.AddNode("Sub", [features, reconstruction], ["explain.difference"], "explain.Sub");
        builder.AddNode("Mul", ["explain.difference", "explain.difference"], ["explain.squared"], "explain.Mul");
        builder.AddNode("IsNaN", [features], ["explain.nan"], "explain.IsNaN");
        builder.AddNode("IsInf", [features], ["explain.inf"], "explain.IsInf");
        builder.AddNode("Or", ["explain.nan", "explain.inf"], ["explain.bad_slot"], "explain.Or");
        builder.AddNode("Cast", ["explain.bad_slot"], ["explain.bad_slot_float"], "explain.Cast", OnnxAttribute.FromInt("to", OnnxFloat));
        builder.AddNode("ReduceMax", ["explain.bad_slot_float"], ["explain.bad_row_float"], "explain.ReduceMax",
            OnnxAttribute.FromInts("axes", -1), OnnxAttribute.FromInt("keepdims", 1)); // per row, in a batch too
        builder.AddNode("Greater", ["explain.bad_row_float", Scalar(builder, ZeroName, 0f)], ["explain.bad_row"], "explain.Greater");
        builder.AddNode("Where", ["explain.bad_slot", InfinityName, ZeroName], ["explain.marks"], "explain.Marks");
        builder.AddNode("Where", ["explain.bad_row", "explain.marks", "explain.squared"], [featureErrors], "explain.Where");
    }
}
