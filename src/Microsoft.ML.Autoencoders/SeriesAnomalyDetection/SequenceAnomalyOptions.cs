using Microsoft.ML.Autoencoders.Engine.Models;

namespace Microsoft.ML.Autoencoders;

/// <summary>
/// Configures <see cref="SequenceAnomalyEstimator"/>: the time-ordered channel columns it reads, the windows it cuts, the
/// sequence autoencoder it trains, how the threshold is set and what it writes. Training settings (epochs, batch size,
/// learning rate, seed, threads, a trimmed loss, ...) come from <see cref="Autoencoder"/>.
/// </summary>
public sealed class SequenceAnomalyOptions
{
    /// <summary>
    /// The series: one Single column per channel, rows in time order (one row per time step). Several columns are watched
    /// together: one network sees all of them, so an anomaly in how they move together shows too.
    /// </summary>
    public string[] ChannelColumnNames { get; set; } = [];

    /// <summary>The output score column (Single): the point's reconstruction error, in standardized units squared; higher = more anomalous.</summary>
    public string ScoreColumnName { get; set; } = SequenceAnomalyEstimator.Defaults.ScoreColumnName;

    /// <summary>The output decision column (Boolean, true = anomaly: Score &gt; Threshold).</summary>
    public string PredictedLabelColumnName { get; set; } = SequenceAnomalyEstimator.Defaults.PredictedLabelColumnName;

    /// <summary>
    /// An optional explanation column: a vector with each channel's error at the point (the mean over the covering windows
    /// of that channel's squared standardized error), whose mean is Score. The largest entry names the channel that
    /// departs. Null (the default) for none.
    /// </summary>
    public string? ChannelErrorsColumnName { get; set; }

    /// <summary>
    /// The network: <c>SequenceArchitecture.LstmAutoencoder(windowLength, channels)</c>,
    /// <c>SequenceArchitecture.LstmSequenceToSequence(windowLength, channels)</c> or
    /// <c>SequenceArchitecture.KerasConvolutional(windowLength, channels)</c>, with any of their settings. Its
    /// <see cref="SequenceArchitecture.Channels"/> must equal the number of <see cref="ChannelColumnNames"/>, and its
    /// <see cref="SequenceArchitecture.WindowLength"/> is the window the series is cut into.
    /// </summary>
    public SequenceArchitecture Architecture { get; set; } = SequenceArchitecture.LstmAutoencoder(SequenceAnomalyEstimator.Defaults.WindowLength);

    /// <summary>
    /// Steps between the starts of consecutive training windows (1 = every window). A larger stride trains faster on long
    /// series; scoring always uses every window.
    /// </summary>
    public int TrainingStride { get; set; } = SequenceAnomalyEstimator.Defaults.TrainingStride;

    /// <summary>
    /// The expected fraction of anomalous points in the training series, in (0, 0.5]: the threshold becomes the
    /// (1 − contamination) quantile of the training points' scores (causal: of the N − T + 1 training points that end a
    /// window). Null means 0.01 unless <see cref="Threshold"/> is set; setting both is an error. With fewer than
    /// ⌈1/contamination⌉ such scores the quantile lies at or near the largest of them, so Fit writes a warning to
    /// <c>mlContext.Log</c> saying so.
    /// </summary>
    public double? Contamination { get; set; }

    /// <summary>An explicit threshold in Score units (finite, ≥ 0), instead of <see cref="Contamination"/> (setting both is an error); null to use the contamination.</summary>
    public float? Threshold { get; set; }

    /// <summary>
    /// True (the default): the data given to Transform continues the training series, so its first rows are scored with
    /// the windows that reach back into the training series' last WindowLength − 1 points (saved with the model), exactly
    /// as if the two were one series. False: every view is a series of its own, and its first WindowLength − 1 rows are
    /// scored with the fewer windows that fit (as the training points were). Use false to score the training series itself
    /// or a series that does not follow it; <see cref="SequenceAnomalyTransformer.WithHistory"/> switches a trained detector.
    /// </summary>
    public bool ContinuesTrainingSeries { get; set; } = true;

    /// <summary>
    /// How a point is scored: <see cref="SequenceScoring.Centered"/> (the default: from every window that covers it, so
    /// a score waits for the WindowLength − 1 rows after the point) or <see cref="SequenceScoring.Causal"/> (from the window
    /// that ends at it, its newest step's error: known when the point arrives, for alarms on a live stream through
    /// <see cref="SequenceAnomalyTransformer.CreateMonitor()"/>). The threshold comes from the training points' scores of the
    /// same kind, and the choice is saved with the model.
    /// </summary>
    public SequenceScoring Scoring { get; set; } = SequenceScoring.Centered;

    /// <summary>
    /// Training settings: Epochs, BatchSize, LearningRate, Optimizer, Seed, NumberOfThreads, TrimmedFraction, Noise,
    /// weight penalties, EpochCompleted, Progress, CancellationToken. Its column and network settings are not used (the detector
    /// cuts the windows itself and the network is <see cref="Architecture"/>); setting them is an error.
    /// </summary>
    public AutoencoderOptions Autoencoder { get; set; } = new();

    /// <summary>
    /// A copy that later changes to these options do not reach, the training options included (see
    /// <see cref="AutoencoderEstimator.Snapshot"/>): what the estimator checks and trains from.
    /// </summary>
    internal SequenceAnomalyOptions Snapshot()
    {
        var copy = (SequenceAnomalyOptions)MemberwiseClone();
        copy.ChannelColumnNames = ChannelColumnNames?.ToArray()!;
        copy.Autoencoder = Autoencoder == null ? null! : AutoencoderEstimator.Snapshot(Autoencoder);
        return copy;
    }
}
