namespace Microsoft.ML.Autoencoders;

/// <summary>
/// What <see cref="SequenceAnomalyMonitor.Observe"/> says about the point just given: its causal score and whether it is
/// an alarm. The point's per-channel errors are in <see cref="SequenceAnomalyMonitor.ChannelErrors"/> until the next point.
/// </summary>
/// <param name="Point">The point's number in the stream: 0 for the first point given to the monitor.</param>
/// <param name="Score">
/// The newest step's squared standardized error averaged over the channels, from the window that ends at the point; +∞
/// when the point holds NaN or ±∞; NaN when no window ends at it yet (fewer than WindowLength − 1 points before it and no
/// training history) or its window holds an earlier NaN or ±∞ point.
/// </param>
/// <param name="IsAnomaly">Score &gt; the detector's threshold, or +∞: the alarm. False for a NaN score.</param>
public readonly record struct SequenceAnomalyReading(long Point, float Score, bool IsAnomaly)
{
    /// <summary>False when the point has no score (Score is NaN): the monitor is warming up or a gap is still in the window.</summary>
    public bool IsScored => !float.IsNaN(Score);
}
