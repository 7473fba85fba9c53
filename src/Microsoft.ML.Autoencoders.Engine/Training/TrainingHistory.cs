namespace Microsoft.ML.Autoencoders.Engine.Training;

/// <summary>The per-epoch record of a training run.</summary>
public sealed class TrainingHistory
{
    internal TrainingHistory(IReadOnlyList<EpochMetrics> epochs, int bestEpoch, bool stoppedEarly, IReadOnlyList<string>? warnings = null)
    {
        Warnings = warnings ?? [];
        Epochs = epochs;
        BestEpoch = bestEpoch;
        StoppedEarly = stoppedEarly;
    }

    /// <summary>One entry per epoch run.</summary>
    public IReadOnlyList<EpochMetrics> Epochs { get; }

    /// <summary>The epoch whose weights the model holds (the last one without a validation split).</summary>
    public int BestEpoch { get; }

    /// <summary>True when early stopping ended training before the last epoch.</summary>
    public bool StoppedEarly { get; }

    /// <summary>
    /// Problems found in the trained model that are not errors, e.g. a collapsed code (see <see cref="CodeCollapseDetector"/>):
    /// empty when training went well. Divergence is an error, not a warning: it throws <see cref="TrainingDivergedException"/>.
    /// </summary>
    public IReadOnlyList<string> Warnings { get; }
}
