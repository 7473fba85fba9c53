namespace Microsoft.ML.Autoencoders.Engine.Losses;

/// <summary>
/// Binary cross-entropy of sigmoid(z) against t, computed from the logits z in the stable form
/// L = max(z, 0) - z·t + log(1 + e^-|z|), with dL/dz = (sigmoid(z) - t) / n. It never takes log(0),
/// however far the sigmoid saturates.
/// </summary>
public sealed class BinaryCrossEntropyWithLogitsLoss : Loss
{
    /// <inheritdoc/>
    public override LossKind Kind => LossKind.BinaryCrossEntropy;

    /// <inheritdoc/>
    public override bool ReadsLogits => true;

    /// <inheritdoc/>
    public override double Compute(ReadOnlySpan<float> logits, ReadOnlySpan<float> target, Span<float> gradient)
    {
        CheckLengths(logits, target, gradient);
        double sum = 0;
        float scale = 1f / logits.Length;
        bool withGradient = !gradient.IsEmpty;
        for (int i = 0; i < logits.Length; i++)
        {
            float z = logits[i], t = target[i];
            sum += Math.Max(z, 0f) - z * t + Math.Log(1.0 + Math.Exp(-Math.Abs(z)));
            if (withGradient) gradient[i] += scale * (1f / (1f + MathF.Exp(-z)) - t);
        }
        return sum / logits.Length;
    }
}
