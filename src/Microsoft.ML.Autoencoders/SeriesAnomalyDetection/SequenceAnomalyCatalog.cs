using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Autoencoders.Engine.Training;

namespace Microsoft.ML.Autoencoders;

/// <summary>
/// The streaming sequence-autoencoder detector on <c>mlContext.AnomalyDetection.Trainers</c>. Add
/// <c>using Microsoft.ML.Autoencoders;</c> and call <c>mlContext.AnomalyDetection.Trainers.SequenceAutoencoder(...)</c>.
/// </summary>
public static class SequenceAnomalyCatalog
{
    /// <summary>
    /// Trains a sequence autoencoder on sliding windows of the series in <paramref name="channelColumnNames"/> (Single
    /// columns, rows in time order) and scores every point by its reconstruction error, with a threshold that flags a
    /// fraction <paramref name="contamination"/> of the training points.
    /// </summary>
    /// <param name="catalog">The anomaly-detection trainers catalog.</param>
    /// <param name="channelColumnNames">The series' columns, one per channel.</param>
    /// <param name="windowLength">Steps per window.</param>
    /// <param name="kind">
    /// An LSTM autoencoder with a repeat-vector decoder (<see cref="SequenceAutoencoderKind.Lstm"/>) or with a
    /// sequence-to-sequence decoder started from the code (<see cref="SequenceAutoencoderKind.LstmSequenceToSequence"/>), or the
    /// Keras 1-D convolutional one.
    /// </param>
    /// <param name="cell">The recurrent cell of the LSTM kinds' encoder and decoder: LSTM, or GRU (fewer weights, a faster step);
    /// the convolutional kind has none and refuses GRU.</param>
    /// <param name="epochs">Passes over the training windows.</param>
    /// <param name="contamination">The expected fraction of anomalous points in the training series, in (0, 0.5].</param>
    /// <param name="channelErrorsColumnName">A column for each channel's error at the point, or null for none.</param>
    /// <param name="seed">Fixes initialization and shuffling.</param>
    /// <param name="progress">Told each epoch's metrics as it ends (see <see cref="AutoencoderOptions.Progress"/>); null for none.</param>
    /// <param name="cancellationToken">Stops Fit within one batch with <see cref="OperationCanceledException"/>.</param>
    /// <example><code>
    /// var detector = mlContext.AnomalyDetection.Trainers.SequenceAutoencoder(["Cpu", "Memory"], windowLength: 48).Fit(history);
    /// var scored = detector.Transform(today); // Score, PredictedLabel per row
    /// </code></example>
    public static SequenceAnomalyEstimator SequenceAutoencoder(
        this AnomalyDetectionCatalog.AnomalyDetectionTrainers catalog,
        string[] channelColumnNames,
        int windowLength = SequenceAnomalyEstimator.Defaults.WindowLength,
        SequenceAutoencoderKind kind = SequenceAutoencoderKind.Lstm,
        RecurrentCell cell = RecurrentCell.Lstm,
        int epochs = AutoencoderEstimator.Defaults.Epochs,
        double contamination = SequenceAnomalyEstimator.Defaults.Contamination,
        string? channelErrorsColumnName = null,
        int seed = AutoencoderEstimator.Defaults.Seed,
        IProgress<EpochMetrics>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(channelColumnNames);
        int channels = channelColumnNames.Length;
        CheckWindowLength(windowLength, channels, kind);
        if (kind == SequenceAutoencoderKind.Convolutional && cell != RecurrentCell.Lstm)
            throw new ArgumentException($"The convolutional kind has no recurrent cell: leave {nameof(cell)} at {RecurrentCell.Lstm} or choose an LSTM kind.", nameof(cell));
        return SequenceAutoencoder(catalog, new SequenceAnomalyOptions
        {
            ChannelColumnNames = channelColumnNames,
            Architecture = kind == SequenceAutoencoderKind.Convolutional
                ? SequenceArchitecture.KerasConvolutional(windowLength, channels)
                : LstmWithCodeBelowWindow(windowLength, channels) with { Kind = kind, Cell = cell },
            Contamination = contamination,
            ChannelErrorsColumnName = channelErrorsColumnName,
            Autoencoder = new AutoencoderOptions { Epochs = epochs, Seed = seed, Progress = progress, CancellationToken = cancellationToken },
        });
    }

    /// <summary>
    /// Refuses a window the short form cannot build a network for, naming <paramref name="windowLength"/>: otherwise a
    /// window of 0 steps fails inside the tensor shape, and one of a single value fails the overcomplete check with the
    /// inner column's name and a CodeSize the caller never set.
    /// </summary>
    private static void CheckWindowLength(int windowLength, int channels, SequenceAutoencoderKind kind)
    {
        if (windowLength < 1)
            throw new ArgumentOutOfRangeException(nameof(windowLength), windowLength, "windowLength is the number of time steps in each window and must be at least 1 (a few periods of the series is typical, e.g. 32).");
        // With windowLength ≥ 1, fewer than two values means one step of one channel.
        if (kind != SequenceAutoencoderKind.Convolutional && windowLength == 1 && channels == 1)
            throw new ArgumentOutOfRangeException(nameof(windowLength), windowLength,
                "A window of 1 step of 1 channel holds 1 value, too few for an LSTM autoencoder's code to be narrower than the window: give a windowLength of at least 2.");
    }

    /// <summary>
    /// The default LSTM autoencoder (either decoder), its code (16 by default) capped below the window's values as the dense autoencoder's
    /// default code is below its input, so that short windows (8 steps of one channel) work without arguments instead of
    /// being refused as overcomplete.
    /// </summary>
    private static SequenceArchitecture LstmWithCodeBelowWindow(int windowLength, int channels)
    {
        var lstm = SequenceArchitecture.LstmAutoencoder(windowLength, channels);
        int values = windowLength * channels;
        return lstm.CodeSize < values || values < 2 ? lstm : lstm with { CodeSize = values - 1 };
    }

    /// <summary>Trains the detector configured by <paramref name="options"/>: any sequence architecture, window stride, threshold and training settings.</summary>
    /// <param name="catalog">The anomaly-detection trainers catalog.</param>
    /// <param name="options">Columns, windows, network, threshold and training settings.</param>
    public static SequenceAnomalyEstimator SequenceAutoencoder(this AnomalyDetectionCatalog.AnomalyDetectionTrainers catalog, SequenceAnomalyOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        // The catalog's environment, so that the training lines reach mlContext.Log.
        return new SequenceAnomalyEstimator(options, CatalogEnvironment.Of(catalog));
    }
}
