using System.Numerics.Tensors;
using Microsoft.ML.Autoencoders.Engine.Export;
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
        Bias = new Parameter(name + ".bias", outputSize) { Role = ParameterRole.Bias };
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
    internal override bool ReadsSparseInput => true;

    /// <inheritdoc/>
    internal override bool CanOverwriteInputGradient => true;

    /// <inheritdoc/>
    internal override bool CanOverwriteParameterGradients => true;

    /// <inheritdoc/>
    public override void Initialize(SeededRandom random)
    {
        WeightInitializer.Fill(Weights.Values, InputSize, OutputSize, Initialization, random);
        Bias.Values.Clear();
    }

    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<float> x, Span<float> y, Span<float> scratch, int batch, in LayerContext context)
        => Affine(x, y, Activation.Linear, 0f, Span<float>.Empty, batch, context);

    /// <summary>Rows through the packed weights, with the activation after it in the epilogue when it has a fused form.</summary>
    internal override RowBandStep? CreateRowBandStep(Layer? next) =>
        new DenseRowBandStep(this, next is ActivationLayer { HasFusedForm: true } activation ? activation : null);

    /// <inheritdoc/>
    internal override bool TryForwardActivated(ReadOnlySpan<float> x, Span<float> z, Span<float> y, Span<float> scratch, Layer next, int batch, in LayerContext context)
    {
        if (next is not ActivationLayer { HasFusedForm: true } activation) return false;
        Affine(x, z, activation.Kind, activation.FusedSlope, y, batch, context);
        return true;
    }

    /// <summary>
    /// z[batch, out] = x[batch, in]·W[in, out] + b, the bias (and, when <paramref name="y"/> is given, the activation
    /// into y) applied by each GEMM thread to the block it has just finished. A sparse input visits only its nonzeros.
    /// </summary>
    private void Affine(ReadOnlySpan<float> x, Span<float> z, Activation activation, float slope, Span<float> y, int batch, in LayerContext context)
    {
        if (SparseInputFor(context, batch) is { } mask)
        {
            SparseDenseGemm.MultiplyAddBias(mask, x, Weights.Values, OutputSize, Bias.Values, z, activation, slope, y, context.Threads);
            return;
        }

        Gemm.MultiplyAddBias(Transpose.No, Transpose.No, batch, OutputSize, InputSize,
            x, InputSize, Weights.Values, OutputSize, Bias.Values, z, OutputSize, activation, slope, y, context.Threads);
    }

    private NonzeroMask? SparseInputFor(in LayerContext context, int batch) =>
        context.SparseInput is { } mask && mask.Rows == batch && mask.Columns == InputSize ? mask : null;

    /// <summary>
    /// db[width] += the column sums of dy[batch, width]: the bias gradient of any layer that adds a bias per row. Threads
    /// take bands of columns, each summing its columns over the rows in order, so the sums do not depend on the split.
    /// </summary>
    internal static unsafe void AccumulateBiasGradient(Span<float> dBias, ReadOnlySpan<float> dy, int batch, int threads = 1)
    {
        int width = dBias.Length;
        if (dy.Length < (long)batch * width) throw new ArgumentException($"dy must hold {batch}×{width} values.", nameof(dy));
        fixed (float* pBias = dBias)
        fixed (float* pDy = dy)
        {
            ParallelRange.Run(width, threads, new BiasGradientPass(pBias, pDy, width, batch),
                grain: 16, minPerThread: Math.Max(16, 32 * 1024 / Math.Max(1, batch)));
        }
    }

    /// <summary>Columns [start, end) of the bias gradient.</summary>
    private readonly unsafe struct BiasGradientPass(float* dBias, float* dy, int width, int batch) : IRangeKernel
    {
        public void Execute(int start, int end)
        {
            var bias = new Span<float>(dBias + start, end - start);
            for (int r = 0; r < batch; r++)
                TensorPrimitives.Add(bias, new ReadOnlySpan<float>(dy + (nint)r * width + start, end - start), bias);
        }
    }

    /// <inheritdoc/>
    internal override unsafe bool TryBackwardThroughActivation(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dz,
        Layer below, int batch, in LayerContext context)
    {
        long multiplyAdds = (long)batch * InputSize * OutputSize;
        if (below is not ActivationLayer { WritesInputGradientInPlace: true } activation || SparseInputFor(context, batch) is not null
            || !GemmPair.Pays(context.Threads, multiplyAdds, multiplyAdds))
            return false;

        // x is the activation's output y: its gradient dz = (dy·Wᵀ) ⊙ f'(y) is written straight into dz by the thread
        // that computed dy·Wᵀ, while it is still in that core's cache; the activation's own gradient slot is never used.
        bool overwrite = context.OverwriteParameterGradients;
        BothGradientsAtOnce(x, dy, dz, batch, overwrite, overwriteInput: true, activation);
        BiasGradient(dy, batch, overwrite, context.Threads);
        return true;
    }

    /// <summary>db (+)= the column sums of dy: written over when <paramref name="overwrite"/>, else added to.</summary>
    private void BiasGradient(ReadOnlySpan<float> dy, int batch, bool overwrite, int threads)
    {
        if (overwrite) Bias.Gradients.Clear();
        AccumulateBiasGradient(Bias.Gradients, dy, batch, threads);
    }

    /// <summary>
    /// dW (+)= xᵀ·dy and dx (+)= dy·Wᵀ as a <see cref="GemmPair"/>, the same bits as the two calls below; then, when
    /// <paramref name="activationBelow"/> is given (x being its output), its gradient applied to dx in place by the thread
    /// that computed dx.
    /// </summary>
    private unsafe void BothGradientsAtOnce(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, int batch,
        bool overwriteWeights, bool overwriteInput, ActivationLayer? activationBelow = null)
    {
        Span<float> dW = Weights.Gradients;
        ReadOnlySpan<float> w = Weights.Values;
        Gemm.CheckMatrix(x, batch, InputSize, InputSize, nameof(x));
        Gemm.CheckMatrix(dy, batch, OutputSize, OutputSize, nameof(dy));
        Gemm.CheckMatrix(dx, batch, InputSize, InputSize, nameof(dx));
        fixed (float* px = x)
        fixed (float* pdy = dy)
        fixed (float* pdx = dx)
        fixed (float* pdW = dW)
        fixed (float* pw = w)
        {
            var weightGradient = new GemmOperands(true, false, InputSize, OutputSize, batch, 1f, px, InputSize, pdy, OutputSize,
                overwriteWeights ? 0f : 1f, pdW, OutputSize);
            var inputGradient = new GemmOperands(false, true, batch, InputSize, OutputSize, 1f, pdy, OutputSize, pw, OutputSize,
                overwriteInput ? 0f : 1f, pdx, InputSize);
            if (activationBelow is null) GemmPair.Run(weightGradient, inputGradient);
            else GemmPair.Run(weightGradient, inputGradient, activationBelow.InPlaceGradientPass(px, pdx), batch * InputSize);
        }
    }

    /// <inheritdoc/>
    public override void Backward(
        ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx,
        ReadOnlySpan<float> scratch, int batch, in LayerContext context)
    {
        // dW[in, out] += xᵀ[in, batch] · dy[batch, out] (= when the gradients may be overwritten)
        bool overwrite = context.OverwriteParameterGradients;
        NonzeroMask? mask = SparseInputFor(context, batch);
        long multiplyAdds = (long)batch * InputSize * OutputSize;
        if (mask is null && !dx.IsEmpty && GemmPair.Pays(context.Threads, multiplyAdds, multiplyAdds))
        {
            // Both products at once, one per thread; the bias gradient after them.
            BothGradientsAtOnce(x, dy, dx, batch, overwrite, context.OverwriteInputGradient);
            BiasGradient(dy, batch, overwrite, context.Threads);
            return;
        }

        if (mask is not null)
        {
            SparseDenseGemm.MultiplyTransposed(mask, x, dy, OutputSize, Weights.Gradients, accumulate: !overwrite, context.Threads);
        }
        else
        {
            Gemm.Multiply(Transpose.Yes, Transpose.No, InputSize, OutputSize, batch,
                1f, x, InputSize, dy, OutputSize, overwrite ? 0f : 1f, Weights.Gradients, OutputSize, context.Threads);
        }

        BiasGradient(dy, batch, overwrite, context.Threads);
        // dx[batch, in] += dy[batch, out] · Wᵀ[out, in]
        if (!dx.IsEmpty)
        {
            Gemm.Multiply(Transpose.No, Transpose.Yes, batch, InputSize, OutputSize,
                1f, dy, OutputSize, Weights.Values, OutputSize, context.OverwriteInputGradient ? 0f : 1f, dx, InputSize, context.Threads);
        }
    }

    /// <inheritdoc/>
    public override Parameter? LinearWeights => Weights;

    /// <summary>MatMul(x, W) then Add(b): W is stored [in, out], as ONNX's MatMul wants it, so the bytes are the same.</summary>
    public override void ExportOnnx(LayerExportContext context)
    {
        context.Graph.AddInitializer(Weights);
        context.Graph.AddInitializer(Bias);
        string product = context.Tensor("matmul");
        context.AddNode("MatMul", [context.Input, Weights.Name], [product]);
        context.AddNode("Add", [product, Bias.Name], [context.Output]);
    }

    /// <summary>The layer is affine, so its Jacobian is W at every point: t_out = t_in·W.</summary>
    public override void PushTangent(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> scratch,
        ReadOnlySpan<float> tangentIn, Span<float> tangentOut, int batch, in LayerContext context) =>
        Gemm.Multiply(Transpose.No, Transpose.No, batch, OutputSize, InputSize,
            1f, tangentIn, InputSize, Weights.Values, OutputSize, 0f, tangentOut, OutputSize, context.Threads);

    /// <summary>t_out = t_in·W: dW[in, out] += t_inᵀ·g and ∂P/∂t_in = g·Wᵀ; nothing depends on y.</summary>
    public override void PullTangentGradient(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> scratch,
        ReadOnlySpan<float> tangentIn, ReadOnlySpan<float> tangentOutGradient, Span<float> tangentInGradient, Span<float> outputGradient,
        int batch, in LayerContext context)
    {
        Gemm.Multiply(Transpose.Yes, Transpose.No, InputSize, OutputSize, batch,
            1f, tangentIn, InputSize, tangentOutGradient, OutputSize, 1f, Weights.Gradients, OutputSize, context.Threads);
        if (!tangentInGradient.IsEmpty)
        {
            Gemm.Multiply(Transpose.No, Transpose.Yes, batch, InputSize, OutputSize,
                1f, tangentOutGradient, OutputSize, Weights.Values, OutputSize, 0f, tangentInGradient, InputSize, context.Threads);
        }
    }
}
