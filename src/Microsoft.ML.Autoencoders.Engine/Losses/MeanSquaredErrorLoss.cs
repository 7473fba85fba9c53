namespace Microsoft.ML.Autoencoders.Engine.Losses;

/// <summary>L = mean((p - t)²); dL/dp = 2 (p - t) / n.</summary>
public sealed class MeanSquaredErrorLoss : Loss
{
    /// <inheritdoc/>
    public override LossKind Kind => LossKind.MeanSquaredError;

    /// <inheritdoc/>
    public override double Compute(ReadOnlySpan<float> prediction, ReadOnlySpan<float> target, Span<float> gradient)
    {
        CheckLengths(prediction, target, gradient);
        double sum = 0;
        float scale = 2f / prediction.Length;
        bool withGradient = !gradient.IsEmpty;
        for (int i = 0; i < prediction.Length; i++)
        {
            float d = prediction[i] - target[i];
            sum += d * d;
            if (withGradient) gradient[i] += scale * d;
        }
        return sum / prediction.Length;
    }
}
