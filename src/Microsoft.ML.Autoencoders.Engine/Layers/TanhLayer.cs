using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>y = tanh(x); dy/dx = 1 - y².</summary>
public sealed class TanhLayer(int width) : ActivationLayer(width)
{
    /// <inheritdoc/>
    public override Activation Kind => Activation.Tanh;

    /// <summary>
    /// y = tanh(x), each value with the same bits whatever span it comes in. TensorPrimitives takes a span shorter than
    /// one 128-bit vector value by value with MathF.Tanh, whose bits are not its vector approximation's; a chain's chunk of
    /// an image or two of a few values (<see cref="Models.SampleParallelChain"/>) then disagreed with the whole batch the
    /// layer-by-layer loop passes. Such a span goes through a vector's worth of stack instead; longer ones, the hot case,
    /// as before.
    /// </summary>
    public override void Apply(ReadOnlySpan<float> x, Span<float> y)
    {
        if (x.Length >= Vector128<float>.Count || x.IsEmpty)
        {
            TensorPrimitives.Tanh(x, y);
            return;
        }
        Span<float> lanes = stackalloc float[Vector128<float>.Count];
        lanes.Clear();
        x.CopyTo(lanes);
        TensorPrimitives.Tanh(lanes, lanes);
        lanes.Slice(0, x.Length).CopyTo(y);
    }

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
