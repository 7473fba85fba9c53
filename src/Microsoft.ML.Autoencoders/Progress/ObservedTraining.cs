using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Autoencoders.Engine.Training;
using Microsoft.ML.Runtime;

namespace Microsoft.ML.Autoencoders;

/// <summary>
/// Runs the engine's trainer the way every estimator's Fit does: each epoch goes to <c>mlContext.Log</c>
/// (<see cref="TrainingLog"/>), to <see cref="AutoencoderOptions.EpochCompleted"/> and to
/// <see cref="AutoencoderOptions.Progress"/>, in that order, and <see cref="AutoencoderOptions.CancellationToken"/> stops it
/// within one batch with <see cref="OperationCanceledException"/>.
/// </summary>
internal static class ObservedTraining
{
    /// <summary>
    /// Trains <paramref name="network"/> in place with <paramref name="training"/> on <paramref name="rows"/> rows of
    /// <paramref name="inputs"/> (towards <paramref name="targets"/>, or the inputs themselves); <paramref name="options"/>
    /// gives the callbacks and the token, <paramref name="what"/> names the model in the log.
    /// </summary>
    public static TrainingHistory Fit(IHostEnvironment? environment, string what, AutoencoderNetwork network, TrainingOptions training,
        AutoencoderOptions options, float[] inputs, float[]? targets, int rows)
    {
        var trainer = new AutoencoderTrainer(network, training);
        return Observe(environment, what, network, training, options, rows, onEpoch => trainer.Fit(inputs, targets, rows, onEpoch, options.CancellationToken));
    }

    /// <summary>Trains as the other overload does, streaming the rows from <paramref name="source"/> (see <see cref="StreamedTrainer"/>).</summary>
    public static TrainingHistory Fit(IHostEnvironment? environment, string what, AutoencoderNetwork network, TrainingOptions training,
        AutoencoderOptions options, ITrainingRowSource source)
    {
        var trainer = new StreamedTrainer(network, training);
        // The log's row count is for reading only: past int's range it says "at least".
        int rows = (int)Math.Min(source.RowCount, int.MaxValue);
        return Observe(environment, what, network, training, options, rows, onEpoch => trainer.Fit(source, onEpoch, options.CancellationToken));
    }

    private static TrainingHistory Observe(IHostEnvironment? environment, string what, AutoencoderNetwork network, TrainingOptions training,
        AutoencoderOptions options, int rows, Func<Action<EpochMetrics>, TrainingHistory> fit)
    {
        using var log = TrainingLog.Start(environment, what, rows, training, network);
        var epochCompleted = options.EpochCompleted;
        var progress = options.Progress;
        void OnEpoch(EpochMetrics metrics)
        {
            log.Epoch(metrics);
            epochCompleted?.Invoke(metrics);
            progress?.Report(metrics);
        }
        TrainingHistory history;
        try
        {
            history = fit(OnEpoch);
        }
        catch (OperationCanceledException)
        {
            log.Cancelled();
            throw;
        }
        log.End(history);
        return history;
    }
}
