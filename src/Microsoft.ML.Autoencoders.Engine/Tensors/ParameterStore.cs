namespace Microsoft.ML.Autoencoders.Engine.Tensors;

/// <summary>
/// All parameters of a model in one contiguous buffer, with their gradients in a second buffer of the same
/// layout. Optimizers then run one flat loop over the whole model, and saving is one copy.
/// </summary>
/// <remarks>
/// Trainable parameters come first, buffers (<see cref="ParameterRole.Buffer"/>: state a layer updates itself, such as
/// batch norm's running statistics) after them, so the trainable ones are the prefix [0, <see cref="TrainableCount"/>)
/// of both arrays: the optimizer steps that prefix in its one flat pass, and its state is sized for it alone. A model
/// without buffers keeps the order it was given, so its layout (and every result) is what it was before buffers existed.
/// </remarks>
public sealed class ParameterStore
{
    private readonly List<Parameter> _parameters;

    /// <summary>Lays the parameters out back to back, trainable ones first, each group in the order given, and attaches them.</summary>
    public ParameterStore(IEnumerable<Parameter> parameters)
    {
        var given = parameters.ToList();
        _parameters = [.. given.Where(p => p.IsTrainable), .. given.Where(p => !p.IsTrainable)];
        int offset = 0;
        foreach (var p in _parameters)
        {
            if (p.IsTrainable) TrainableCount += p.Length;
            offset += p.Length;
        }
        Values = new float[offset];
        Gradients = new float[offset];
        offset = 0;
        foreach (var p in _parameters)
        {
            p.Attach(this, offset);
            offset += p.Length;
        }
    }

    /// <summary>Every parameter value, in layout order (buffers included: saving and restoring copy them along).</summary>
    public float[] Values { get; }

    /// <summary>Every gradient, in the same layout as <see cref="Values"/> (a buffer's stay zero).</summary>
    public float[] Gradients { get; }

    /// <summary>The parameters in layout order.</summary>
    public IReadOnlyList<Parameter> Parameters => _parameters;

    /// <summary>Total number of scalars.</summary>
    public int Count => Values.Length;

    /// <summary>The scalars of the trainable parameters: they fill [0, TrainableCount) of both arrays, the buffers the rest.</summary>
    public int TrainableCount { get; }

    /// <summary>The trainable parameters' values, the part of <see cref="Values"/> an optimizer steps.</summary>
    public Span<float> TrainableValues => Values.AsSpan(0, TrainableCount);

    /// <summary>The trainable parameters' gradients, the part of <see cref="Gradients"/> an optimizer reads.</summary>
    public Span<float> TrainableGradients => Gradients.AsSpan(0, TrainableCount);

    /// <summary>Sets every gradient to zero; backward passes accumulate into them.</summary>
    public void ZeroGradients() => Array.Clear(Gradients);
}
