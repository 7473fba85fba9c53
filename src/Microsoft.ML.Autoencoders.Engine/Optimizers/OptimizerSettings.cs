namespace Microsoft.ML.Autoencoders.Engine.Optimizers;

/// <summary>Everything that defines an optimizer; defaults match PyTorch's.</summary>
public sealed record OptimizerSettings
{
    /// <summary>The update rule.</summary>
    public OptimizerKind Kind { get; init; } = OptimizerKind.Adam;

    /// <summary>Step size.</summary>
    public float LearningRate { get; init; } = 1e-3f;

    /// <summary>SGD momentum (0 = plain SGD).</summary>
    public float Momentum { get; init; } = 0.9f;

    /// <summary>Adam's first-moment decay.</summary>
    public float Beta1 { get; init; } = 0.9f;

    /// <summary>Adam's second-moment decay.</summary>
    public float Beta2 { get; init; } = 0.999f;

    /// <summary>Adam's denominator guard.</summary>
    public float Epsilon { get; init; } = 1e-8f;

    /// <summary>Weight decay: an L2 term in the gradient for SGD and Adam, decoupled decay for AdamW.</summary>
    public float WeightDecay { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (!(LearningRate > 0) || float.IsInfinity(LearningRate)) throw new ArgumentException($"LearningRate must be a positive number (was {LearningRate}).");
        if (!(Momentum >= 0 && Momentum < 1)) throw new ArgumentException($"Momentum must be in [0, 1) (was {Momentum}).");
        if (!(Beta1 >= 0 && Beta1 < 1)) throw new ArgumentException($"Beta1 must be in [0, 1) (was {Beta1}).");
        if (!(Beta2 >= 0 && Beta2 < 1)) throw new ArgumentException($"Beta2 must be in [0, 1) (was {Beta2}).");
        if (!(Epsilon > 0)) throw new ArgumentException($"Epsilon must be positive (was {Epsilon}).");
        if (!(WeightDecay >= 0)) throw new ArgumentException($"WeightDecay must be non-negative (was {WeightDecay}).");
    }
}
