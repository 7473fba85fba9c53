using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Models;

namespace Microsoft.ML.Autoencoders.Engine.Regularization;

/// <summary>
/// The exact contractive penalty for a one-layer sigmoid encoder h = σ(x·W + b). Its Jacobian is
/// J_ji = h_j(1−h_j) W_ij, so ‖J‖²_F = Σ_j (h_j(1−h_j))² Σ_i W_ij² — no per-input work at all.
/// </summary>
internal static class SigmoidEncoderJacobian
{
    /// <summary>
    /// True when the layers below node <paramref name="slot"/> are exactly one affine layer y = x·W + b
    /// (<see cref="Layer.LinearWeights"/>) and a sigmoid.
    /// </summary>
    public static bool Applies(AutoencoderNetwork network, int slot) =>
        slot == 2 && network.Layers.Layers[0].LinearWeights is not null && network.Layers.Layers[1].AppliedActivation == Activation.Sigmoid;

    /// <summary>
    /// Returns λ/B Σ_b Σ_j a_bj² s_j with a = h(1−h), s_j = Σ_i W_ij². Its gradient has two parts, both added here:
    /// through h (∂/∂h_bj = λ/B · 2 a_bj (1−2h_bj) s_j, into the code slot, which the encoder's backward pass carries
    /// to W, b) and directly through W (∂/∂W_ij = λ/B · 2 W_ij Σ_b a_bj²).
    /// </summary>
    public static double Penalty(AutoencoderNetwork network, int slot, ActivationCache cache, int batch, float weight, bool accumulateGradients)
    {
        var affine = network.Layers.Layers[0];
        var weights = affine.LinearWeights!;
        int inputs = affine.InputSize, units = affine.OutputSize;
        ReadOnlySpan<float> w = weights.Values;
        // Stack buffers for ordinary code widths: the penalty runs every step and must not allocate.
        Span<double> columnNorms = units <= 1024 ? stackalloc double[units] : new double[units];
        columnNorms.Clear();
        for (int i = 0; i < inputs; i++)
        {
            ReadOnlySpan<float> row = w.Slice(i * units, units);
            for (int j = 0; j < units; j++) columnNorms[j] += (double)row[j] * row[j];
        }

        ReadOnlySpan<float> code = cache.Values(slot, batch);
        Span<float> codeGradient = accumulateGradients ? cache.Gradients(slot, batch) : Span<float>.Empty;
        Span<double> slopeSquaredSums = units <= 1024 ? stackalloc double[units] : new double[units];
        slopeSquaredSums.Clear();
        double scale = (double)weight / batch, penalty = 0;
        for (int r = 0; r < batch; r++)
        {
            for (int j = 0; j < units; j++)
            {
                double h = code[r * units + j], a = h * (1 - h);
                penalty += a * a * columnNorms[j];
                slopeSquaredSums[j] += a * a;
                if (accumulateGradients) codeGradient[r * units + j] += (float)(scale * 2 * a * (1 - 2 * h) * columnNorms[j]);
            }
        }

        if (accumulateGradients)
        {
            Span<float> dw = weights.Gradients;
            for (int i = 0; i < inputs; i++)
                for (int j = 0; j < units; j++)
                    dw[i * units + j] += (float)(scale * 2 * w[i * units + j] * slopeSquaredSums[j]);
        }
        return scale * penalty;
    }
}
