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

    /// <summary>
    /// Writes what the next steps depend on (a checkpoint): the step count and the step size here, the moments or
    /// velocity in the subclasses. An optimizer made with the same settings and read back steps exactly as this one would.
    /// </summary>
    internal virtual void WriteState(BinaryWriter writer)
    {
        writer.Write(StepCount);
        writer.Write(LearningRate);
    }

    /// <summary>Puts back a state written by <see cref="WriteState"/> into an optimizer made with the same settings.</summary>
    internal virtual void ReadState(BinaryReader reader)
    {
        long steps = reader.ReadInt64();
        if (steps < 0) throw new InvalidDataException($"The checkpoint's optimizer step count is {steps}.");
        StepCount = steps;
        LearningRate = reader.ReadSingle();
    }

    /// <summary>Throws when the buffers do not match the size the optimizer was made for.</summary>
    protected static void CheckLengths(int expected, Span<float> values, ReadOnlySpan<float> gradients)
    {
        if (values.Length != expected || gradients.Length != expected)
            throw new ArgumentException($"The optimizer was created for {expected} parameters but got {values.Length} values and {gradients.Length} gradients.");
    }
}
