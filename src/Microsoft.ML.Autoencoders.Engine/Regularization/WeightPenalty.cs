using Microsoft.ML.Autoencoders.Engine.Tensors;
using Microsoft.ML.Autoencoders.Engine.Models;

namespace Microsoft.ML.Autoencoders.Engine.Regularization;

/// <summary>
/// L1 and L2 penalties on the weight matrices (never the biases, which only shift activations), as Keras'
/// <c>kernel_regularizer</c>: L1 · Σ|W| + L2 · Σ W², added once per batch. Unlike the optimizer's weight decay
/// it is part of the reported penalty, and it leaves biases alone. A tied matrix is penalized once (the parameter store holds it once).
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

    /// <summary>
    /// Adds the penalty's gradient to every parameter whose role is <see cref="ParameterRole.Weight"/> and returns its
    /// value. Each layer declares its parameters' roles, so a new kind of layer is penalized without an edit here.
    /// </summary>
    public double Apply(AutoencoderNetwork network)
    {
        double penalty = 0;
        // Indexed, not a LINQ filter: that would allocate an iterator on every training step.
        var parameters = network.Parameters.Parameters;
        for (int p = 0; p < parameters.Count; p++)
        {
            var parameter = parameters[p];
            if (parameter.Role != ParameterRole.Weight) continue;
            ReadOnlySpan<float> w = parameter.Values;
            Span<float> dw = parameter.Gradients;
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
