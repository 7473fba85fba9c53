using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Autoencoders.Engine.Specs;

namespace Microsoft.ML.Autoencoders.Engine.Regularization;

/// <summary>
/// Sparsity by a target mean activation (Ng's sparse autoencoder notes): with ρ̂_j the mean of code unit j over the
/// batch, the penalty is β · Σ_j KL(ρ ‖ ρ̂_j) = β · Σ_j [ρ log(ρ/ρ̂_j) + (1−ρ) log((1−ρ)/(1−ρ̂_j))]. Each unit is
/// pushed to be active (near 1) for only a fraction ρ of the inputs. ρ̂ must be a probability, so the code must
/// be a sigmoid.
/// </summary>
public sealed class KlSparsityRegularizer : CodeRegularizer
{
    /// <summary>Keeps ρ̂ off 0 and 1, where the logarithms and the gradient blow up.</summary>
    private const double Clamp = 1e-6;

    /// <summary>Creates the penalty.</summary>
    /// <param name="targetActivation">ρ, the desired mean activation of each code unit, in (0, 1), e.g. 0.05.</param>
    /// <param name="weight">β, the weight of the summed divergences.</param>
    public KlSparsityRegularizer(float targetActivation, float weight)
    {
        if (!(targetActivation > 0 && targetActivation < 1))
            throw new ArgumentException($"The sparsity target (rho) must be in (0, 1) (was {targetActivation}).");
        if (!(weight >= 0 && float.IsFinite(weight))) throw new ArgumentException($"The sparsity weight (beta) must be finite and non-negative (was {weight}).");
        TargetActivation = targetActivation;
        Weight = weight;
    }

    /// <summary>ρ, the target mean activation.</summary>
    public float TargetActivation { get; }

    /// <summary>β, the penalty's weight.</summary>
    public float Weight { get; }

    /// <inheritdoc/>
    public override double Apply(AutoencoderNetwork network, ActivationCache cache, int batch, in LayerContext context)
    {
        int slot = network.Slot(Node), width = network.Layers.SlotSize(slot);
        ReadOnlySpan<float> code = cache.Values(slot, batch);
        Span<float> gradient = cache.Gradients(slot, batch);
        // On the stack for any realistic code width, so a training step allocates nothing.
        Span<double> means = width <= 1024 ? stackalloc double[width] : new double[width];
        MeanActivations(code, batch, width, means);
        double rho = TargetActivation, penalty = 0;
        Span<float> perUnit = width <= 1024 ? stackalloc float[width] : new float[width];
        for (int j = 0; j < width; j++)
        {
            double mean = means[j];
            penalty += Divergence(rho, mean);
            // d/dρ̂ KL = −ρ/ρ̂ + (1−ρ)/(1−ρ̂); ρ̂_j is a mean over the batch, so each h_bj gets 1/batch of it.
            perUnit[j] = (float)(Weight * (-rho / mean + (1 - rho) / (1 - mean)) / batch);
        }
        for (int r = 0; r < batch; r++)
        {
            Span<float> row = gradient.Slice(r * width, width);
            for (int j = 0; j < width; j++) row[j] += perUnit[j];
        }
        return Weight * penalty;
    }

    /// <inheritdoc/>
    public override double Value(AutoencoderNetwork network, ActivationCache cache, int batch, in LayerContext context)
    {
        int slot = network.Slot(Node), width = network.Layers.SlotSize(slot);
        Span<double> means = width <= 1024 ? stackalloc double[width] : new double[width];
        MeanActivations(cache.Values(slot, batch), batch, width, means);
        double penalty = 0;
        foreach (double mean in means) penalty += Divergence(TargetActivation, mean);
        return Weight * penalty;
    }

    /// <inheritdoc/>
    public override void Validate(NetworkSpec spec)
    {
        base.Validate(spec);
        var activation = spec.Producer(Node)?.AppliedActivation ?? Activation.Linear;
        if (activation != Activation.Sigmoid)
        {
            throw new ArgumentException(
                $"The KL sparsity penalty compares each unit's mean activation at node '{Node}' with a target probability, so the node must be in (0, 1): " +
                $"make the layer producing it a Sigmoid (it is {activation}; for the code, set the code activation), or use the L1 activity penalty, which works with any node.");
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"KL sparsity penalty (rho {TargetActivation}, beta {Weight})";

    private static void MeanActivations(ReadOnlySpan<float> code, int batch, int width, Span<double> means)
    {
        means.Clear();
        for (int r = 0; r < batch; r++)
        {
            ReadOnlySpan<float> row = code.Slice(r * width, width);
            for (int j = 0; j < width; j++) means[j] += row[j];
        }
        for (int j = 0; j < width; j++) means[j] = Math.Clamp(means[j] / batch, Clamp, 1 - Clamp);
    }

    private static double Divergence(double rho, double mean) =>
        rho * Math.Log(rho / mean) + (1 - rho) * Math.Log((1 - rho) / (1 - mean));
}
