namespace Microsoft.ML.Autoencoders.Engine.Optimizers;

/// <summary>The update rules the engine offers.</summary>
public enum OptimizerKind
{
    /// <summary>Stochastic gradient descent with (optional) momentum.</summary>
    Sgd,
    /// <summary>Adam (Kingma &amp; Ba, 2015), with optional L2 penalty added to the gradient.</summary>
    Adam,
    /// <summary>Adam with decoupled weight decay (Loshchilov &amp; Hutter, 2019).</summary>
    AdamW,
}
