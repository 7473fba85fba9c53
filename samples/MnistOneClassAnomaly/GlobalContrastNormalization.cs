namespace MnistOneClassAnomaly;

/// <summary>
/// Ruff et al.'s preprocessing for one-class MNIST: global contrast normalization with the L1 norm (subtract each
/// image's mean, divide by its mean absolute deviation), then min-max scaling with the smallest and largest value over
/// the normal class's training images. Test images of every digit get the normal class's scaling, so anomalies may
/// fall outside [0, 1] — which is information, not an error.
/// </summary>
internal static class GlobalContrastNormalization
{
    /// <summary>Normalizes each <paramref name="width"/>-value image in <paramref name="images"/> in place.</summary>
    public static void Apply(float[] images, int width)
    {
        for (int start = 0; start < images.Length; start += width)
        {
            Span<float> image = images.AsSpan(start, width);
            double mean = 0;
            foreach (float v in image) mean += v;
            mean /= width;
            double deviation = 0;
            foreach (float v in image) deviation += Math.Abs(v - mean);
            deviation /= width;
            // A blank image has no contrast to normalize; leave it centred rather than divide by zero.
            double scale = deviation > 0 ? 1 / deviation : 1;
            for (int j = 0; j < width; j++) image[j] = (float)((image[j] - mean) * scale);
        }
    }

    /// <summary>The smallest and largest value in <paramref name="values"/>: the normal class's scaling.</summary>
    public static (float Min, float Max) Range(float[] values) =>
        (System.Numerics.Tensors.TensorPrimitives.Min(values), System.Numerics.Tensors.TensorPrimitives.Max(values));

    /// <summary>Maps [min, max] onto [0, 1] in place.</summary>
    public static void Scale(float[] values, (float Min, float Max) range)
    {
        float span = range.Max > range.Min ? range.Max - range.Min : 1;
        for (int i = 0; i < values.Length; i++) values[i] = (values[i] - range.Min) / span;
    }
}
