using Microsoft.ML.Autoencoders.Engine.Export;
using Microsoft.ML.Autoencoders.Engine.Kernels;
using Microsoft.ML.Autoencoders.Engine.Tensors;

namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>
/// A decoder layer whose weights are the transpose of its mirrored encoder layer's: y = x·Wᵀ + b, where W is the
/// encoder <see cref="Dense"/>'s [in, out] matrix. It owns only its bias; W stays in the encoder (so the
/// <see cref="ParameterStore"/> holds it once) and both layers' gradients accumulate into W's one gradient view.
/// Tying halves the weights and acts as a regularizer (the decoder cannot undo an arbitrary encoder).
/// </summary>
public sealed class TiedDense : Layer
{
    private readonly Parameter[] _parameters;

    /// <summary>
    /// Creates the layer over <paramref name="weights"/>, the encoder layer's matrix W [in, out]: this layer maps
    /// out back to in.
    /// </summary>
    public TiedDense(Parameter weights, string name = "tied")
    {
        Weights = weights ?? throw new ArgumentNullException(nameof(weights));
        if (weights.Shape.Length != 2) throw new ArgumentException($"A tied layer needs a matrix; '{weights.Name}' has shape [{string.Join(", ", weights.Shape)}].", nameof(weights));
        Bias = new Parameter(name + ".bias", weights.Shape[0]) { Role = ParameterRole.Bias };
        _parameters = [Bias];
    }

    /// <summary>Creates the layer mirroring <paramref name="encoder"/>: it maps encoder.OutputSize back to encoder.InputSize.</summary>
    public TiedDense(Dense encoder, string name = "tied") : this((encoder ?? throw new ArgumentNullException(nameof(encoder))).Weights, name)
    {
    }

    /// <summary>The shared matrix W, [OutputSize, InputSize] (the encoder's [in, out]); it belongs to the encoder layer.</summary>
    public Parameter Weights { get; }

    /// <summary>b, [OutputSize].</summary>
    public Parameter Bias { get; }

    /// <inheritdoc/>
    public override int InputSize => Weights.Shape[1];

    /// <inheritdoc/>
    public override int OutputSize => Weights.Shape[0];

    /// <summary>Only the bias: the weights belong to the encoder layer.</summary>
    public override IReadOnlyList<Parameter> Parameters => _parameters;

    /// <inheritdoc/>
    public override void Initialize(SeededRandom random) => Bias.Values.Clear();

    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<float> x, Span<float> y, Span<float> scratch, int batch, in LayerContext context)
        => Affine(x, y, Activation.Linear, 0f, Span<float>.Empty, batch, context);

    /// <inheritdoc/>
    internal override bool TryForwardActivated(ReadOnlySpan<float> x, Span<float> z, Span<float> y, Span<float> scratch, Layer next, int batch, in LayerContext context)
    {
        if (next is not ActivationLayer { HasFusedForm: true } activation) return false;
        Affine(x, z, activation.Kind, activation.FusedSlope, y, batch, context);
        return true;
    }

    /// <summary>z[batch, out] = x[batch, in]·Wᵀ + b, with W the encoder's [out, in] matrix read transposed in place.</summary>
    private void Affine(ReadOnlySpan<float> x, Span<float> z, Activation activation, float slope, Span<float> y, int batch, in LayerContext context) =>
        Gemm.MultiplyAddBias(Transpose.No, Transpose.Yes, batch, OutputSize, InputSize,
            x, InputSize, Weights.Values, InputSize, Bias.Values, z, OutputSize, activation, slope, y, context.Threads);

    /// <inheritdoc/>
    internal override bool CanOverwriteInputGradient => true;

    /// <inheritdoc/>
    public override void Backward(
        ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx,
        ReadOnlySpan<float> scratch, int batch, in LayerContext context)
    {
        // The layer's own matrix is Wᵀ, whose gradient is xᵀ·dy; W's gradient is its transpose: dW[out, in] += dyᵀ·x.
        Gemm.Multiply(Transpose.Yes, Transpose.No, OutputSize, InputSize, batch,
            1f, dy, OutputSize, x, InputSize, 1f, Weights.Gradients, InputSize, context.Threads);
        Dense.AccumulateBiasGradient(Bias.Gradients, dy, batch, context.Threads);
        // dx[batch, in] += dy[batch, out]·W[out, in]
        if (!dx.IsEmpty)
        {
            Gemm.Multiply(Transpose.No, Transpose.No, batch, InputSize, OutputSize,
                1f, dy, OutputSize, Weights.Values, InputSize, context.OverwriteInputGradient ? 0f : 1f, dx, InputSize, context.Threads);
        }
    }

    /// <summary>Transpose(W) then MatMul and Add: the file, like the engine, holds W once (the encoder layer writes it).</summary>
    public override void ExportOnnx(LayerExportContext context)
    {
        context.Graph.AddInitializer(Bias);
        string transposed = context.Tensor("weight_transposed"), product = context.Tensor("matmul");
        context.AddNode("Transpose", [Weights.Name], [transposed], OnnxNodeAttribute.Ints("perm", 1, 0));
        context.AddNode("MatMul", [context.Input, transposed], [product]);
        context.AddNode("Add", [product, Bias.Name], [context.Output]);
    }
}
