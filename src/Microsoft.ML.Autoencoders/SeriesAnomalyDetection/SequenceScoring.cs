namespace Microsoft.ML.Autoencoders;

/// <summary>
/// How a sequence detector turns window reconstructions into a point's score: from every window that covers the point
/// (<see cref="Centered"/>, which waits for the WindowLength − 1 rows after it), or from the one window that ends at it
/// (<see cref="Causal"/>, known as soon as the point arrives). The threshold is always the same quantile of the training
/// points' scores of the same kind: centered, of all N training points; causal, of the N − T + 1 training points that end
/// a window (the first T − 1 have no window of their own). So <c>PredictedLabel</c> flags the same fraction of the scored
/// training points either way.
/// </summary>
public enum SequenceScoring
{
    /// <summary>
    /// A point's score is the mean, over the WindowLength windows that cover it, of its squared standardized error averaged
    /// over the channels: each window sees the point at a different position, which evens out the network's weaker
    /// reconstruction of a window's ends. Ranks anomalies best, but a point's score needs the WindowLength − 1 rows after
    /// it, so <c>Transform</c> reads ahead and no one-point-at-a-time monitor exists.
    /// </summary>
    Centered = 0,

    /// <summary>
    /// A point's score comes from the window that ends at it alone: its newest step's squared standardized error averaged
    /// over the channels. Known when the point arrives: <c>Transform</c> reads no row ahead, and
    /// <see cref="SequenceAnomalyTransformer.CreateMonitor()"/> scores a live stream one point at a time.
    /// </summary>
    Causal = 1,
}
