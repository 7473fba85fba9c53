using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Autoencoders.Engine.Training;
using Microsoft.ML.Runtime;

namespace Microsoft.ML.Autoencoders;

/// <summary>
/// The lines a Fit writes to <c>mlContext.Log</c> (source "Autoencoders; Fit"): one as training starts (rows, batch,
/// epochs, the network), one per epoch (loss, validation loss, rows/s, elapsed, ETA, learning rate), the training
/// history's warnings as warnings, and one at the end (total time, the epoch whose weights the model keeps, early stopping)
/// or on cancellation. Given no environment it writes nothing.
/// </summary>
internal sealed class TrainingLog : IDisposable
{
    /// <summary>The component the lines come from (<c>IHostEnvironment.Register</c>).</summary>
    public const string ComponentName = "Autoencoders";

    /// <summary>The channel the lines go through; ML.NET reports the source as "Autoencoders; Fit".</summary>
    public const string ChannelName = "Fit";

    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    private readonly IChannel? _channel;
    private readonly int _epochs;
    private readonly int _trainingRows;
    private readonly int _patience;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private int _epochsDone;

    private TrainingLog(IChannel? channel, int epochs, int trainingRows, int patience)
    {
        _channel = channel;
        _epochs = epochs;
        _trainingRows = trainingRows;
        _patience = patience;
    }

    /// <summary>
    /// Opens the channel and writes the start line for training <paramref name="network"/> on <paramref name="rows"/> rows
    /// (validation rows included) with <paramref name="training"/>; <paramref name="what"/> names the model ("autoencoder").
    /// </summary>
    public static TrainingLog Start(IHostEnvironment? environment, string what, int rows, TrainingOptions training, AutoencoderNetwork network)
    {
        // The trainer's own split, repeated here only to report it: round(rows × fraction) held out.
        int validationRows = (int)Math.Round(rows * training.ValidationFraction);
        int trainingRows = rows - validationRows;
        var log = new TrainingLog(environment?.Register(ComponentName).Start(ChannelName), training.Epochs, trainingRows, training.EarlyStoppingPatience);
        if (log._channel == null) return log;
        string held = validationRows > 0 ? $" ({validationRows.ToString("N0", Invariant)} more held out for validation)" : "";
        string stopping = training.EarlyStoppingPatience > 0 ? $", stopping early after {training.EarlyStoppingPatience} without a better validation loss" : "";
        log.Info($"Training {what} on {trainingRows.ToString("N0", Invariant)} rows{held}: batch {Math.Min(training.BatchSize, trainingRows)}, " +
            $"{training.Epochs} epochs{stopping}; network {Describe(network)}.");
        return log;
    }

    /// <summary>The per-epoch line.</summary>
    public void Epoch(EpochMetrics metrics)
    {
        _epochsDone = metrics.Epoch;
        if (_channel == null) return;
        var elapsed = _clock.Elapsed;
        // The mean epoch so far times the epochs left: an upper bound when early stopping may end the run sooner.
        var remaining = TimeSpan.FromTicks(elapsed.Ticks / metrics.Epoch * (_epochs - metrics.Epoch));
        string penalty = metrics.Penalty > 0 ? $" (+ penalty {Number(metrics.Penalty)})" : "";
        string validation = double.IsNaN(metrics.ValidationLoss) ? "" : $", validation loss {Number(metrics.ValidationLoss)}";
        double rowsPerSecond = metrics.Seconds > 0 ? _trainingRows / metrics.Seconds : double.PositiveInfinity;
        Info($"Epoch {metrics.Epoch}/{_epochs}: loss {Number(metrics.TrainingLoss)}{penalty}{validation}, " +
            $"{rowsPerSecond.ToString("N0", Invariant)} rows/s, elapsed {Duration(elapsed)}, ETA {Duration(remaining)}, " +
            $"learning rate {metrics.LearningRate.ToString("G3", Invariant)}");
    }

    /// <summary>The history's warnings (divergence back-offs, a collapsed code) as warnings, then the end line.</summary>
    public void End(TrainingHistory history)
    {
        if (_channel == null) return;
        foreach (var warning in history.Warnings) _channel.Warning(MessageSensitivity.None, "{0}", warning);
        int ran = history.Epochs.Count;
        var best = history.Epochs.FirstOrDefault(e => e.Epoch == history.BestEpoch);
        string how = history.StoppedEarly
            ? $"stopped early after {ran} of {_epochs} epochs ({_patience} without a better validation loss)"
            : $"{ran} epochs";
        string kept = double.IsNaN(best.ValidationLoss)
            ? $"final loss {Number(best.TrainingLoss)}"
            : $"the model keeps epoch {history.BestEpoch}'s weights (validation loss {Number(best.ValidationLoss)})";
        Info($"Trained in {Duration(_clock.Elapsed)}: {how}; {kept}.");
    }

    /// <summary>The line for a Fit stopped by its cancellation token.</summary>
    public void Cancelled() =>
        Info($"Cancelled after {_epochsDone} of {_epochs} epochs ({Duration(_clock.Elapsed)}); no model was made.");

    public void Dispose() => _channel?.Dispose();

    private void Info(string line) => _channel?.Info(MessageSensitivity.None, "{0}", line);

    /// <summary>The shape after each layer that changes it, e.g. "[12] → dense [8] → dense [3] → dense [8] → dense [12] (code [3], 235 weights)".</summary>
    internal static string Describe(AutoencoderNetwork network)
    {
        var spec = network.Spec;
        var steps = spec.Layers.Where(l => !l.IsElementwise).Select(l => $"{l.Kind} {l.OutputShape}");
        return $"{spec.InputShape} → {string.Join(" → ", steps)} (code {spec.CodeShape}, {network.Parameters.TrainableCount.ToString("N0", Invariant)} weights)";
    }

    private static string Number(double value) => value.ToString("G4", Invariant);

    /// <summary>m:ss.f under an hour, h:mm:ss beyond.</summary>
    internal static string Duration(TimeSpan span) =>
        span.TotalHours >= 1 ? span.ToString(@"h\:mm\:ss", Invariant) : $"{(int)span.TotalMinutes}:{span.ToString(@"ss\.f", Invariant)}";
}
