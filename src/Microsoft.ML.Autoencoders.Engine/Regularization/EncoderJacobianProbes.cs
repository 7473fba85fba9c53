using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Models;

namespace Microsoft.ML.Autoencoders.Engine.Regularization;

/// <summary>
/// The contractive penalty for any encoder, by forward-mode differentiation: a tangent t (a direction in input
/// space) is pushed through the encoder alongside the cached forward values, each layer by its own rule
/// (<see cref="Layer.PushTangent"/>: dense t ← t·W; activation t ← t ⊙ f'(z), with f' written in terms of the output y;
/// dropout t ← t ⊙ mask), giving J·t at the code.
/// With t = e_i for every input i, Σ_i ‖J e_i‖² is ‖J‖²_F exactly; with K random ±1 probes,
/// (1/K) Σ_k ‖J v_k‖² is Hutchinson's unbiased estimate of it.
/// </summary>
/// <remarks>
/// The gradient of ‖J t‖² is then taken by reverse mode through that tangent pass: it reaches each weight W
/// directly (∂/∂W += t_inᵀ · g) and each activation's output y through f'(y) (∂/∂y += g ⊙ t_in ⊙ f''(y)); the
/// latter is added into the encoder's slot gradients, which the encoder's ordinary backward pass (run next by the
/// trainer) carries on to the weights, biases and earlier layers.
/// </remarks>
internal static class EncoderJacobianProbes
{
    /// <summary>
    /// λ/B Σ_rows ‖J‖²_F, exactly when <paramref name="probes"/> is 0 (every basis direction) or estimated from
    /// <paramref name="probes"/> Rademacher vectors per row drawn from the context's generator.
    /// </summary>
    public static double Penalty(AutoencoderNetwork network, int codeSlot, ActivationCache cache, int batch, in LayerContext context,
        float weight, int probes, bool accumulateGradients, Workspace workspace)
    {
        var layers = network.Layers;
        int inputs = network.InputSize;
        bool exact = probes == 0;
        int passes = exact ? inputs : probes;
        SeededRandom? random = exact ? null : context.Random
            ?? throw new InvalidOperationException("The contractive penalty's random probes need LayerContext.Random (a training context).");

        // Tangent of every encoder slot (kept for the reverse pass) and two gradient buffers the widest slot fits.
        Span<int> offsets = stackalloc int[codeSlot + 2]; // a few layers: the stack, so each step allocates nothing
        int widest = 0;
        for (int s = 0; s <= codeSlot; s++)
        {
            offsets[s + 1] = offsets[s] + batch * layers.SlotSize(s);
            widest = Math.Max(widest, layers.SlotSize(s));
        }
        float[] tangents = Workspace.Ensure(ref workspace.Tangents, offsets[codeSlot + 1]);
        float[] gradient = Workspace.Ensure(ref workspace.Gradient, batch * widest);
        float[] gradientNext = Workspace.Ensure(ref workspace.GradientNext, batch * widest);
        double scale = (double)weight / batch / (exact ? 1 : probes), penalty = 0;
        for (int pass = 0; pass < passes; pass++)
        {
            Span<float> probe = tangents.AsSpan(0, offsets[1]);
            if (exact)
            {
                probe.Clear();
                for (int r = 0; r < batch; r++) probe[r * inputs + pass] = 1f;
            }
            else
            {
                for (int i = 0; i < probe.Length; i++) probe[i] = (random!.NextUInt32() & 1) == 0 ? -1f : 1f;
            }

            // Each layer pushes the tangent through itself (Layer.PushTangent); one that cannot says so.
            for (int l = 0; l < codeSlot; l++)
            {
                try
                {
                    layers.Layers[l].PushTangent(cache.Values(l, batch), cache.Values(l + 1, batch), cache.Scratch(l, batch),
                        Slot(tangents, offsets, l), Slot(tangents, offsets, l + 1), batch, context);
                }
                catch (NotSupportedException e)
                {
                    throw new NotSupportedException($"Layer {network.Spec.Layers.ElementAt(l).Describe()}: {e.Message}", e);
                }
            }

            ReadOnlySpan<float> atCode = Slot(tangents, offsets, codeSlot);
            double squares = 0;
            foreach (float v in atCode) squares += (double)v * v;
            penalty += scale * squares;
            if (!accumulateGradients) continue;

            // d(scale·‖t_code‖²)/d t_code = 2·scale·t_code; then back through the tangent pass, layer by layer.
            Span<float> g = gradient.AsSpan(0, atCode.Length);
            for (int i = 0; i < g.Length; i++) g[i] = (float)(2 * scale * atCode[i]);
            for (int l = codeSlot - 1; l >= 0; l--)
            {
                var layer = layers.Layers[l];
                Span<float> next = gradientNext.AsSpan(0, batch * layer.InputSize);
                layer.PullTangentGradient(cache.Values(l, batch), cache.Values(l + 1, batch), cache.Scratch(l, batch),
                    Slot(tangents, offsets, l), g, l > 0 ? next : Span<float>.Empty, cache.Gradients(l + 1, batch), batch, context);
                g = gradientNext.AsSpan(0, next.Length);
                (gradient, gradientNext) = (gradientNext, gradient);
            }
        }
        return penalty;
    }

    /// <summary>
    /// The tangent and gradient buffers, owned by the regularizer and grown once: renting them from the shared
    /// ArrayPool each step would allocate again whenever a GC trims the pool.
    /// </summary>
    internal sealed class Workspace
    {
        internal float[] Tangents = [], Gradient = [], GradientNext = [];

        internal static float[] Ensure(ref float[] buffer, int length)
        {
            if (buffer.Length < length) buffer = new float[length];
            return buffer;
        }
    }

    private static Span<float> Slot(float[] tangents, ReadOnlySpan<int> offsets, int slot) => tangents.AsSpan(offsets[slot], offsets[slot + 1] - offsets[slot]);
}
