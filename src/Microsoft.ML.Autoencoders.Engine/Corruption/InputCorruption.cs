namespace Microsoft.ML.Autoencoders.Engine.Corruption;

/// <summary>
/// Noise that a denoising autoencoder adds to its training input. The trainer applies it to each gathered input
/// batch only — the target stays the clean row — so the network learns to undo the corruption, not to copy it.
/// Scoring never corrupts.
/// </summary>
public abstract class InputCorruption
{
    /// <summary>Corrupts <paramref name="values"/> (a row-major batch) in place with draws from <paramref name="random"/>.</summary>
    public abstract void Apply(Span<float> values, SeededRandom random);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public abstract void Validate();

    /// <summary>A short description for messages and logs, e.g. "Gaussian noise (scale 0.5, clipped to [0, 1])".</summary>
    public abstract override string ToString();

    /// <summary>Throws unless <paramref name="fraction"/> is a probability in [0, 1].</summary>
    private protected static void CheckFraction(float fraction, string what)
    {
        if (!(fraction >= 0 && fraction <= 1)) throw new ArgumentException($"The {what} fraction must be in [0, 1] (was {fraction}).");
    }
}
