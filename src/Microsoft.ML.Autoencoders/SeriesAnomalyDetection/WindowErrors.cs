namespace Microsoft.ML.Autoencoders;

/// <summary>
/// Turns the reconstruction of sliding windows into per-point errors: every window of T steps that lies inside the
/// series and covers a point adds that point's squared error, per channel; a point's error is the mean over the windows
/// that cover it. Windows holding a NaN or ±∞ are left out (their reconstruction means nothing).
/// </summary>
/// <remarks>
/// Why the mean over covering windows: each window sees a point at a different position, and a sequence autoencoder
/// reconstructs a window's ends worse than its middle (the LSTM decoder starts from the code alone; the convolutions
/// pad). Averaging the T views evens that out, and one spike raises the errors of every window that holds it, so its
/// own point, seen by all of them, stands out most. Points within T − 1 of the start or end of the series are covered
/// by fewer windows (the first and last by one).
/// </remarks>
internal static class WindowErrors
{
    /// <summary>Windows sent to the network at once.</summary>
    private const int WindowsPerPass = 256;

    /// <summary>
    /// Adds, for each point p in [<paramref name="from"/>, <paramref name="to"/>), the squared errors of every window
    /// that covers it to <paramref name="sums"/>[(p − from)·C + c] and the number of such windows to
    /// <paramref name="counts"/>[p − from]. <paramref name="series"/> holds the points
    /// [<paramref name="firstPoint"/>, firstPoint + series.Length / C) of the standardized series, [points, C]; only windows
    /// inside it are used, so the caller passes every point a covering window could reach (to + T − 1, or the series' end).
    /// </summary>
    public static void Accumulate(AutoencoderModel model, int windowLength, int channels, ReadOnlySpan<float> series, long firstPoint,
        long from, long to, float[] sums, int[] counts, int threads)
    {
        int width = windowLength * channels;
        long points = series.Length / channels;
        long firstStart = Math.Max(firstPoint, from - windowLength + 1), lastStart = Math.Min(to - 1, firstPoint + points - windowLength);
        if (lastStart < firstStart) return;
        int capacity = (int)Math.Min(WindowsPerPass, lastStart - firstStart + 1);
        var batch = new float[capacity * width];
        var starts = new long[capacity];
        int pending = 0;
        for (long start = firstStart; start <= lastStart; start++)
        {
            var window = series.Slice(checked((int)((start - firstPoint) * channels)), width);
            if (!AllFinite(window)) continue;
            window.CopyTo(batch.AsSpan(pending * width, width));
            starts[pending++] = start;
            if (pending == capacity)
            {
                AddErrors(model, batch, starts, pending, windowLength, channels, from, to, sums, counts, threads);
                pending = 0;
            }
        }
        if (pending > 0) AddErrors(model, batch, starts, pending, windowLength, channels, from, to, sums, counts, threads);
    }

    private static void AddErrors(AutoencoderModel model, float[] batch, long[] starts, int windows, int windowLength, int channels,
        long from, long to, float[] sums, int[] counts, int threads)
    {
        int width = windowLength * channels;
        float[] reconstruction = model.Reconstruct(batch.AsSpan(0, windows * width), windows, threads);
        for (int w = 0; w < windows; w++)
        {
            for (int step = 0; step < windowLength; step++)
            {
                long point = starts[w] + step;
                if (point < from || point >= to) continue;
                int row = (int)(point - from), offset = w * width + step * channels;
                for (int c = 0; c < channels; c++)
                {
                    float difference = batch[offset + c] - reconstruction[offset + c];
                    sums[row * channels + c] += difference * difference;
                }
                counts[row]++;
            }
        }
    }

    /// <summary>
    /// The per-channel errors of point <paramref name="row"/> (the sums divided by its count) into
    /// <paramref name="channelErrors"/>, and its score, their mean. A point no valid window covers scores +∞, with +∞ at its
    /// non-finite channels and 0 at the others: one holding a NaN or ±∞ itself, whose culprits that names, and also a finite
    /// point every window of which holds a gap somewhere else (between two gaps fewer than T points apart), whose errors
    /// are then all 0.
    /// </summary>
    public static float PointError(float[] sums, int[] counts, int row, ReadOnlySpan<float> values, Span<float> channelErrors)
    {
        int channels = channelErrors.Length;
        if (counts[row] == 0)
        {
            for (int c = 0; c < channels; c++) channelErrors[c] = float.IsFinite(values[c]) ? 0f : float.PositiveInfinity;
            return float.PositiveInfinity;
        }
        double total = 0;
        for (int c = 0; c < channels; c++)
        {
            channelErrors[c] = sums[row * channels + c] / counts[row];
            total += channelErrors[c];
        }
        return (float)(total / channels);
    }

    private static bool AllFinite(ReadOnlySpan<float> values)
    {
        foreach (float v in values) if (!float.IsFinite(v)) return false;
        return true;
    }
}
