namespace Microsoft.ML.Autoencoders.Engine.Losses;

/// <summary>The reconstruction losses the engine trains with.</summary>
public enum LossKind
{
    /// <summary>Mean of (prediction - target)².</summary>
    MeanSquaredError,
    /// <summary>Mean of -[t·log p + (1 - t)·log(1 - p)]; targets in [0, 1].</summary>
    BinaryCrossEntropy,
    /// <summary>Mean of |prediction - target|.</summary>
    L1,
}
