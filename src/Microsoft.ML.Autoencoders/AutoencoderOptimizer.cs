namespace Microsoft.ML.Autoencoders;

/// <summary>The update rule used in training.</summary>
public enum AutoencoderOptimizer
{
    /// <summary>Stochastic gradient descent with momentum (<see cref="AutoencoderOptions.Momentum"/>).</summary>
    Sgd,
    /// <summary>Adam: the default; robust to the learning rate.</summary>
    Adam,
    /// <summary>Adam with decoupled weight decay (<see cref="AutoencoderOptions.WeightDecay"/>).</summary>
    AdamW,
}
