namespace Microsoft.ML.Autoencoders.Engine.Corruption;

/// <summary>
/// Salt-and-pepper noise: each input is, with probability <see cref="Fraction"/>, replaced by the data's
/// lowest value (pepper) or its highest (salt), each with probability one half — the impulse noise of faulty pixels.
/// </summary>
public sealed class SaltAndPepperNoise : InputCorruption
{
    /// <summary>Creates the noise.</summary>
    /// <param name="fraction">The probability that an input is replaced.</param>
    /// <param name="low">The pepper value, the data's minimum (0 for pixels in [0, 1]).</param>
    /// <param name="high">The salt value, the data's maximum (1 for pixels in [0, 1]).</param>
    public SaltAndPepperNoise(float fraction, float low = 0f, float high = 1f)
    {
        Fraction = fraction;
        Low = low;
        High = high;
        Validate();
    }

    /// <summary>The probability that each input is replaced.</summary>
    public float Fraction { get; }

    /// <summary>The pepper value.</summary>
    public float Low { get; }

    /// <summary>The salt value.</summary>
    public float High { get; }

    /// <inheritdoc/>
    public override void Apply(Span<float> values, SeededRandom random)
    {
        for (int i = 0; i < values.Length; i++)
        {
            // One draw decides both whether and which: below Fraction/2 is pepper, below Fraction is salt.
            float u = random.NextFloat();
            if (u < Fraction) values[i] = u < 0.5f * Fraction ? Low : High;
        }
    }

    /// <inheritdoc/>
    public override void Validate()
    {
        CheckFraction(Fraction, "salt-and-pepper");
        if (!(Low < High) || !float.IsFinite(Low) || !float.IsFinite(High))
            throw new ArgumentException($"Salt-and-pepper needs finite values with low < high (got low {Low}, high {High}).");
    }

    /// <inheritdoc/>
    public override string ToString() => $"salt-and-pepper noise ({Fraction:P0} of inputs set to {Low} or {High})";
}
