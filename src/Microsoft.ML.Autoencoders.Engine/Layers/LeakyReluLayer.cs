using System.Numerics;
using Microsoft.ML.Autoencoders.Engine.Kernels;

namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>y = x for x &gt; 0, slope·x otherwise; with 0 &lt; slope the sign of y is the sign of x, so y gives the slope.</summary>
public sealed class LeakyReluLayer : ActivationLayer
{
    /// <summary>Creates the layer; <paramref name="slope"/> must be in (0, 1) so that max(x, slope·x) is the function.</summary>
    public LeakyReluLayer(int width, float slope) : base(width)
    {
        if (!(slope > 0 && slope < 1)) throw new ArgumentOutOfRangeException(nameof(slope), slope, "The leaky ReLU slope must be in (0, 1).");
        Slope = slope;
    }

    /// <summary>The slope for negative inputs.</summary>
    public float Slope { get; }

    /// <inheritdoc/>
    public override Activation Kind => Activation.LeakyRelu;

    /// <inheritdoc/>
    internal override float FusedSlope => Slope;

    /// <inheritdoc/>
    public override void Apply(ReadOnlySpan<float> x, Span<float> y) => ElementwiseActivation.Apply(Activation.LeakyRelu, Slope, x, y);

    /// <inheritdoc/>
    protected override void AccumulateInputGradient(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var slope = new Vector<float>(Slope);
            for (; i <= y.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var vdy = new Vector<float>(dy.Slice(i));
                var positive = Vector.GreaterThan(new Vector<float>(y.Slice(i)), Vector<float>.Zero);
                var g = new Vector<float>(dx.Slice(i)) + Vector.ConditionalSelect(positive, vdy, vdy * slope);
                g.CopyTo(dx.Slice(i));
            }
        }
        for (; i < y.Length; i++) dx[i] += y[i] > 0 ? dy[i] : Slope * dy[i];
    }

    /// <inheritdoc/>
    public override float DerivativeAt(float y) => y > 0 ? 1f : Slope;

    /// <inheritdoc/>
    public override float DerivativeChangeAt(float y) => 0f;

    /// <inheritdoc/>
    protected override string OnnxOperator => "LeakyRelu";

    /// <inheritdoc/>
    protected override Export.OnnxNodeAttribute[] OnnxAttributes => [Export.OnnxNodeAttribute.Float("alpha", Slope)];
}
