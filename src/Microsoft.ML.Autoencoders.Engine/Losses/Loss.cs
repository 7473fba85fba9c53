using Microsoft.ML.Autoencoders.Engine.Layers;

namespace Microsoft.ML.Autoencoders.Engine.Losses;

/// <summary>
/// A loss averaged over every element of a batch (PyTorch's "mean" reduction), with its gradient.
/// </summary>
public abstract class Loss
{
    /// <summary>The most threads a pass may use (the trainer passes its own); the result does not depend on it.</summary>
    internal int Threads { get; set; } = 1;

    /// <summary>Which loss this is.</summary>
    public abstract LossKind Kind { get; }

    /// <summary>
    /// True when this loss reads the pre-activation of the network's last layer (logits) rather than its output:
    /// the trainer then stops the forward pass one layer early and skips that layer's backward.
    /// </summary>
    public virtual bool ReadsLogits => false;

    /// <summary>
    /// Returns the mean loss of <paramref name="prediction"/> against <paramref name="target"/> (same length) and,
    /// when <paramref name="gradient"/> is not empty, accumulates d(mean loss)/d(prediction) into it.
    /// </summary>
    public abstract double Compute(ReadOnlySpan<float> prediction, ReadOnlySpan<float> target, Span<float> gradient);

    /// <summary>
    /// The loss for <paramref name="kind"/> on a network whose output layer applies <paramref name="outputActivation"/>.
    /// Binary cross-entropy after a sigmoid works on the logits, which is exact where sigmoid saturates.
    /// </summary>
    public static Loss Create(LossKind kind, Activation outputActivation) => kind switch
    {
        LossKind.MeanSquaredError => new MeanSquaredErrorLoss(),
        LossKind.L1 => new L1Loss(),
        LossKind.BinaryCrossEntropy when outputActivation == Activation.Sigmoid => new BinaryCrossEntropyWithLogitsLoss(),
        LossKind.BinaryCrossEntropy => new BinaryCrossEntropyLoss(),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown loss."),
    };

    /// <summary>Throws when the spans disagree in length.</summary>
    protected static void CheckLengths(ReadOnlySpan<float> prediction, ReadOnlySpan<float> target, Span<float> gradient)
    {
        if (prediction.Length != target.Length || (!gradient.IsEmpty && gradient.Length != prediction.Length))
            throw new ArgumentException($"Prediction ({prediction.Length}), target ({target.Length}) and gradient ({gradient.Length}) lengths differ.");
    }
}
