using Microsoft.ML.Autoencoders.Engine.Kernels;
using Microsoft.ML.Autoencoders.Engine.Tensors;

namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>
/// The backward pass of an affine map y = x·W + b inside a layer that is more than that map: the GRU's input side over
/// every step row, and the unconditioned decoders' starting states computed from the code. <see cref="Dense"/> keeps its
/// own, fused with the activation below it and with sparse inputs; these callers need neither.
/// </summary>
internal static class AffineGradients
{
    /// <summary>
    /// dW (+)= xᵀ·dy, db (+)= Σ_rows dy (rows added in order, as <see cref="Dense.AccumulateBiasGradient"/>), and, unless
    /// <paramref name="dx"/> is empty, dx (+)= dy·Wᵀ; "+=" or "=" as <paramref name="context"/> says for parameter and
    /// input gradients. x is [rows, in], dy [rows, out], W [in, out].
    /// </summary>
    public static void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, int rows, Parameter weights, Parameter bias,
        in LayerContext context)
    {
        int outputs = bias.Values.Length, inputs = weights.Values.Length / outputs;
        bool overwrite = context.OverwriteParameterGradients;
        Gemm.Multiply(Transpose.Yes, Transpose.No, inputs, outputs, rows, 1f, x, inputs, dy, outputs,
            overwrite ? 0f : 1f, weights.Gradients, outputs, context.Threads);
        if (overwrite) bias.Gradients.Clear();
        Dense.AccumulateBiasGradient(bias.Gradients, dy, rows, context.Threads);
        if (!dx.IsEmpty)
        {
            Gemm.Multiply(Transpose.No, Transpose.Yes, rows, inputs, outputs, 1f, dy, outputs, weights.Values, outputs,
                context.OverwriteInputGradient ? 0f : 1f, dx, inputs, context.Threads);
        }
    }
}
