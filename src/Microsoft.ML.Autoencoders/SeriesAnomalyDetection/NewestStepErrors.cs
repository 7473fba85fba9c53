namespace Microsoft.ML.Autoencoders;

/// <summary>
/// The causal score (<see cref="SequenceScoring.Causal"/>): a point's error in the one window that ends at it, the
/// squared standardized error of that window's newest step per channel, and their mean over the channels.
/// </summary>
/// <remarks>
/// Why the newest step rather than the whole window's mean error: both alarm within a step or two of an anomaly's start,
/// but a window's mean keeps an anomaly in the scores of the T − 1 points after it and dilutes a new one by 1/T. At the
/// same contamination it flagged 118 normal points of a noisy sine against the newest step's 54, alarming no earlier
/// (<c>CausalScoreChoiceTests.NewestStep_FlagsFewerNormalPointsThanTheWindowMean_AndAlarmsAsEarly</c>;
/// docs/sequence-autoencoders.md, "Causal scoring and the live monitor").
/// </remarks>
internal static class NewestStepErrors
{
    /// <summary>Windows sent to the network at once.</summary>
    private const int WindowsPerPass = 256;

    /// <summary>
    /// The causal score of every point of a whole finite standardized series ([points, <paramref name="channels"/>]) that
    /// ends a window: entry i is point <paramref name="windowLength"/> − 1 + i's. What Fit reads the threshold from.
    /// </summary>
    public static float[] ScoreSeries(AutoencoderModel model, int windowLength, int channels, ReadOnlySpan<float> series, int threads)
    {
        int width = windowLength * channels, windows = series.Length / channels - windowLength + 1;
        if (windows < 1) return [];
        var scores = new float[windows];
        var channelErrors = new float[channels];
        var batch = new float[Math.Min(WindowsPerPass, windows) * width];
        for (int first = 0; first < windows; first += WindowsPerPass)
        {
            int count = Math.Min(WindowsPerPass, windows - first);
            for (int w = 0; w < count; w++) series.Slice((first + w) * channels, width).CopyTo(batch.AsSpan(w * width, width));
            float[] reconstruction = model.Reconstruct(batch.AsSpan(0, count * width), count, threads);
            for (int w = 0; w < count; w++)
                scores[first + w] = Score(batch.AsSpan(w * width, width), reconstruction.AsSpan(w * width, width), channelErrors);
        }
        return scores;
    }

    /// <summary>
    /// The newest step's squared error per channel into <paramref name="channelErrors"/> (its length is the channel count),
    /// and their mean: the causal score of the point that ends <paramref name="window"/>.
    /// </summary>
    public static float Score(ReadOnlySpan<float> window, ReadOnlySpan<float> reconstruction, Span<float> channelErrors)
    {
        int channels = channelErrors.Length, newest = window.Length - channels;
        double total = 0;
        for (int c = 0; c < channels; c++)
        {
            float difference = window[newest + c] - reconstruction[newest + c];
            channelErrors[c] = difference * difference;
            total += channelErrors[c];
        }
        return (float)(total / channels);
    }
}
