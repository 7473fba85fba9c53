using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Models;

namespace Microsoft.ML.Autoencoders.Engine.Regularization;

/// <summary>
/// Sparsity by an L1 penalty on the code's activations, as Keras' <c>activity_regularizer=l1(strength)</c>:
/// strength · Σ_j |h_j| per row, averaged over the batch. It pushes most code units to exactly zero for any
/// input, so each input is described by a few active units.
/// </summary>
public sealed class L1ActivityRegularizer : CodeRegularizer
{
    /// <summary>Creates the penalty; <paramref name="strength"/> is the weight of Σ|h| (Keras' example uses 1e-4 with a 784-32 code).</summary>
    public L1ActivityRegularizer(float strength)
    {
        if (!(strength >= 0 && float.IsFinite(strength))) throw new ArgumentException($"The L1 activity strength must be finite and non-negative (was {strength}).");
        Strength = strength;
    }

    /// <summary>The weight of Σ_j |h_j| per row.</summary>
    public float Strength { get; }

    /// <inheritdoc/>
    public override double Apply(AutoencoderNetwork network, ActivationCache cache, int batch, in LayerContext context)
    {
        int slot = network.Slot(Node);
        ReadOnlySpan<float> code = cache.Values(slot, batch);
        Span<float> gradient = cache.Gradients(slot, batch);
        float perElement = Strength / batch;
        double sum = 0;
        for (int i = 0; i < code.Length; i++)
        {
            float h = code[i];
            sum += Math.Abs(h);
            gradient[i] += h > 0 ? perElement : h < 0 ? -perElement : 0f; // the subgradient 0 at h = 0
        }
        return Strength * sum / batch;
    }

    /// <inheritdoc/>
    public override double Value(AutoencoderNetwork network, ActivationCache cache, int batch, in LayerContext context)
    {
        ReadOnlySpan<float> code = cache.Values(network.Slot(Node), batch);
        double sum = 0;
        foreach (float h in code) sum += Math.Abs(h);
        return Strength * sum / batch;
    }

    /// <inheritdoc/>
    public override string ToString() => $"L1 activity penalty {Strength}";
}
