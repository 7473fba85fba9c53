namespace Microsoft.ML.Autoencoders.Engine.Tensors;

/// <summary>
/// All parameters of a model in one contiguous buffer, with their gradients in a second buffer of the same
/// layout. Optimizers then run one flat loop over the whole model, and saving is one copy.
/// </summary>
public sealed class ParameterStore
{
    private readonly List<Parameter> _parameters;

    /// <summary>Lays the parameters out back to back, in the order given, and attaches them.</summary>
    public ParameterStore(IEnumerable<Parameter> parameters)
    {
        _parameters = parameters.ToList();
        int offset = 0;
        foreach (var p in _parameters) offset += p.Length;
        Values = new float[offset];
        Gradients = new float[offset];
        offset = 0;
        foreach (var p in _parameters)
        {
            p.Attach(this, offset);
            offset += p.Length;
        }
    }

    /// <summary>Every parameter value, in layout order.</summary>
    public float[] Values { get; }

    /// <summary>Every gradient, in the same layout as <see cref="Values"/>.</summary>
    public float[] Gradients { get; }

    /// <summary>The parameters in layout order.</summary>
    public IReadOnlyList<Parameter> Parameters => _parameters;

    /// <summary>Total number of scalars.</summary>
    public int Count => Values.Length;

    /// <summary>Sets every gradient to zero; backward passes accumulate into them.</summary>
    public void ZeroGradients() => Array.Clear(Gradients);
}
