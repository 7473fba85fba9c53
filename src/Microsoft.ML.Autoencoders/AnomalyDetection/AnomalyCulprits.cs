using Microsoft.ML.Autoencoders.Onnx;

namespace Microsoft.ML.Autoencoders;

/// <summary>
/// The explanation rule, in the two forms the library runs it — C# for the engine path and ONNX nodes for the saved head
/// and the standalone graph — from the same grouping (<see cref="AnomalyFeatureNames"/>):
/// <code>
/// clamped  = Min(feature errors, float.MaxValue)       a bad slot's +∞ must not turn 0 × ∞ into NaN below
/// errors_g = Σ_{slots j of column g} clamped_j          MatMul with the 0/1 slot-to-column matrix [d, g]
/// top      = the k largest errors_g, ties to the lower column index (ONNX TopK's rule)
/// names    = the columns' names (a string tensor: Gather), shares = top / Σ_g errors_g (0 when the sum is 0)
/// </code>
/// </summary>
internal static class AnomalyCulprits
{
    private const string MembershipName = "culprits.membership";
    private const string ColumnNamesName = "culprits.column_names";
    private const string KName = "culprits.k";
    private const string LargestName = "culprits.largest_float";
    private const string ZeroName = "culprits.zero_float";
    private const string OneName = "culprits.one_float";

    /// <summary>The k culprits of a row whose per-slot errors are <paramref name="featureErrors"/>.</summary>
    public static AnomalyCulprit[] Top(AnomalyFeatureNames names, ReadOnlySpan<float> featureErrors, int k)
    {
        var errors = new float[names.Columns.Length];
        // Summed in slot order, in float, as ONNX Runtime's MatMul does it over one row.
        for (int j = 0; j < featureErrors.Length; j++) errors[names.ColumnOfSlot[j]] += Math.Min(featureErrors[j], float.MaxValue);
        float total = 0;
        foreach (float error in errors) total += error;
        var order = Enumerable.Range(0, errors.Length).OrderByDescending(g => errors[g]).ThenBy(g => g).Take(k);
        return [.. order.Select(g => new AnomalyCulprit(names.Columns[g], errors[g], Share(errors[g], total)))];
    }

    private static float Share(float error, float total) => total > 0 ? error / total : 0f;

    /// <summary>How many culprits a row gets: the asked-for number, at most the number of columns.</summary>
    public static int Count(AnomalyFeatureNames names, int topK) => Math.Min(topK, names.Columns.Length);

    /// <summary>
    /// The rule as ONNX nodes: <paramref name="featureErrors"/> [d] (or [N, d]) → <paramref name="culprits"/> [k] strings and,
    /// when given, <paramref name="shares"/> [k] (or [N, k] each).
    /// </summary>
    public static void AddOnnxNodes(OnnxModelBuilder builder, AnomalyFeatureNames names, int k, string featureErrors, string culprits, string? shares)
    {
        int d = names.ColumnOfSlot.Length, g = names.Columns.Length;
        var membership = new float[d * g];
        for (int j = 0; j < d; j++) membership[j * g + names.ColumnOfSlot[j]] = 1f;
        builder.AddInitializer(MembershipName, [d, g], membership);
        builder.AddStringInitializer(ColumnNamesName, [g], names.Columns);
        builder.AddInt64Initializer(KName, [1], [k]);
        builder.AddInitializer(LargestName, [], [float.MaxValue]);
        builder.AddNode("Min", [featureErrors, LargestName], ["culprits.clamped"], "culprits.Min");
        builder.AddNode("MatMul", ["culprits.clamped", MembershipName], ["culprits.column_errors"], "culprits.MatMul");
        builder.AddNode("TopK", ["culprits.column_errors", KName], ["culprits.top_errors", "culprits.top_columns"], "culprits.TopK",
            OnnxAttribute.FromInt("axis", -1), OnnxAttribute.FromInt("largest", 1), OnnxAttribute.FromInt("sorted", 1));
        builder.AddNode("Gather", [ColumnNamesName, "culprits.top_columns"], [culprits], "culprits.Gather", OnnxAttribute.FromInt("axis", 0));
        if (shares == null) return;
        builder.AddInitializer(ZeroName, [], [0f]);
        builder.AddInitializer(OneName, [], [1f]);
        builder.AddInt64Initializer("culprits.last_axis", [1], [-1]);
        builder.AddNode("ReduceSum", ["culprits.column_errors", "culprits.last_axis"], ["culprits.total"], "culprits.ReduceSum", OnnxAttribute.FromInt("keepdims", 1));
        // total > 0 ? top / total : 0, without dividing by zero.
        builder.AddNode("Greater", ["culprits.total", ZeroName], ["culprits.has_error"], "culprits.Greater");
        builder.AddNode("Where", ["culprits.has_error", "culprits.total", OneName], ["culprits.divisor"], "culprits.Divisor");
        builder.AddNode("Div", ["culprits.top_errors", "culprits.divisor"], [shares], "culprits.Div");
    }
}
