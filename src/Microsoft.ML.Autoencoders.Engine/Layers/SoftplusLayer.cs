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

    /// <summary>
    /// 1 − e^−y, in double: in float its 3e-8 absolute error would be 3e-4 of σ(x) for y near 1e-4 (x near −9). Below 1e-8
    /// its series, where even double's 1 − e^−y loses digits.
    /// </summary>
    public override float DerivativeAt(float y) => y < 1e-8f ? y - 0.5f * y * y : (float)(1 - Math.Exp(-(double)y));

    /// <inheritdoc/>
    public override float DerivativeChangeAt(float y) => MathF.Exp(-y);

    /// <inheritdoc/>
    protected override string OnnxOperator => "Softplus";

    /// <summary>
    /// ln(1 + u) for u in [0, 1], in double where float's 1 + u would drop a small u; below 1e-8 its series u − u²/2, since
    /// even double's 1 + u drops a u under 1e-16 (softplus(−40) would be 0 instead of 4e-18).
    /// </summary>
    private static float LogOnePlus(float u) => u < 1e-8f ? (float)(u - 0.5 * u * (double)u) : (float)Math.Log(1 + (double)u);
}
