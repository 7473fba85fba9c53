using System.Numerics;
using Microsoft.ML.Autoencoders.Engine.Kernels;

namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>y = max(x, 0); dy/dx = 1 where y &gt; 0, else 0.</summary>
public sealed class ReluLayer(int width) : ActivationLayer(width)
{
    /// <inheritdoc/>
    public override Activation Kind => Activation.Relu;

    /// <inheritdoc/>
    public override void Apply(ReadOnlySpan<float> x, Span<float> y) => ElementwiseActivation.Apply(Activation.Relu, 0f, x, y);

    /// <inheritdoc/>
    protected override void AccumulateInputGradient(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx) => Gradient(y, dy, dx, accumulate: true);

    /// <inheritdoc/>
    internal override bool WritesInputGradientInPlace => true;

    /// <inheritdoc/>
    protected override void WriteInputGradient(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx) => Gradient(y, dy, dx, accumulate: false);

    private static void Gradient(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, bool accumulate)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= y.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var passes = Vector.GreaterThan(new Vector<float>(y.Slice(i)), Vector<float>.Zero);
                var g = Vector.ConditionalSelect(passes, new Vector<float>(dy.Slice(i)), Vector<float>.Zero);
                if (accumulate) g += new Vector<float>(dx.Slice(i));
                g.CopyTo(dx.Slice(i));
            }
        }
        for (; i < y.Length; i++)
        {
            float g = y[i] > 0 ? dy[i] : 0f;
            dx[i] = accumulate ? dx[i] + g : g;
        }
    }

    /// <inheritdoc/>
    public override float DerivativeAt(float y) => y > 0 ? 1f : 0f;

    /// <inheritdoc/>
    public override float DerivativeChangeAt(float y) => 0f;

    /// <inheritdoc/>
    protected override string OnnxOperator => "Relu";
}
