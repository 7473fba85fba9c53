namespace Microsoft.ML.Autoencoders.Engine.Optimizers;

/// <summary>
/// Updates a model's whole parameter buffer from its gradient buffer in one flat pass; its state
/// (momentum, moments) lives in buffers of the same layout, allocated once.
/// </summary>
public abstract class Optimizer
{
    /// <summary>
    /// Creates the optimizer described by <paramref name="settings"/> for <paramref name="parameterCount"/> scalars (a
    /// store's <see cref="Tensors.ParameterStore.TrainableCount"/>: buffers get no optimizer state and no step).
    /// </summary>
    public static Optimizer Create(OptimizerSettings settings, int parameterCount)
    {
        settings.Validate();
        return settings.Kind switch
        {
            OptimizerKind.Sgd => new Sgd(settings, parameterCount),
            OptimizerKind.Adam => new Adam(settings, parameterCount, decoupledWeightDecay: false),
            OptimizerKind.AdamW => new Adam(settings, parameterCount, decoupledWeightDecay: true),
            _ => throw new ArgumentOutOfRangeException(nameof(settings), settings.Kind, "Unknown optimizer."),
        };
    }

    /// <summary>The step size; schedulers may change it between steps.</summary>
    public float LearningRate { get; set; }

    /// <summary>The most threads a step may use (the trainer passes its own); results do not depend on it.</summary>
    internal int Threads { get; set; } = 1;

    /// <summary>Steps taken so far.</summary>
    public long StepCount { get; protected set; }

    /// <summary>Applies one update to <paramref name="values"/> using <paramref name="gradients"/>.</summary>
    public abstract void Step(Span<float> values, ReadOnlySpan<float> gradients);

    /// <summary>
    /// <see cref="Step"/>, then leaves <paramref name="gradients"/> zero for the next step to accumulate into: the
    /// training step's form, where clearing in the pass that reads them saves a separate pass over the buffer.
    /// </summary>
    internal virtual void StepAndClearGradients(Span<float> values, Span<float> gradients)
    {
        Step(values, gradients);
        gradients.Clear();
    }

    /// <summary>Throws when the buffers do not match the size the optimizer was made for.</summary>
    protected static void CheckLengths(int expected, Span<float> values, ReadOnlySpan<float> gradients)
    {
        if (values.Length != expected || gradients.Length != expected)
            throw new ArgumentException($"The optimizer was created for {expected} parameters but got {values.Length} values and {gradients.Length} gradients.");
    }
}
