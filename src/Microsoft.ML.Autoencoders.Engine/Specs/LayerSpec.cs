using System.Text.Json.Serialization;
using Microsoft.ML.Autoencoders.Engine.Layers;

namespace Microsoft.ML.Autoencoders.Engine.Specs;

/// <summary>
/// The description of one layer as plain data: its kind (the name it is registered under in <see cref="LayerKinds"/>),
/// its hyperparameters (the derived record's properties) and, once the network is resolved, the per-row shapes it
/// takes and gives. A spec knows its own rules: the shape it gives for a given input (<see cref="InferOutputShape"/>),
/// the engine layer it builds (<see cref="Build"/>) and, for a decoder that mirrors an encoder, its mirror image
/// (<see cref="Mirror"/>). A new layer kind is one spec record, one <see cref="Layer"/> and one registration.
/// </summary>
public abstract record LayerSpec
{
    /// <summary>
    /// The layer's name, unique in its network: it names the layer's parameters ("encoder.0.weight"), its output node
    /// (which penalties can attach to) and its ONNX nodes. Null until the network names it ("encoder.0", "decoder.1", ...).
    /// </summary>
    public string? Name { get; init; }

    /// <summary>The per-row shape the layer takes; filled (and checked) when the network is resolved.</summary>
    public TensorShape? InputShape { get; init; }

    /// <summary>The per-row shape the layer gives; filled (and checked) when the network is resolved.</summary>
    public TensorShape? OutputShape { get; init; }

    /// <summary>The name this spec's type is registered under (e.g. "dense"); "unregistered TypeName" when it is not.</summary>
    [JsonIgnore]
    public string Kind => LayerKinds.TryKindOf(GetType()) ?? $"unregistered {GetType().Name}";

    /// <summary>
    /// True for layers applied value by value that keep the shape (activations, dropout, and prelu, whose only parameters
    /// are its slopes). A mirrored decoder carries them over rather than inverting them (a carried prelu learns slopes of its
    /// own), and they take their names from the layer before.
    /// </summary>
    [JsonIgnore]
    public virtual bool IsElementwise => false;

    /// <summary>
    /// True for kinds whose layer cannot carry the contractive penalty's tangent (<see cref="Layer.PushTangent"/>), so that
    /// <see cref="Regularization.ContractiveRegularizer.Validate"/> refuses them below its node before training starts
    /// rather than at the first step. False unless a kind says so (a custom kind's layer may push tangents).
    /// </summary>
    internal virtual bool LacksTangents => false;

    /// <summary>The activation this layer applies, if it is one: a weight layer before it picks its initialization from it.</summary>
    [JsonIgnore]
    public virtual Activation? AppliedActivation => null;

    /// <summary>
    /// The shape this layer gives for rows of <paramref name="input"/>; throws <see cref="ArgumentException"/> saying what
    /// it takes when it cannot take <paramref name="input"/> (the network adds the layer's name), or when a
    /// hyperparameter is out of range.
    /// </summary>
    public abstract TensorShape InferOutputShape(TensorShape input);

    /// <summary>Creates the engine layer (parameters declared, not yet initialized) for the resolved spec.</summary>
    public abstract Layer Build(LayerBuildContext context);

    /// <summary>
    /// The layer that undoes this one's change of shape in a decoder that mirrors the encoder: it takes this layer's
    /// output shape and gives its input shape (a dense layer's mirror is a dense layer back to the input width). Layers
    /// without one throw; the user then gives the decoder explicitly.
    /// </summary>
    public virtual LayerSpec Mirror(MirrorContext context) =>
        throw new NotSupportedException($"A {Kind} layer has no mirror image: give the decoder's layers explicitly.");

    /// <summary>"'encoder.1' (dense)", for messages.</summary>
    public string Describe() => Name == null ? $"a {Kind} layer" : $"'{Name}' ({Kind})";

    /// <summary>The error for an input this layer cannot take: what it takes and what it was given.</summary>
    protected static ArgumentException Refuse(string takes, TensorShape given) =>
        new($"it takes {takes} but is given {given}.");
}
