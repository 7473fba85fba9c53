namespace Microsoft.ML.Autoencoders.Engine.Training;

/// <summary>The per-epoch record of a training run.</summary>
public sealed class TrainingHistory
{
    internal TrainingHistory(IReadOnlyList<EpochMetrics> epochs, int bestEpoch, bool stoppedEarly)
    {
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
}
