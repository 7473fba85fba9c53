using Microsoft.ML.Autoencoders.Engine.Specs;

namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>
/// y = min(max(x, <paramref name="Lower"/>), <paramref name="Upper"/>) on a row of any shape (<see cref="ClippedLinearLayer"/>):
/// nn.ReLU6 is (0, 6), nn.Hardtanh (−1, 1) by default. Either bound may be infinite (x.clamp(max=...)).
/// </summary>
[LayerKind("clipped_linear")]
public sealed record ClippedLinearSpec(float Lower = 0f, float Upper = 6f) : LayerSpec
{
    /// <inheritdoc/>
    public override bool IsElementwise => true;

    /// <inheritdoc/>
    public override Activation? AppliedActivation => Activation.ClippedLinear;

    /// <inheritdoc/>
    public override TensorShape InferOutputShape(TensorShape input)
    {
        if (!(Lower < Upper)) throw new ArgumentException($"the lower bound must be below the upper one (were {Lower}, {Upper}).");
        return input;
    }

    /// <inheritdoc/>
    public override Layer Build(LayerBuildContext context) => new ClippedLinearLayer(context.InputShape.Size, Lower, Upper);
}
