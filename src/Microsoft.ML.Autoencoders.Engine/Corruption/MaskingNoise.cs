namespace Microsoft.ML.Autoencoders.Engine.Corruption;

/// <summary>
/// Masking noise (Vincent et al., 2008): each input is set to zero independently with probability
/// <see cref="Fraction"/>, so the network must fill in missing values from the ones it still sees.
/// </summary>
public sealed class MaskingNoise : InputCorruption
{
    /// <summary>Creates the noise; <paramref name="fraction"/> is the probability that an input is zeroed.</summary>
    public MaskingNoise(float fraction)
    {
        Fraction = fraction;
        Validate();
    }

    /// <summary>The probability that each input is set to zero.</summary>
    public float Fraction { get; }

    /// <inheritdoc/>
    public override void Apply(Span<float> values, SeededRandom random)
    {
        for (int i = 0; i < values.Length; i++)
            if (random.NextFloat() < Fraction) values[i] = 0f;
    }

    /// <inheritdoc/>
    public override void Validate() => CheckFraction(Fraction, "masking");

    /// <inheritdoc/>
    public override string ToString() => $"masking noise ({Fraction:P0} of inputs zeroed)";
}
