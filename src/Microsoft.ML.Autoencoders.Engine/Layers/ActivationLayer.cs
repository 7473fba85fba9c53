using Microsoft.ML.Autoencoders.Engine.Export;
using Microsoft.ML.Autoencoders.Engine.Kernels;

namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>
/// An element-wise nonlinearity. Every supported activation's derivative can be written in terms of its
/// output y, so backward needs only y (not the pre-activation), which lets the cache keep one buffer per layer.
/// </summary>
public abstract class ActivationLayer : ElementwiseLayer
{
    /// <summary>Creates the layer for <paramref name="width"/> elements per sample.</summary>
    protected ActivationLayer(int width) : base(width)
    {
    }

    /// <summary>Whether a preceding dense layer can apply this activation in its GEMM (<see cref="Kernels.GemmEpilogue"/>).</summary>
    internal bool HasFusedForm => Kernels.ElementwiseActivation.Handles(Kind);

    /// <summary>The slope the fused form passes to the kernel (leaky ReLU's; unused by the others).</summary>
    internal virtual float FusedSlope => 0f;

    /// <summary>The layer for <paramref name="kind"/>, or null for <see cref="Activation.Linear"/> (no layer needed).</summary>
    public static ActivationLayer? Create(Activation kind, int width, float leakyReluSlope = 0.01f) => kind switch
    {
        Activation.Linear => null,
        Activation.Sigmoid => new SigmoidLayer(width),
        Activation.Relu => new ReluLayer(width),
        Activation.LeakyRelu => new LeakyReluLayer(width, leakyReluSlope),
        Activation.Tanh => new TanhLayer(width),
        Activation.Elu => new EluLayer(width),
        Activation.Softplus => new SoftplusLayer(width),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown activation."),
    };

    /// <inheritdoc/>
    public sealed override void Forward(ReadOnlySpan<float> x, Span<float> y, Span<float> scratch, int batch, in LayerContext context)
        => Apply(x.Slice(0, batch * Width), y.Slice(0, batch * Width));

    /// <inheritdoc/>
    public sealed override unsafe void Backward(
        ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx,
        ReadOnlySpan<float> scratch, int batch, in LayerContext context)
    {
        if (dx.IsEmpty) return;
        int n = batch * Width;
        if (y.Length < n || dy.Length < n || dx.Length < n) throw new ArgumentException($"Each buffer must hold {batch}×{Width} values.");
        // Element by element, so the threads can take any ranges: the second core would otherwise wait out this pass.
        fixed (float* py = y)
        fixed (float* pdy = dy)
        fixed (float* pdx = dx)
        {
            ParallelRange.Run(n, context.Threads, new GradientPass(this, py, pdy, pdx, context.OverwriteInputGradient));
        }
    }

    /// <summary>The layer below may form its output gradient from this activation's, image by image (<see cref="Conv2d"/> does).</summary>
    internal override bool TryBackwardIntoLayerBelow(Layer below, ReadOnlySpan<float> belowInput, ReadOnlySpan<float> output,
        ReadOnlySpan<float> outputGradient, Span<float> belowInputGradient, ReadOnlySpan<float> belowScratch, int batch, in LayerContext context)
        => below.TryBackwardBelowActivation(belowInput, output, outputGradient, belowInputGradient, belowScratch, this, batch, context);

    /// <summary>
    /// True when <see cref="WriteInputGradient"/> may be given dy and dx as one buffer (it reads each element before
    /// writing it): a dense layer above can then write its input gradient there and have this layer's applied in place
    /// (<see cref="Dense"/>'s backward through an activation).
    /// </summary>
    internal virtual bool WritesInputGradientInPlace => false;

    /// <summary>dz = dz · f'(y), element by element, as a range kernel (see <see cref="WritesInputGradientInPlace"/>).</summary>
    internal unsafe GradientPass InPlaceGradientPass(float* y, float* dz) => new(this, y, dz, dz, overwrite: true);

    /// <summary>dx = or += dy · f'(y) over one range of the batch.</summary>
    internal readonly unsafe struct GradientPass(ActivationLayer layer, float* y, float* dy, float* dx, bool overwrite) : IRangeKernel
    {
        public void Execute(int start, int end)
        {
            int length = end - start;
            var ys = new ReadOnlySpan<float>(y + start, length);
            var dys = new ReadOnlySpan<float>(dy + start, length);
            var dxs = new Span<float>(dx + start, length);
            if (overwrite) layer.WriteInputGradient(ys, dys, dxs);
            else layer.AccumulateInputGradient(ys, dys, dxs);
        }
    }

    /// <inheritdoc/>
    internal override bool CanOverwriteInputGradient => true;

    /// <summary>
    /// dx += dy · f'(z), with f'(z) written in terms of y = f(z). By default value by value through
    /// <see cref="DerivativeAt"/>, which is exact for any activation; the hot ones (ReLU, sigmoid, tanh) override it with a
    /// vector loop.
    /// </summary>
    protected virtual void AccumulateInputGradient(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        for (int i = 0; i < y.Length; i++) dx[i] += dy[i] * DerivativeAt(y[i]);
    }

    /// <summary>dx = dy · f'(z) over dx's stale contents; the common activations override it to skip reading dx.</summary>
    protected virtual void WriteInputGradient(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        dx.Clear();
        AccumulateInputGradient(y, dy, dx);
    }

    /// <summary>f'(z), written in terms of the output y = f(z) (what backward and the tangent pass have at hand).</summary>
    public abstract float DerivativeAt(float y);

    /// <summary>d f'(z) / dy: how the slope changes with the output, for the gradient of a penalty on tangents (0 for piecewise-linear functions).</summary>
    public abstract float DerivativeChangeAt(float y);

    /// <summary>The ONNX operator computing this activation (its attributes from <see cref="OnnxAttributes"/>).</summary>
    protected abstract string OnnxOperator { get; }

    /// <summary>The ONNX operator's attributes (none unless the activation has a parameter).</summary>
    protected virtual OnnxNodeAttribute[] OnnxAttributes => [];

    /// <inheritdoc/>
    public override void ExportOnnx(LayerExportContext context) => context.AddNode(OnnxOperator, [context.Input], [context.Output], OnnxAttributes);

    /// <summary>t_out = t_in ⊙ f'(y).</summary>
    public override void PushTangent(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> scratch,
        ReadOnlySpan<float> tangentIn, Span<float> tangentOut, int batch, in LayerContext context)
    {
        for (int i = 0; i < tangentOut.Length; i++) tangentOut[i] = tangentIn[i] * DerivativeAt(y[i]);
    }

    /// <summary>
    /// t_out = t_in ⊙ f'(y): the output y gets g ⊙ t_in ⊙ d f'(y)/dy (the ordinary backward pass carries it on), and
    /// ∂P/∂t_in = g ⊙ f'(y).
    /// </summary>
    public override void PullTangentGradient(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> scratch,
        ReadOnlySpan<float> tangentIn, ReadOnlySpan<float> tangentOutGradient, Span<float> tangentInGradient, Span<float> outputGradient,
        int batch, in LayerContext context)
    {
        bool needInput = !tangentInGradient.IsEmpty;
        for (int i = 0; i < tangentOutGradient.Length; i++)
        {
            outputGradient[i] += tangentOutGradient[i] * tangentIn[i] * DerivativeChangeAt(y[i]);
            if (needInput) tangentInGradient[i] = tangentOutGradient[i] * DerivativeAt(y[i]);
        }
    }
}
