namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>
/// y = x for x &gt; 0, e^x − 1 otherwise (ELU with α = 1); dy/dx = 1 for y &gt; 0, y + 1 otherwise, so backward reads only y
/// like every activation here. Value by value with MathF, so each value has the same bits in any span (as
/// <see cref="Kernels.ElementwiseActivation"/> keeps the vector activations); the engine has it for imported networks (ONNX's Elu), where it is not the hot path.
/// </summary>
public sealed class EluLayer(int width) : ActivationLayer(width)
{
    /// <inheritdoc/>
    public override Activation Kind => Activation.Elu;

    /// <inheritdoc/>
    public override void Apply(ReadOnlySpan<float> x, Span<float> y)
    {
        // e^x − 1 in double: in float it cancels for small negative x (−1e-6 would be 1.3 % off, −1e-8 would give 0).
        for (int i = 0; i < x.Length; i++) y[i] = x[i] > 0 ? x[i] : (float)(Math.Exp(x[i]) - 1);
    }

    /// <inheritdoc/>
    public override float DerivativeAt(float y) => y > 0 ? 1 : y + 1;

    /// <inheritdoc/>
    public override float DerivativeChangeAt(float y) => y > 0 ? 0 : 1;

    /// <inheritdoc/>
    protected override string OnnxOperator => "Elu"; // ONNX's alpha defaults to 1.0, this layer's α
}
