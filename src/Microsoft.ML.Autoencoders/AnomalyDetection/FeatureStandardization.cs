using Microsoft.ML.Autoencoders.Onnx;

namespace Microsoft.ML.Autoencoders;

/// <summary>
/// Per-feature standardization learned on the training rows, z_j = (x_j − mean_j) / scale_j, applied before the network
/// (as PyOD's <c>preprocessing=True</c>, scikit-learn's StandardScaler): the detector's
/// <see cref="AutoencoderAnomalyOptions.StandardizeFeatures"/>. Saved with the model as the detector's state and, in the
/// graphs, as Sub and Div nodes in front of the network.
/// </summary>
/// <param name="Means">The training rows' mean per feature.</param>
/// <param name="Scales">
/// The training rows' population standard deviation per feature, or 1 where it is (nearly) zero — a constant feature is
/// only shifted, so a new row that differs there shows its difference in the original units rather than divided by ~0.
/// </param>
internal sealed record FeatureStandardization(float[] Means, float[] Scales)
{
    /// <summary>
    /// A standard deviation at most this fraction of the feature's largest magnitude is treated as zero: float rounding of a
    /// constant column leaves a std of that order, and dividing by it would blow noise up to huge values.
    /// </summary>
    private const double RelativeZeroStd = 1e-6;

    /// <summary>The name the standardized features go under between the detector's steps.</summary>
    public const string Column = AnomalyColumns.ReservedPrefix + "standardized_features";

    /// <summary>Mean and scale of each of the <paramref name="width"/> features over <paramref name="rows"/> rows of <paramref name="data"/>.</summary>
    public static FeatureStandardization Fit(ReadOnlySpan<float> data, int rows, int width)
    {
        if (rows < 1) throw new InvalidOperationException("Standardizing the features needs at least one training row.");
        var sums = new double[width];
        var largest = new double[width];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < width; j++)
            {
                double value = data[i * width + j];
                sums[j] += value;
                largest[j] = Math.Max(largest[j], Math.Abs(value));
            }
        var means = new double[width];
        for (int j = 0; j < width; j++) means[j] = sums[j] / rows;
        // Two passes: the squared deviations from the mean, not E[x²] − mean², which cancels badly for large offsets.
        var squares = new double[width];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < width; j++)
            {
                double deviation = data[i * width + j] - means[j];
                squares[j] += deviation * deviation;
            }
        var scales = new float[width];
        for (int j = 0; j < width; j++)
        {
            double std = Math.Sqrt(squares[j] / rows);
            scales[j] = std > RelativeZeroStd * largest[j] && std > 0 ? (float)std : 1f;
        }
        return new FeatureStandardization([.. means.Select(m => (float)m)], scales);
    }

    /// <summary>The standardized copy of <paramref name="rows"/> rows of <paramref name="data"/>.</summary>
    public float[] Apply(ReadOnlySpan<float> data, int rows)
    {
        var result = new float[rows * Means.Length];
        for (int i = 0; i < rows; i++) ApplyRow(data.Slice(i * Means.Length, Means.Length), result.AsSpan(i * Means.Length, Means.Length));
        return result;
    }

    /// <summary>Standardizes one row; the same float operations as the graph's Sub then Div.</summary>
    public void ApplyRow(ReadOnlySpan<float> row, Span<float> standardized)
    {
        for (int j = 0; j < Means.Length; j++) standardized[j] = (row[j] - Means[j]) / Scales[j];
    }

    /// <summary>Sub and Div nodes: <paramref name="input"/> [d] or [N, d] → <paramref name="output"/>, with the means and scales as initializers.</summary>
    public void AddOnnxNodes(OnnxModelBuilder builder, string input, string output)
    {
        builder.AddInitializer("standardize.means", [Means.Length], Means);
        builder.AddInitializer("standardize.scales", [Scales.Length], Scales);
        builder.AddNode("Sub", [input, "standardize.means"], ["standardize.centered"], "standardize.Sub");
        builder.AddNode("Div", ["standardize.centered", "standardize.scales"], [output], "standardize.Div");
    }

    /// <summary>A one-row graph, <paramref name="featureColumn"/> [d] → <see cref="Column"/> [d], for the saved ML.NET chain.</summary>
    public byte[] ToOnnxBytes(string featureColumn)
    {
        var builder = new OnnxModelBuilder("autoencoder_anomaly_standardization");
        builder.AddInput(featureColumn, [Means.Length]);
        AddOnnxNodes(builder, featureColumn, Column);
        builder.AddOutput(Column, [Means.Length]);
        return builder.ToByteArray();
    }

    /// <summary>Checks saved constants; a damaged file must not load as a detector that scores garbage.</summary>
    public void CheckFits(int size)
    {
        if (Means.Length != size || Scales.Length != size || Means.Any(m => !float.IsFinite(m)) || Scales.Any(s => !(s > 0) || !float.IsFinite(s)))
            throw new InvalidDataException($"The anomaly detector's standardization does not fit its {size} features; the file is damaged.");
    }
}
