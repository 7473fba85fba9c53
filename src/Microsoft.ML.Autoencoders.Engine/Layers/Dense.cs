using System.Numerics.Tensors;
using Microsoft.ML.Autoencoders.Engine.Kernels;
using Microsoft.ML.Autoencoders.Engine.Tensors;

namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>
/// A fully connected layer: y = x·W + b. W is stored [in, out] row-major so that forward is a plain
/// (untransposed) GEMM and the ONNX export is a MatMul with the same bytes.
/// </summary>
public sealed class Dense : Layer
{
    private readonly Parameter[] _parameters;

    /// <summary>Creates the layer; <paramref name="initialization"/> picks the weights' distribution.</summary>
    public Dense(int inputSize, int outputSize, WeightInitialization initialization = WeightInitialization.XavierUniform, string name = "dense")
    {
        if (inputSize <= 0) throw new ArgumentOutOfRangeException(nameof(inputSize));
        if (outputSize <= 0) throw new ArgumentOutOfRangeException(nameof(outputSize));
        if (initialization == WeightInitialization.XavierOrHeByActivation)
            throw new ArgumentException("Resolve XavierOrHeByActivation for the following activation first (WeightInitializer.Resolve).", nameof(initialization));
        InputSize = inputSize;
        OutputSize = outputSize;
        Initialization = initialization;
        Weights = new Parameter(name + ".weight", inputSize, outputSize);
        Bias = new Parameter(name + ".bias", outputSize);
        _parameters = [Weights, Bias];
    }

    /// <inheritdoc/>
    public override int InputSize { get; }

    /// <inheritdoc/>
    public override int OutputSize { get; }

    /// <summary>W, [InputSize, OutputSize].</summary>
    public Parameter Weights { get; }

    /// <summary>b, [OutputSize].</summary>
    public Parameter Bias { get; }

    /// <summary>The weights' initial distribution.</summary>
    public WeightInitialization Initialization { get; }

    /// <inheritdoc/>
    public override IReadOnlyList<Parameter> Parameters => _parameters;

    /// <inheritdoc/>
    public override void Initialize(SeededRandom random)
    {
        WeightInitializer.Fill(Weights.Values, InputSize, OutputSize, Initialization, random);
        Bias.Values.Clear();
    }

    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<float> x, Span<float> y, Span<float> scratch, int batch, in LayerContext context)
    {
        // x: [batch, in], W: [in, out], y: [batch, out] = x·W, plus the bias added by each GEMM thread to its finished part.
        Gemm.MultiplyAddBias(Transpose.No, Transpose.No, batch, OutputSize, InputSize,
            x, InputSize, Weights.Values, OutputSize, Bias.Values, y, OutputSize, Activation.Linear, 0f, Span<float>.Empty, context.Threads);
    }

    /// <inheritdoc/>
    internal override bool TryForwardActivated(ReadOnlySpan<float> x, Span<float> z, Span<float> y, ActivationLayer activation, int batch, in LayerContext context)
    {
        if (!activation.HasFusedForm) return false;
        Gemm.MultiplyAddBias(Transpose.No, Transpose.No, batch, OutputSize, InputSize,
            x, InputSize, Weights.Values, OutputSize, Bias.Values, z, OutputSize, activation.Kind, activation.FusedSlope, y, context.Threads);
        return true;
    }

    /// <inheritdoc/>
    public override void Backward(
        ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx,
        ReadOnlySpan<float> scratch, int batch, in LayerContext context)
    {
        // dW[in, out] += xᵀ[in, batch] · dy[batch, out]
        Gemm.Multiply(Transpose.Yes, Transpose.No, InputSize, OutputSize, batch,
            1f, x, InputSize, dy, OutputSize, 1f, Weights.Gradients, OutputSize, context.Threads);
        // db[out] += column sums of dy
        Span<float> dBias = Bias.Gradients;
        for (int r = 0; r < batch; r++) TensorPrimitives.Add(dBias, dy.Slice(r * OutputSize, OutputSize), dBias);
        // dx[batch, in] += dy[batch, out] · Wᵀ[out, in]
        if (!dx.IsEmpty)
        {
            Gemm.Multiply(Transpose.No, Transpose.Yes, batch, InputSize, OutputSize,
                1f, dy, OutputSize, Weights.Values, OutputSize, 1f, dx, InputSize, context.Threads);
        }
    }
}
