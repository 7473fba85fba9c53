using System.Numerics;
using Microsoft.ML.Autoencoders.Engine.Kernels;

namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>y = tanh(x); dy/dx = 1 - y².</summary>
public sealed class TanhLayer(int width) : ActivationLayer(width)
{
    /// <inheritdoc/>
    public override Activation Kind => Activation.Tanh;

    /// <inheritdoc/>
    public override void Apply(ReadOnlySpan<float> x, Span<float> y) => ElementwiseActivation.Apply(Activation.Tanh, 0f, x, y);

    /// <inheritdoc/>
    protected override void AccumulateInputGradient(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var one = Vector<float>.One;
            for (; i <= y.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var vy = new Vector<float>(y.Slice(i));
                var g = new Vector<float>(dx.Slice(i)) + new Vector<float>(dy.Slice(i)) * (one - vy * vy);
                g.CopyTo(dx.Slice(i));
            }
        }
        for (; i < y.Length; i++) dx[i] += dy[i] * (1 - y[i] * y[i]);
    }

    /// <inheritdoc/>
    public override float DerivativeAt(float y) => 1 - y * y;

    /// <inheritdoc/>
    public override float DerivativeChangeAt(float y) => -2 * y;

    /// <inheritdoc/>
    protected override string OnnxOperator => "Tanh";
}
