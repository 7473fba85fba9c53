namespace Microsoft.ML.Autoencoders;

/// <summary>
/// The corruption a denoising autoencoder adds to its training inputs (see <see cref="AutoencoderOptions.Noise"/>);
/// the target stays the clean row, and scoring never adds noise.
/// </summary>
public enum AutoencoderNoise
{
    /// <summary>No corruption: a plain (or otherwise regularized) autoencoder.</summary>
    None,
    /// <summary>x + NoiseLevel·N(0, 1), clipped to the training inputs' range unless ClipNoiseToInputRange is off.</summary>
    Gaussian,
    /// <summary>Each input set to zero with probability NoiseLevel.</summary>
    Masking,
    /// <summary>Each input, with probability NoiseLevel, set to the training inputs' minimum or maximum (half each).</summary>
    SaltAndPepper,
}
