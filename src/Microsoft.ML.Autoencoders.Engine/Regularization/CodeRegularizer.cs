using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Autoencoders.Engine.Specs;

namespace Microsoft.ML.Autoencoders.Engine.Regularization;

/// <summary>
/// A penalty attached to a named node of the network (<see cref="Node"/>: the code unless set) or on how the layers
/// below produce it (sparse and contractive autoencoders). The trainer runs the backward pass from the loss down to the
/// node, calls <see cref="Apply"/>, and goes on down: a regularizer adds its gradient into the node's slot gradient
/// (and, where it needs to, into lower slots or weights directly), and the rest of the backward pass then carries
/// reconstruction and penalty gradients together.
/// </summary>
public abstract class CodeRegularizer
{
    /// <summary>The node the penalty attaches to: "code" (the default), or a layer's name (see <see cref="NetworkSpec.Slot"/>).</summary>
    public string Node { get; init; } = NetworkSpec.CodeNode;

    /// <summary>
    /// Adds this penalty's gradient for the <paramref name="batch"/> rows in <paramref name="cache"/> (already run
    /// forward in training mode) and returns the penalty's value, averaged over the batch like the loss.
    /// </summary>
    public abstract double Apply(AutoencoderNetwork network, ActivationCache cache, int batch, in LayerContext context);

    /// <summary>
    /// Told before each training step how far training has come, in epochs (1.5 = half way through the second), for
    /// penalties whose weight follows a schedule (a variational autoencoder's KL warm-up). Most ignore it.
    /// </summary>
    public virtual void OnTrainingProgress(double epochs) { }

    /// <summary>The penalty's value alone, without touching any gradient (for reporting and tests).</summary>
    public abstract double Value(AutoencoderNetwork network, ActivationCache cache, int batch, in LayerContext context);

    /// <summary>
    /// Throws <see cref="ArgumentException"/> when this penalty cannot work on <paramref name="spec"/> (its node missing, or
    /// of the wrong kind), saying what to change.
    /// </summary>
    public virtual void Validate(NetworkSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        int slot = spec.Slot(Node); // throws, listing the nodes, when there is no such node
        if (slot == 0 || slot == spec.Encoder.Count + spec.Decoder.Count)
            throw new ArgumentException($"{this} is attached to node '{Node}', the network's input or output; attach it to the code or a hidden layer's node.");
    }

    /// <summary>Validates against the symmetric dense network <paramref name="architecture"/> describes.</summary>
    public void Validate(AutoencoderArchitecture architecture) => Validate(architecture.ToSpec());

    /// <summary>A short description, e.g. "L1 activity penalty 0.0001".</summary>
    public abstract override string ToString();
}
