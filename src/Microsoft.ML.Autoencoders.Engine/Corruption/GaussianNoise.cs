namespace Microsoft.ML.Autoencoders.Engine.Corruption;

/// <summary>
/// Additive Gaussian noise: x + Scale·N(0, 1), optionally clipped to [Minimum, Maximum] so that corrupted
/// inputs stay in the data's range (MNIST pixels stay in [0, 1], as in the Keras denoising example).
/// </summary>
public sealed class GaussianNoise : InputCorruption
{
    /// <summary>Creates the noise; pass both bounds to clip, or neither for unbounded data.</summary>
    /// <param name="scale">The noise's standard deviation.</param>
    /// <param name="minimum">The lowest value a corrupted input may take, or null for no lower clip.</param>
    /// <param name="maximum">The highest value a corrupted input may take, or null for no upper clip.</param>
    public GaussianNoise(float scale, float? minimum = null, float? maximum = null)
    {
        Scale = scale;
        Minimum = minimum;
        Maximum = maximum;
        Validate();
    }

    /// <summary>The noise's standard deviation.</summary>
    public float Scale { get; }

    /// <summary>The lower clip, or null.</summary>
    public float? Minimum { get; }

    /// <summary>The upper clip, or null.</summary>
    public float? Maximum { get; }

    /// <inheritdoc/>
    public override void Apply(Span<float> values, SeededRandom random)
    {
        float low = Minimum ?? float.NegativeInfinity, high = Maximum ?? float.PositiveInfinity;
        for (int i = 0; i < values.Length; i++)
            values[i] = Math.Clamp(values[i] + Scale * random.NextGaussian(), low, high);
    }

    /// <inheritdoc/>
    public override void Validate()
    {
        if (!(Scale >= 0 && float.IsFinite(Scale))) throw new ArgumentException($"The Gaussian noise scale must be finite and non-negative (was {Scale}).");
        if (Minimum is float low && Maximum is float high && !(low < high))
            throw new ArgumentException($"The noise clip range [{low}, {high}] is empty: the minimum must be below the maximum.");
    }

    /// <inheritdoc/>
    public override string ToString() =>
        Minimum == null && Maximum == null ? $"Gaussian noise (scale {Scale})" : $"Gaussian noise (scale {Scale}, clipped to [{Minimum}, {Maximum}])";
}
