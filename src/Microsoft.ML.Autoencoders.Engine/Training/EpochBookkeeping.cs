using System.Diagnostics;
using Microsoft.ML.Autoencoders.Engine.Models;

namespace Microsoft.ML.Autoencoders.Engine.Training;

/// <summary>
/// What the in-memory and the streamed trainer keep across epochs, and the rules they share for it: the weights an epoch
/// began with and the learning-rate back-off that returns to them, best-epoch tracking with its early stop, the schedule's
/// end-of-epoch call, the restore of the best weights and the history. The trainers differ only in where rows come from.
/// </summary>
/// <remarks>
/// The state is settable because the in-memory trainer's checkpoint writes all of it and a resumed run reads it back.
/// </remarks>
internal sealed class EpochBookkeeping
{
    private readonly AutoencoderNetwork _network;
    private readonly TrainingOptions _options;
    private readonly TrainingStep _step;
    private readonly DivergenceGuard _guard;

    /// <summary>What a back-off multiplies the learning rate by: a tenth, the usual first remedy for a diverging run.</summary>
    internal const float BackoffFactor = 0.1f;

    public EpochBookkeeping(AutoencoderNetwork network, TrainingOptions options, TrainingStep step, DivergenceGuard guard)
    {
        (_network, _options, _step, _guard) = (network, options, step, guard);
        BackoffsLeft = options.LearningRateBackoffs;
        // The weights each epoch begins with, kept only when a divergence may go back to them.
        LastGoodWeights = BackoffsLeft > 0 ? new float[network.Parameters.Count] : null;
    }

    public List<EpochMetrics> Epochs { get; } = [];
    public List<string> Warnings { get; } = [];
    public double BestValidation { get; set; } = double.PositiveInfinity;
    public int BestEpoch { get; set; }
    public int EpochsWithoutImprovement { get; set; }
    public float[]? BestWeights { get; set; }
    public bool StoppedEarly { get; set; }
    public int BackoffsLeft { get; set; }

    /// <summary>The weights the current epoch began with (null without back-offs).</summary>
    public float[]? LastGoodWeights { get; }

    /// <summary>Keeps the weights an epoch begins with, for a back-off to return to.</summary>
    public void BeginEpoch()
    {
        if (LastGoodWeights != null) _network.Parameters.Values.CopyTo(LastGoodWeights, 0);
    }

    /// <summary>Whether a divergence can still be answered with a back-off rather than ending the run.</summary>
    public bool CanBackOff => BackoffsLeft > 0;

    /// <summary>Back to the weights the epoch began with and a fresh optimizer at a tenth of the rate; the caller runs the epoch again.</summary>
    public void BackOff(int epoch, TrainingDivergedException diverged)
    {
        BackoffsLeft--;
        LastGoodWeights!.CopyTo(_network.Parameters.Values, 0);
        float before = _step.BaseLearningRate, after = _step.BackOff(BackoffFactor);
        _guard.LearningRate = after;
        Warnings.Add($"Training diverged in epoch {epoch} at learning rate {before:G4} ({diverged.What}); the epoch was run again " +
            $"from the weights it began with at {after:G4}.");
    }

    /// <summary>
    /// Records a finished epoch: best-epoch tracking (and the best weights), its metrics, the schedule's step and whether to
    /// stop early. <paramref name="validationLoss"/> is null without a validation split.
    /// </summary>
    public EpochMetrics EndEpoch(int epoch, double trainingLoss, double? validationLoss, double penaltySum, int batches, Stopwatch clock)
    {
        if (validationLoss is double measured)
        {
            if (measured < BestValidation)
            {
                BestValidation = measured;
                BestEpoch = epoch;
                EpochsWithoutImprovement = 0;
                if (_options.RestoreBestWeights)
                {
                    // The whole store, buffers too: a layer's running statistics belong to the weights they were gathered under.
                    BestWeights ??= new float[_network.Parameters.Count];
                    _network.Parameters.Values.CopyTo(BestWeights, 0);
                }
            }
            else
            {
                EpochsWithoutImprovement++;
            }
        }
        else
        {
            BestEpoch = epoch;
        }

        var metrics = new EpochMetrics(epoch, trainingLoss, validationLoss ?? double.NaN, clock.Elapsed.TotalSeconds)
        {
            Penalty = penaltySum / batches,
            LearningRate = _step.LearningRate,
        };
        // The plateau schedule watches what early stopping watches: the validation loss when there is a split.
        _options.LearningRateSchedule?.EndEpoch(epoch, validationLoss ?? trainingLoss + penaltySum / batches);
        Epochs.Add(metrics);
        StoppedEarly = _options.EarlyStoppingPatience > 0 && EpochsWithoutImprovement >= _options.EarlyStoppingPatience && epoch < _options.Epochs;
        return metrics;
    }

    /// <summary>Puts the best epoch's weights back when a later epoch is the one the network holds.</summary>
    public void RestoreBest()
    {
        if (BestWeights != null && BestEpoch != Epochs.Count) BestWeights.CopyTo(_network.Parameters.Values, 0);
    }

    public TrainingHistory History() => new(Epochs, BestEpoch, StoppedEarly, Warnings);
}
