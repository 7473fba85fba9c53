using Microsoft.ML.Autoencoders.Engine.Specs;

namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>
/// The variational autoencoder's latent layer (<see cref="GaussianSampling"/>): it takes a flat row [2L] holding a
/// Gaussian's mean and log-variance, μ ‖ log σ², and gives [L], a sample z = μ + σ ⊙ ε while training and μ at inference.
/// Put it last in the encoder, after a linear dense layer of 2L units; the KL term of the ELBO attaches to that layer's
/// node (<see cref="Variational.GaussianKlDivergence"/>).
/// </summary>
/// <param name="LogVarianceMin">The lower clamp of log σ²: below it σ is treated as e^(min/2), and its gradient is zero.</param>
/// <param name="LogVarianceMax">The upper clamp of log σ²: it keeps σ and e^(log σ²) in the KL term finite in floats.</param>
[LayerKind("gaussian_sampling")]
public sealed record GaussianSamplingSpec(float LogVarianceMin = GaussianSamplingSpec.DefaultLogVarianceMin,
    float LogVarianceMax = GaussianSamplingSpec.DefaultLogVarianceMax) : LayerSpec
{
    /// <summary>Its layer has no forward mode for the contractive penalty.</summary>
    internal override bool LacksTangents => true;

    /// <summary>σ below e^-15 is no noise at all for float data; lower values only make log σ² drift.</summary>
    public const float DefaultLogVarianceMin = -30f;

    /// <summary>σ² up to e^20: far past anything a fitted posterior reaches (the prior's is 1), well inside float range.</summary>
    public const float DefaultLogVarianceMax = 20f;

    /// <inheritdoc/>
    public override TensorShape InferOutputShape(TensorShape input)
    {
        if (!(LogVarianceMin < LogVarianceMax) || !float.IsFinite(LogVarianceMin) || !float.IsFinite(LogVarianceMax))
            throw new ArgumentException($"the log-variance clamp must be finite with min < max (was [{LogVarianceMin}, {LogVarianceMax}]).");
        if (input.Rank != 1 || input[0] % 2 != 0)
            throw Refuse("a flat row [2L] of means then log-variances (put a dense layer of 2L units before it)", input);
        return TensorShape.Flat(input[0] / 2);
    }

    /// <inheritdoc/>
    public override Layer Build(LayerBuildContext context) =>
        new GaussianSampling(context.OutputShape.Size, LogVarianceMin, LogVarianceMax);
}
