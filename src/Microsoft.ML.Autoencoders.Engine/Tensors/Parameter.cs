namespace Microsoft.ML.Autoencoders.Engine.Tensors;

/// <summary>
/// One named, shaped tensor of a model's state: a learnable one, or a <see cref="ParameterRole.Buffer"/> its layer
/// updates itself (both are saved with the model). It owns no memory: its values and gradients are views into the
/// single contiguous <see cref="ParameterStore"/> of the model it belongs to.
/// </summary>
public sealed class Parameter
{
    private ParameterStore? _store;

    /// <summary>Declares a parameter; it has no storage until a <see cref="ParameterStore"/> adopts it.</summary>
    public Parameter(string name, params int[] shape)
    {
        Name = name;
        Shape = shape;
        Length = 1;
        foreach (int d in shape)
        {
            if (d <= 0) throw new ArgumentOutOfRangeException(nameof(shape), $"Parameter '{name}' has a non-positive dimension.");
            Length *= d;
        }
    }

    /// <summary>The name, unique within a model (e.g. "encoder.0.weight").</summary>
    public string Name { get; internal set; }

    /// <summary>
    /// What the parameter is for; weight penalties read it. Weight unless the layer says otherwise, so a new layer's
    /// matrices are penalized by default rather than silently skipped.
    /// </summary>
    public ParameterRole Role { get; init; } = ParameterRole.Weight;

    /// <summary>False for a <see cref="ParameterRole.Buffer"/>: state its layer updates itself, which the optimizer leaves alone.</summary>
    public bool IsTrainable => Role != ParameterRole.Buffer;

    /// <summary>The shape, row-major.</summary>
    public int[] Shape { get; }

    /// <summary>The number of elements.</summary>
    public int Length { get; }

    /// <summary>Where this parameter starts in the store's buffers.</summary>
    public int Offset { get; private set; }

    /// <summary>The values, a view into the store.</summary>
    public Span<float> Values => Store.Values.AsSpan(Offset, Length);

    /// <summary>The gradients, a view into the store (same offsets as the values).</summary>
    public Span<float> Gradients => Store.Gradients.AsSpan(Offset, Length);

    private ParameterStore Store =>
        _store ?? throw new InvalidOperationException($"Parameter '{Name}' is not attached to a ParameterStore yet.");

    internal void Attach(ParameterStore store, int offset)
    {
        if (_store != null) throw new InvalidOperationException($"Parameter '{Name}' already belongs to a store.");
        _store = store;
        Offset = offset;
    }
}
