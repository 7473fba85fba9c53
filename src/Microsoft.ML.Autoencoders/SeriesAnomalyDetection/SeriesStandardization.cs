namespace Microsoft.ML.Autoencoders;

/// <summary>
/// Per-channel standardization fitted on the training series, (x − mean) / scale, so that channels of different units
/// weigh alike in the reconstruction error and a linear output reconstructs them. Saved with the detector: a continuation
/// is standardized with the training statistics, never its own (its own would hide a level shift that lasts to its end).
/// </summary>
internal sealed record SeriesStandardization(float[] Means, float[] Scales)
{
    /// <summary>
    /// The mean and population standard deviation of each channel of <paramref name="values"/> ([rows, channels],
    /// time-major). A constant channel (deviation below 1e-6 of its magnitude, or exactly 0) gets scale 1, so it is centred
    /// rather than divided by nothing.
    /// </summary>
    public static SeriesStandardization Fit(ReadOnlySpan<float> values, int rows, int channels)
    {
        var means = new float[channels];
        var scales = new float[channels];
        for (int c = 0; c < channels; c++)
        {
            double sum = 0;
            for (int t = 0; t < rows; t++) sum += values[t * channels + c];
            double mean = sum / rows, squares = 0;
            for (int t = 0; t < rows; t++)
            {
                double d = values[t * channels + c] - mean;
                squares += d * d;
            }
            double deviation = Math.Sqrt(squares / rows);
            means[c] = (float)mean;
            scales[c] = deviation > 1e-6 * Math.Max(1, Math.Abs(mean)) ? (float)deviation : 1f;
        }
        return new SeriesStandardization(means, scales);
    }

    public int Channels => Means.Length;

    /// <summary>Standardizes <paramref name="values"/> ([rows, channels]) in place; NaN and ±∞ stay non-finite.</summary>
    public void Apply(Span<float> values)
    {
        int channels = Channels;
        for (int i = 0; i < values.Length; i++) values[i] = (values[i] - Means[i % channels]) / Scales[i % channels];
    }
}
