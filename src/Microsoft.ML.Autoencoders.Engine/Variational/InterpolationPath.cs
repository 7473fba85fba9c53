namespace Microsoft.ML.Autoencoders.Engine.Variational;

/// <summary>How a variational autoencoder walks between two latent points.</summary>
public enum InterpolationPath
{
    /// <summary>A straight line: (1 − t)·a + t·b.</summary>
    Linear,

    /// <summary>
    /// Along the great circle (slerp, Shoemake 1985): sin((1 − t)Ω)/sin Ω · a + sin(tΩ)/sin Ω · b with Ω the angle between a
    /// and b. In high dimensions samples of N(0, I) sit near a sphere and a straight line cuts through its less likely
    /// inside, so slerp keeps the path where the prior puts its mass (White, 2016).
    /// </summary>
    Spherical,
}
