using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Autoencoders.Engine.Regularization;
using Microsoft.ML.Autoencoders.Engine.Specs;

namespace Microsoft.ML.Autoencoders.Engine.Variational;

/// <summary>
/// The KL term of a variational autoencoder's ELBO, in closed form for a diagonal Gaussian against the standard normal
/// prior: KL(N(μ, σ²) ‖ N(0, I)) = −½ Σ_j (1 + log σ²_j − μ_j² − σ²_j) per row (Kingma and Welling, 2014, appendix B),
/// averaged over the batch and weighted by the <see cref="KlSchedule"/>. It attaches to the node holding μ ‖ log σ²: the
/// input of the <see cref="GaussianSampling"/> layer.
/// </summary>
/// <remarks>
/// The reconstruction losses are means over every value of a row, while the ELBO sums over them. So that β = 1 is the
/// ELBO, the KL (nats per row) is divided by <see cref="ReconstructionWidth"/> (values per row) before it is added to the
/// loss: the objective is then the negative ELBO per value, the literature's per-row objective over a constant, and Adam's
/// steps do not depend on that constant.
/// </remarks>
public sealed class GaussianKlDivergence : CodeRegularizer
{
    private double _epochs; // training progress, told by the trainer before each step

    /// <summary>Creates the term for the moments at <paramref name="momentsNode"/>; the loss averages over <paramref name="reconstructionWidth"/> values per row.</summary>
    public GaussianKlDivergence(string momentsNode, int reconstructionWidth, KlSchedule? schedule = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(momentsNode);
        if (reconstructionWidth <= 0) throw new ArgumentOutOfRangeException(nameof(reconstructionWidth));
        Node = momentsNode;
        ReconstructionWidth = reconstructionWidth;
        Schedule = schedule ?? new KlSchedule();
        Schedule.Validate();
    }

    /// <summary>Values per reconstructed row: the KL in nats per row is divided by it to match the per-value loss.</summary>
    public int ReconstructionWidth { get; }

    /// <summary>β, its warm-up and the capacity C.</summary>
    public KlSchedule Schedule { get; }

    /// <inheritdoc/>
    public override void OnTrainingProgress(double epochs) => _epochs = epochs;

    /// <inheritdoc/>
    public override double Apply(AutoencoderNetwork network, ActivationCache cache, int batch, in LayerContext context)
    {
        var sampling = Sampling(network);
        int slot = network.Slot(Node), latent = sampling.LatentSize;
        ReadOnlySpan<float> moments = cache.Values(slot, batch);
        Span<float> gradient = cache.Gradients(slot, batch);
        double meanKl = MeanDivergence(moments, batch, sampling);
        float beta = Schedule.BetaAt(_epochs), capacity = Schedule.CapacityAt(_epochs);
        // β·KL, or β·|KL − C| with a capacity: its derivative is β·sign(KL − C) times the KL's.
        double direction = capacity > 0 ? Math.Sign(meanKl - capacity) : 1;
        float scale = (float)(beta * direction / ((double)ReconstructionWidth * batch));
        if (scale != 0)
        {
            for (int r = 0; r < batch; r++)
            {
                ReadOnlySpan<float> mean = moments.Slice(r * 2 * latent, latent), logVariance = moments.Slice(r * 2 * latent + latent, latent);
                Span<float> meanGradient = gradient.Slice(r * 2 * latent, latent), logVarianceGradient = gradient.Slice(r * 2 * latent + latent, latent);
                for (int j = 0; j < latent; j++)
                {
                    // ∂KL/∂μ = μ; ∂KL/∂log σ² = ½(σ² − 1), zero where the sampling layer's clamp holds log σ².
                    meanGradient[j] += scale * mean[j];
                    float lv = logVariance[j];
                    if (lv >= sampling.LogVarianceMin && lv <= sampling.LogVarianceMax) logVarianceGradient[j] += scale * 0.5f * (MathF.Exp(lv) - 1f);
                }
            }
        }
        return beta * (capacity > 0 ? Math.Abs(meanKl - capacity) : meanKl) / ReconstructionWidth;
    }

    /// <inheritdoc/>
    public override double Value(AutoencoderNetwork network, ActivationCache cache, int batch, in LayerContext context)
    {
        double meanKl = MeanDivergence(cache.Values(network.Slot(Node), batch), batch, Sampling(network));
        float beta = Schedule.BetaAt(_epochs), capacity = Schedule.CapacityAt(_epochs);
        return beta * (capacity > 0 ? Math.Abs(meanKl - capacity) : meanKl) / ReconstructionWidth;
    }

    /// <summary>KL(N(μ, σ²) ‖ N(0, I)) of each of <paramref name="batch"/> rows of μ ‖ log σ², in nats, into <paramref name="perRow"/>.</summary>
    public static void RowDivergences(ReadOnlySpan<float> moments, int batch, GaussianSampling sampling, Span<float> perRow)
    {
        int latent = sampling.LatentSize;
        for (int r = 0; r < batch; r++)
        {
            ReadOnlySpan<float> mean = moments.Slice(r * 2 * latent, latent), logVariance = moments.Slice(r * 2 * latent + latent, latent);
            double sum = 0;
            for (int j = 0; j < latent; j++)
            {
                float lv = sampling.ClampLogVariance(logVariance[j]);
                sum += 1.0 + lv - (double)mean[j] * mean[j] - Math.Exp(lv);
            }
            perRow[r] = (float)(-0.5 * sum);
        }
    }

    /// <inheritdoc/>
    public override void Validate(NetworkSpec spec)
    {
        base.Validate(spec);
        int slot = spec.Slot(Node);
        var layers = spec.Layers.ToArray();
        if (slot >= layers.Length || layers[slot] is not GaussianSamplingSpec)
        {
            throw new ArgumentException(
                $"The KL term reads the Gaussian's mean and log-variance at node '{Node}', so that node must feed a gaussian_sampling layer; " +
                $"it feeds {(slot < layers.Length ? layers[slot].Describe() : "nothing")}.");
        }
        if (spec.Layers.Count(l => l is GaussianSamplingSpec) != 1)
            throw new ArgumentException("A variational autoencoder has exactly one gaussian_sampling layer (its latent).");
    }

    /// <inheritdoc/>
    public override string ToString() => $"KL divergence to N(0, I) ({Schedule})";

    private double MeanDivergence(ReadOnlySpan<float> moments, int batch, GaussianSampling sampling)
    {
        Span<float> perRow = batch <= 4096 ? stackalloc float[batch] : new float[batch];
        RowDivergences(moments, batch, sampling, perRow);
        double sum = 0;
        foreach (float kl in perRow) sum += kl;
        return sum / batch;
    }

    /// <summary>The sampling layer this term's node feeds (the layer after it).</summary>
    private GaussianSampling Sampling(AutoencoderNetwork network) =>
        network.Layers.Layers[network.Slot(Node)] as GaussianSampling
        ?? throw new InvalidOperationException($"Node '{Node}' does not feed a Gaussian sampling layer.");
}
