namespace Microsoft.ML.Autoencoders.Engine.Losses;

/// <summary>L = mean(|p - t|); dL/dp = sign(p - t) / n (0 where p = t, the subgradient PyTorch uses).</summary>
public sealed class L1Loss : Loss
{
    /// <inheritdoc/>
    public override LossKind Kind => LossKind.L1;

    /// <inheritdoc/>
    public override double Compute(ReadOnlySpan<float> prediction, ReadOnlySpan<float> target, Span<float> gradient)
    {
        CheckLengths(prediction, target, gradient);
        double sum = 0;
        float scale = 1f / prediction.Length;
        bool withGradient = !gradient.IsEmpty;
        for (int i = 0; i < prediction.Length; i++)
        {
            float d = prediction[i] - target[i];
            sum += Math.Abs(d);
            if (withGradient) gradient[i] += scale * MathF.Sign(d);
        }
        return sum / prediction.Length;
    }
}
