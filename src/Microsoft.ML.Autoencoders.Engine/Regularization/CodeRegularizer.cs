using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Models;

namespace Microsoft.ML.Autoencoders.Engine.Regularization;

/// <summary>
/// A penalty on the code or on how the encoder produces it (sparse and contractive autoencoders). The trainer
/// calls <see cref="Apply"/> after the forward pass and the decoder's backward pass, before the encoder's backward
/// pass: a regularizer adds its gradient into the code slot's gradient (and, where it needs to, into encoder slots
/// or weights directly), and the encoder's backward pass then carries reconstruction and penalty gradients together.
/// </summary>
public abstract class CodeRegularizer
{
    /// <summary>
    /// Adds this penalty's gradient for the <paramref name="batch"/> rows in <paramref name="cache"/> (already run
    /// forward in training mode) and returns the penalty's value, averaged over the batch like the loss.
    /// </summary>
    public abstract double Apply(AutoencoderNetwork network, ActivationCache cache, int batch, in LayerContext context);

    /// <summary>The penalty's value alone, without touching any gradient (for reporting and tests).</summary>
    public abstract double Value(AutoencoderNetwork network, ActivationCache cache, int batch, in LayerContext context);

    /// <summary>Throws <see cref="ArgumentException"/> when this penalty cannot work on <paramref name="architecture"/>, saying what to change.</summary>
    public abstract void Validate(AutoencoderArchitecture architecture);

    /// <summary>A short description, e.g. "L1 activity penalty 0.0001".</summary>
    public abstract override string ToString();
}
