using Microsoft.ML.Autoencoders.Engine.Export;

namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>
/// The reparameterization trick (Kingma and Welling, 2014): the input row is μ ‖ log σ² ([2L]); while training the layer
/// draws ε ~ N(0, I) and gives z = μ + exp(½ log σ²) ⊙ ε, a sample of the encoder's Gaussian through which gradients
/// reach μ and log σ²; at inference it gives μ, so scoring is deterministic. ε lives in the per-sample scratch between
/// forward and backward and comes from <see cref="LayerContext.Random"/>, the training step's seeded generator, so the
/// same seed and thread count give the same model.
/// </summary>
public sealed class GaussianSampling : Layer
{
    /// <summary>Creates the layer for a latent of <paramref name="latentSize"/> values, log σ² clamped to [min, max].</summary>
    public GaussianSampling(int latentSize, float logVarianceMin = GaussianSamplingSpec.DefaultLogVarianceMin,
        float logVarianceMax = GaussianSamplingSpec.DefaultLogVarianceMax)
    {
        if (latentSize <= 0) throw new ArgumentOutOfRangeException(nameof(latentSize));
        if (!(logVarianceMin < logVarianceMax)) throw new ArgumentOutOfRangeException(nameof(logVarianceMin), "The log-variance clamp needs min < max.");
        LatentSize = latentSize;
        LogVarianceMin = logVarianceMin;
        LogVarianceMax = logVarianceMax;
    }

    /// <summary>L, the latent's width.</summary>
    public int LatentSize { get; }

    /// <summary>The lower clamp of log σ².</summary>
    public float LogVarianceMin { get; }

    /// <summary>The upper clamp of log σ².</summary>
    public float LogVarianceMax { get; }

    /// <inheritdoc/>
    public override int InputSize => 2 * LatentSize;

    /// <inheritdoc/>
    public override int OutputSize => LatentSize;

    /// <summary>ε, one per latent value, kept from forward for backward.</summary>
    public override int ScratchSizePerSample => LatentSize;

    /// <inheritdoc/>
    internal override bool CanOverwriteInputGradient => true;

    /// <summary>log σ² as the layer uses it: clamped to [<see cref="LogVarianceMin"/>, <see cref="LogVarianceMax"/>].</summary>
    public float ClampLogVariance(float logVariance) => Math.Clamp(logVariance, LogVarianceMin, LogVarianceMax);

    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<float> x, Span<float> y, Span<float> scratch, int batch, in LayerContext context)
    {
        int latent = LatentSize;
        if (!context.Training)
        {
            for (int r = 0; r < batch; r++) x.Slice(r * 2 * latent, latent).CopyTo(y.Slice(r * latent, latent));
            return;
        }
        var random = context.Random ?? throw new InvalidOperationException("Sampling while training needs LayerContext.Random.");
        for (int r = 0; r < batch; r++)
        {
            ReadOnlySpan<float> mean = x.Slice(r * 2 * latent, latent), logVariance = x.Slice(r * 2 * latent + latent, latent);
            Span<float> z = y.Slice(r * latent, latent), noise = scratch.Slice(r * latent, latent);
            for (int j = 0; j < latent; j++)
            {
                float epsilon = random.NextGaussian();
                noise[j] = epsilon;
                z[j] = mean[j] + MathF.Exp(0.5f * ClampLogVariance(logVariance[j])) * epsilon;
            }
        }
    }

    /// <summary>
    /// ∂z/∂μ = 1 and ∂z/∂log σ² = ½ σ ε (zero where the clamp held log σ²); at inference z = μ, so the log-variance half
    /// gets no gradient.
    /// </summary>
    public override void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx,
        ReadOnlySpan<float> scratch, int batch, in LayerContext context)
    {
        if (dx.IsEmpty) return;
        int latent = LatentSize;
        bool overwrite = context.OverwriteInputGradient;
        for (int r = 0; r < batch; r++)
        {
            ReadOnlySpan<float> logVariance = x.Slice(r * 2 * latent + latent, latent), gradient = dy.Slice(r * latent, latent);
            Span<float> meanGradient = dx.Slice(r * 2 * latent, latent), logVarianceGradient = dx.Slice(r * 2 * latent + latent, latent);
            for (int j = 0; j < latent; j++)
            {
                float lv = logVariance[j];
                float throughNoise = context.Training && lv >= LogVarianceMin && lv <= LogVarianceMax
                    ? gradient[j] * 0.5f * MathF.Exp(0.5f * lv) * scratch[r * latent + j]
                    : 0f;
                if (overwrite)
                {
                    meanGradient[j] = gradient[j];
                    logVarianceGradient[j] = throughNoise;
                }
                else
                {
                    meanGradient[j] += gradient[j];
                    logVarianceGradient[j] += throughNoise;
                }
            }
        }
    }

    /// <summary>Inference keeps μ: a Slice of the first L values of the last axis, for flat rows and batches alike.</summary>
    public override void ExportOnnx(LayerExportContext context)
    {
        string starts = context.Tensor("starts"), ends = context.Tensor("ends"), axes = context.Tensor("axes");
        context.Graph.AddInt64Initializer(starts, [1], [0]);
        context.Graph.AddInt64Initializer(ends, [1], [LatentSize]);
        context.Graph.AddInt64Initializer(axes, [1], [-1]);
        context.AddNode("Slice", [context.Input, starts, ends, axes], [context.Output]);
    }
}
