namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>
/// A layer that maps each of a sample's <see cref="Width"/> values on its own, with no parameters: the activations, whose
/// slope is written from their output (<see cref="ActivationLayer"/>), and the self-gated ones, whose slope needs their
/// input (<see cref="SelfGatedActivationLayer"/>). What they share lives here: the width, the sizes, the activation they
/// apply, and that they join the sample-parallel chains around convolutions.
/// </summary>
public abstract class ElementwiseLayer : Layer
{
    /// <summary>Creates the layer for <paramref name="width"/> elements per sample.</summary>
    protected ElementwiseLayer(int width)
    {
        if (width <= 0) throw new ArgumentOutOfRangeException(nameof(width));
        Width = width;
    }

    /// <summary>Elements per sample (input and output alike).</summary>
    public int Width { get; }

    /// <inheritdoc/>
    public override int InputSize => Width;

    /// <inheritdoc/>
    public override int OutputSize => Width;

    /// <summary>Which activation this is.</summary>
    public abstract Activation Kind { get; }

    /// <inheritdoc/>
    public override Activation? AppliedActivation => Kind;

    /// <summary>Each row from that row alone, so it joins a row band as it is.</summary>
    internal override RowBandStep? CreateRowBandStep(Layer? next) => new ElementwiseRowBandStep(this);

    /// <summary>y = f(x), element-wise; each value's bits do not depend on the span it comes in.</summary>
    public abstract void Apply(ReadOnlySpan<float> x, Span<float> y);

    /// <summary>
    /// Element by element: every such layer joins the chains around convolutions, which keeps a convolution and the
    /// activation after it (fused forward, folded backward) in the same chain.
    /// </summary>
    internal sealed override SampleParallelism SampleParallelism => SampleParallelism.Allowed;
}
