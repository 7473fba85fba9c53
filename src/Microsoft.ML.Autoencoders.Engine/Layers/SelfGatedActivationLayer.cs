using Microsoft.ML.Autoencoders.Engine.Kernels;

namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>
/// An element-wise y = x·g(x), the input gating itself (GELU: g = Φ; SiLU: g = σ). Unlike every
/// <see cref="ActivationLayer"/> these are not monotonic, so one output y comes from two inputs with different slopes:
/// the slope g(x) + x·g'(x) is read from the input x, which the cache keeps as the layer below's output. That is why they
/// are not activation layers: no dense layer or convolution below may fold them into its backward from y, and no GEMM
/// epilogue applies them (they come with imported networks, where they are not the hot path).
/// </summary>
/// <remarks>
/// Value by value in double, so each value has the same bits in any span, on any thread count and in any chunk of the
/// batch. The contractive penalty's gradient needs the slope's change with x, which the layer interface can only take as a
/// change with y; these layers leave the penalty unsupported and it names them.
/// </remarks>
public abstract class SelfGatedActivationLayer : ElementwiseLayer
{
    /// <summary>Creates the layer for <paramref name="width"/> elements per sample.</summary>
    protected SelfGatedActivationLayer(int width) : base(width)
    {
    }

    /// <summary>
    /// Whether <paramref name="kind"/> is one of these (GELU, SiLU): an activation whose slope needs its input, which the
    /// contractive penalty cannot differentiate (<see cref="Regularization.ContractiveRegularizer.Validate(Specs.NetworkSpec)"/> refuses it).
    /// </summary>
    public static bool IsSelfGated(Activation kind) => kind is Activation.Gelu or Activation.Silu;

    /// <summary>The layer for <paramref name="kind"/>, or null when <paramref name="kind"/> is an <see cref="ActivationLayer"/>'s.</summary>
    public static SelfGatedActivationLayer? Create(Activation kind, int width) => kind switch
    {
        Activation.Gelu => new GeluLayer(width),
        Activation.Silu => new SiluLayer(width),
        _ => null,
    };

    /// <summary>y = x·g(x) for one value.</summary>
    public abstract float ValueAt(float x);

    /// <summary>dy/dx = g(x) + x·g'(x) for one value.</summary>
    public abstract float SlopeAt(float x);

    /// <inheritdoc/>
    public override void Apply(ReadOnlySpan<float> x, Span<float> y)
    {
        for (int i = 0; i < x.Length; i++) y[i] = ValueAt(x[i]);
    }

    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<float> x, Span<float> y, Span<float> scratch, int batch, in LayerContext context)
        => Apply(x.Slice(0, batch * Width), y.Slice(0, batch * Width));

    /// <inheritdoc/>
    public override unsafe void Backward(
        ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx,
        ReadOnlySpan<float> scratch, int batch, in LayerContext context)
    {
        if (dx.IsEmpty) return;
        int n = batch * Width;
        if (x.Length < n || dy.Length < n || dx.Length < n) throw new ArgumentException($"Each buffer must hold {batch}×{Width} values.");
        // Element by element, so the threads can take any ranges and each value keeps its bits.
        fixed (float* px = x)
        fixed (float* pdy = dy)
        fixed (float* pdx = dx)
        {
            ParallelRange.Run(n, context.Threads, new GradientPass(this, px, pdy, pdx, context.OverwriteInputGradient));
        }
    }

    /// <inheritdoc/>
    internal override bool CanOverwriteInputGradient => true;

    /// <summary>t_out = t_in ⊙ f'(x).</summary>
    public override void PushTangent(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> scratch,
        ReadOnlySpan<float> tangentIn, Span<float> tangentOut, int batch, in LayerContext context)
    {
        for (int i = 0; i < tangentOut.Length; i++) tangentOut[i] = tangentIn[i] * SlopeAt(x[i]);
    }

    /// <summary>dx = or += dy · f'(x) over one range of the batch.</summary>
    private readonly unsafe struct GradientPass(SelfGatedActivationLayer layer, float* x, float* dy, float* dx, bool overwrite) : IRangeKernel
    {
        public void Execute(int start, int end)
        {
            for (int i = start; i < end; i++)
            {
                float g = dy[i] * layer.SlopeAt(x[i]);
                dx[i] = overwrite ? g : dx[i] + g;
            }
        }
    }
}
