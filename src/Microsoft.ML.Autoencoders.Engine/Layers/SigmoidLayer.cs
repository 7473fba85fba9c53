using System.Numerics;
using Microsoft.ML.Autoencoders.Engine.Kernels;

namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>y = 1 / (1 + e^-x); dy/dx = y (1 - y).</summary>
public sealed class SigmoidLayer(int width) : ActivationLayer(width)
{
    /// <inheritdoc/>
    public override Activation Kind => Activation.Sigmoid;

    /// <inheritdoc/>
    public override void Apply(ReadOnlySpan<float> x, Span<float> y) => ElementwiseActivation.Apply(Activation.Sigmoid, 0f, x, y);

    /// <inheritdoc/>
    protected override void AccumulateInputGradient(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx) => Gradient(y, dy, dx, accumulate: true);

    /// <inheritdoc/>
    internal override bool WritesInputGradientInPlace => true;

    /// <inheritdoc/>
    protected override void WriteInputGradient(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx) => Gradient(y, dy, dx, accumulate: false);

    private static void Gradient(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, bool accumulate)
    {
        // One fused pass: TensorPrimitives has no op for dx += dy·y·(1-y) and three passes cost three reads.
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var one = Vector<float>.One;
            for (; i <= y.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var vy = new Vector<float>(y.Slice(i));
                var g = new Vector<float>(dy.Slice(i)) * vy * (one - vy);
                if (accumulate) g += new Vector<float>(dx.Slice(i));
                g.CopyTo(dx.Slice(i));
            }
        }
        for (; i < y.Length; i++)
        {
            float g = dy[i] * y[i] * (1 - y[i]);
            dx[i] = accumulate ? dx[i] + g : g;
        }
    }

    /// <inheritdoc/>
    public override float DerivativeAt(float y) => y * (1 - y);

    /// <inheritdoc/>
    public override float DerivativeChangeAt(float y) => 1 - 2 * y;

    /// <inheritdoc/>
    protected override string OnnxOperator => "Sigmoid";
}
