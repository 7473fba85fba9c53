using Microsoft.ML.Autoencoders.Engine.Specs;

namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>
/// Layer normalization (<see cref="LayerNorm"/>) over the last axis of rows [d] or of each step of windows [T, F], as
/// PyTorch's nn.LayerNorm(d) over [N, d] or [N, T, F] computes it: y = (x − mean)/√(var + <paramref name="Epsilon"/>)·γ + β,
/// the variance biased, with learned γ and β when <paramref name="ElementwiseAffine"/> (nn.LayerNorm's default), none otherwise.
/// </summary>
/// <remarks>
/// Not element-wise in the mirror's sense, though it keeps the shape: it holds parameters (when affine) and each value
/// depends on its whole row. So a mirrored decoder gets one of its own (<see cref="Mirror"/>), as with a batch norm.
/// </remarks>
[LayerKind("layer_norm")]
public sealed record LayerNormSpec(float Epsilon = LayerNorm.DefaultEpsilon, bool ElementwiseAffine = true) : LayerSpec
{
    /// <summary>Its layer has no forward mode for the contractive penalty.</summary>
    internal override bool LacksTangents => true;

    /// <inheritdoc/>
    public override TensorShape InferOutputShape(TensorShape input)
    {
        if (!(Epsilon > 0 && float.IsFinite(Epsilon))) throw new ArgumentException($"epsilon must be positive and finite (was {Epsilon}).");
        if (input.Rank is not (1 or 2)) throw Refuse("rows [d] or windows [steps, features] (normalized over the last axis)", input);
        if (input[input.Rank - 1] < 2) throw Refuse("a last axis of at least two values (one value has no variance to normalize by)", input);
        return input;
    }

    /// <inheritdoc/>
    public override Layer Build(LayerBuildContext context)
    {
        var input = context.InputShape;
        int width = input[input.Rank - 1];
        return new LayerNorm(input.Size / width, width, Epsilon, ElementwiseAffine, context.Name);
    }

    /// <summary>A layer norm of its own over the same axis: the mirror takes the shape this layer gives, which is the one it takes.</summary>
    public override LayerSpec Mirror(MirrorContext context) => new LayerNormSpec(Epsilon, ElementwiseAffine);
}
