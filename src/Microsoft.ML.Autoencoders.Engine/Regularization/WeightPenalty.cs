using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Models;

namespace Microsoft.ML.Autoencoders.Engine.Regularization;

/// <summary>
/// L1 and L2 penalties on the weight matrices (never the biases, which only shift activations), as Keras'
/// <c>kernel_regularizer</c>: L1 · Σ|W| + L2 · Σ W², added once per batch. Unlike the optimizer's weight decay
/// it is part of the reported penalty, and it leaves biases alone. A tied matrix is penalized once.
/// </summary>
public sealed class WeightPenalty
{
    /// <summary>Creates the penalty; either strength may be 0.</summary>
    public WeightPenalty(float l1, float l2)
    {
        if (!(l1 >= 0 && float.IsFinite(l1))) throw new ArgumentException($"The L1 weight penalty must be finite and non-negative (was {l1}).");
        if (!(l2 >= 0 && float.IsFinite(l2))) throw new ArgumentException($"The L2 weight penalty must be finite and non-negative (was {l2}).");
        L1 = l1;
        L2 = l2;
    }

    /// <summary>The weight of Σ|W|.</summary>
    public float L1 { get; }

    /// <summary>The weight of Σ W².</summary>
    public float L2 { get; }

    /// <summary>True when neither strength is set.</summary>
    public bool IsEmpty => L1 == 0 && L2 == 0;

    /// <summary>Adds the penalty's gradient to every weight matrix's gradient and returns its value.</summary>
    public double Apply(AutoencoderNetwork network)
    {
        double penalty = 0;
        // Indexed, not OfType: LINQ would allocate an iterator on every training step.
        var layers = network.Layers.Layers;
        for (int l = 0; l < layers.Count; l++)
        {
            if (layers[l] is not Dense dense) continue;
            ReadOnlySpan<float> w = dense.Weights.Values;
            Span<float> dw = dense.Weights.Gradients;
            for (int i = 0; i < w.Length; i++)
            {
                float v = w[i];
                penalty += L1 * Math.Abs(v) + L2 * (double)v * v;
                dw[i] += L1 * MathF.Sign(v) + 2 * L2 * v;
            }
        }
        return penalty;
    }
}
