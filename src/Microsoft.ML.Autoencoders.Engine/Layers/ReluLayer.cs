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
    protected override void AccumulateInputGradient(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= y.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var passes = Vector.GreaterThan(new Vector<float>(y.Slice(i)), Vector<float>.Zero);
                var g = new Vector<float>(dx.Slice(i)) + Vector.ConditionalSelect(passes, new Vector<float>(dy.Slice(i)), Vector<float>.Zero);
                g.CopyTo(dx.Slice(i));
            }
        }
        for (; i < y.Length; i++) if (y[i] > 0) dx[i] += dy[i];
    }
}
