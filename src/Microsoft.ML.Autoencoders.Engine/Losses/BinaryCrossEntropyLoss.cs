namespace Microsoft.ML.Autoencoders.Engine.Losses;

/// <summary>
/// Binary cross-entropy on probabilities, for outputs that are not a sigmoid (e.g. a clipped linear output):
/// L = -mean(t·log p + (1 - t)·log(1 - p)), p clamped to [ε, 1 - ε] as PyTorch clamps the log;
/// dL/dp = (p - t) / (p (1 - p)) / n. Prefer a sigmoid output, which trains on logits instead.
/// </summary>
public sealed class BinaryCrossEntropyLoss : Loss
{
    private const float Epsilon = 1e-7f;

    /// <inheritdoc/>
    public override LossKind Kind => LossKind.BinaryCrossEntropy;

    /// <inheritdoc/>
    public override double Compute(ReadOnlySpan<float> prediction, ReadOnlySpan<float> target, Span<float> gradient)
    {
        CheckLengths(prediction, target, gradient);
        double sum = 0;
        float scale = 1f / prediction.Length;
        bool withGradient = !gradient.IsEmpty;
        for (int i = 0; i < prediction.Length; i++)
        {
            float p = Math.Clamp(prediction[i], Epsilon, 1 - Epsilon), t = target[i];
            sum -= t * Math.Log(p) + (1 - t) * Math.Log(1 - p);
            if (withGradient) gradient[i] += scale * (p - t) / (p * (1 - p));
        }
        return sum / prediction.Length;
    }
}
