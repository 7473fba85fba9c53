using Microsoft.ML.Autoencoders.Engine.Layers;

namespace Microsoft.ML.Autoencoders.Engine.Specs;

/// <summary>What a <see cref="LayerSpec"/> may know while it builds its engine layer.</summary>
public sealed class LayerBuildContext
{
    private readonly IReadOnlyDictionary<string, Layer> _built;

    internal LayerBuildContext(string name, TensorShape inputShape, TensorShape outputShape, LayerSpec? next, IReadOnlyDictionary<string, Layer> built)
    {
        Name = name;
        InputShape = inputShape;
        OutputShape = outputShape;
        Next = next;
        _built = built;
    }

    /// <summary>The layer's name, the prefix of its parameters' names.</summary>
    public string Name { get; }

    /// <summary>The per-row shape the layer takes.</summary>
    public TensorShape InputShape { get; }

    /// <summary>The per-row shape the layer gives.</summary>
    public TensorShape OutputShape { get; }

    /// <summary>The spec of the layer that follows (null for the last): e.g. the activation a weight layer's initialization suits.</summary>
    public LayerSpec? Next { get; }

    /// <summary>The activation applied right after this layer (Linear when none).</summary>
    public Activation FollowingActivation => Next?.AppliedActivation ?? Activation.Linear;

    /// <summary>An earlier layer of the same network by name (a tied decoder layer finds its encoder layer this way).</summary>
    public Layer EarlierLayer(string name) =>
        _built.TryGetValue(name, out var layer) ? layer
        : throw new ArgumentException($"Layer '{Name}' refers to layer '{name}', which does not come before it in the network (layers so far: {string.Join(", ", _built.Keys)}).");
}
