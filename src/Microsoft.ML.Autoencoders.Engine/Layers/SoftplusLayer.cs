namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>
/// y = ln(1 + e^x); dy/dx = σ(x) = 1 − e^−y, so backward reads only y like every activation here. Computed as
/// max(x, 0) + ln(1 + e^−|x|), which neither overflows for large x nor loses the small values of very negative x; value by
/// value with MathF, so each value has the same bits in any span (as <see cref="Kernels.ElementwiseActivation"/> keeps the vector activations). The engine has it for
/// imported networks (ONNX's Softplus), where it is not the hot path.
/// </summary>
public sealed class SoftplusLayer(int width) : ActivationLayer(width)
{
    /// <inheritdoc/>
    public override Activation Kind => Activation.Softplus;

    /// <inheritdoc/>
    public override void Apply(ReadOnlySpan<float> x, Span<float> y)
    {
        for (int i = 0; i < x.Length; i++) y[i] = MathF.Max(x[i], 0) + LogOnePlus(MathF.Exp(-MathF.Abs(x[i])));
    }

    /// <inheritdoc/>
    protected override void AccumulateInputGradient(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        for (int i = 0; i < y.Length; i++) dx[i] += dy[i] * DerivativeAt(y[i]);
    }

    /// <summary>1 − e^−y; below 1e-4 its series, since 1 − e^−y in float rounds a tiny y (a very negative x) to 0.</summary>
    public override float DerivativeAt(float y) => y < 1e-4f ? y - 0.5f * y * y : 1 - MathF.Exp(-y);

    /// <inheritdoc/>
    public override float DerivativeChangeAt(float y) => MathF.Exp(-y);

    /// <inheritdoc/>
    protected override string OnnxOperator => "Softplus";

    /// <summary>ln(1 + u) for u in [0, 1], in double where float's 1 + u would drop a small u.</summary>
    private static float LogOnePlus(float u) => (float)Math.Log(1 + (double)u);
}
