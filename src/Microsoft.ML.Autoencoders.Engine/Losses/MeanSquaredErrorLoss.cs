using System.Numerics;

namespace Microsoft.ML.Autoencoders.Engine.Losses;

/// <summary>L = mean((p - t)²); dL/dp = 2 (p - t) / n.</summary>
public sealed class MeanSquaredErrorLoss : Loss
{
    /// <summary>
    /// Elements summed in float vector lanes before the partial sum joins the double total: short enough that
    /// float rounding stays far below what training notices, long enough that the conversion costs nothing.
    /// </summary>
    private const int BlockLength = 1024;

    /// <inheritdoc/>
    public override LossKind Kind => LossKind.MeanSquaredError;

    /// <inheritdoc/>
    public override double Compute(ReadOnlySpan<float> prediction, ReadOnlySpan<float> target, Span<float> gradient)
    {
        CheckLengths(prediction, target, gradient);
        float scale = 2f / prediction.Length;
        bool withGradient = !gradient.IsEmpty;
        double sum = 0;
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            // One fused pass: the squared error and the gradient from the same difference, each buffer read once.
            int width = Vector<float>.Count;
            var vScale = new Vector<float>(scale);
            while (i <= prediction.Length - width)
            {
                int blockEnd = Math.Min(prediction.Length - width, i + BlockLength - width);
                Vector<float> acc0 = Vector<float>.Zero, acc1 = Vector<float>.Zero;
                for (; i <= blockEnd - width; i += 2 * width)
                {
                    var d0 = new Vector<float>(prediction.Slice(i)) - new Vector<float>(target.Slice(i));
                    var d1 = new Vector<float>(prediction.Slice(i + width)) - new Vector<float>(target.Slice(i + width));
                    acc0 += d0 * d0;
                    acc1 += d1 * d1;
                    if (withGradient)
                    {
                        (new Vector<float>(gradient.Slice(i)) + vScale * d0).CopyTo(gradient.Slice(i));
                        (new Vector<float>(gradient.Slice(i + width)) + vScale * d1).CopyTo(gradient.Slice(i + width));
                    }
                }
                for (; i <= blockEnd; i += width)
                {
                    var d = new Vector<float>(prediction.Slice(i)) - new Vector<float>(target.Slice(i));
                    acc0 += d * d;
                    if (withGradient) (new Vector<float>(gradient.Slice(i)) + vScale * d).CopyTo(gradient.Slice(i));
                }
                sum += Vector.Sum(acc0 + acc1);
            }
        }
        for (; i < prediction.Length; i++)
        {
            float d = prediction[i] - target[i];
            sum += d * d;
            if (withGradient) gradient[i] += scale * d;
        }
        return sum / prediction.Length;
    }
}
