using Microsoft.ML.Autoencoders.Engine.Specs;

namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>The same values read as a row of shape <paramref name="Target"/> ([784] → [1, 28, 28]); the sizes must agree.</summary>
[LayerKind("reshape")]
public sealed record ReshapeSpec(TensorShape Target) : LayerSpec
{
    /// <inheritdoc/>
    public override TensorShape InferOutputShape(TensorShape input)
    {
        if (Target is null) throw new ArgumentException("a reshape needs a target shape.");
        if (Target.Size != input.Size) throw Refuse($"a row of {Target.Size} values (to give {Target})", input);
        return Target;
    }

    /// <inheritdoc/>
    public override Layer Build(LayerBuildContext context) => new ReshapeLayer(context.InputShape.Size);

    /// <summary>In a mirrored decoder, a reshape back to the input's shape.</summary>
    public override LayerSpec Mirror(MirrorContext context) => new ReshapeSpec(context.OutputShape);
}
