namespace Microsoft.ML.Autoencoders.Engine.Training;

/// <summary>What one epoch achieved.</summary>
/// <param name="Epoch">1-based epoch number.</param>
/// <param name="TrainingLoss">Mean loss over the epoch's training batches (measured while the weights moved).</param>
/// <param name="ValidationLoss">Loss on the held-out rows after the epoch, or NaN without a validation split.</param>
/// <param name="Seconds">Wall time of the epoch, validation included.</param>
public readonly record struct EpochMetrics(int Epoch, double TrainingLoss, double ValidationLoss, double Seconds);
