namespace Microsoft.ML.Autoencoders.Engine.Training;

/// <summary>What one epoch achieved.</summary>
/// <param name="Epoch">1-based epoch number.</param>
/// <param name="TrainingLoss">Mean loss over the epoch's training batches (measured while the weights moved).</param>
/// <param name="ValidationLoss">Loss on the held-out rows after the epoch, or NaN without a validation split.</param>
/// <param name="Seconds">Wall time of the epoch, validation included.</param>
public readonly record struct EpochMetrics(int Epoch, double TrainingLoss, double ValidationLoss, double Seconds)
{
    /// <summary>
    /// Mean over the epoch's batches of the regularization penalties (code penalties and weight penalties) that were
    /// added to <see cref="TrainingLoss"/>'s gradient; 0 without regularizers. <see cref="TrainingLoss"/> stays the
    /// reconstruction loss alone, so it compares across kinds.
    /// </summary>
    public double Penalty { get; init; }

    /// <summary>The step size of the epoch's last step (what a schedule set it to).</summary>
    public float LearningRate { get; init; }

    /// <summary>What the optimizer minimized: reconstruction loss plus penalties.</summary>
    public double TotalTrainingLoss => TrainingLoss + Penalty;
}
