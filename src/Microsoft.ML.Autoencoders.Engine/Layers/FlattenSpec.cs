using Microsoft.ML.Autoencoders.Engine.Specs;

namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>A row of any shape read as a flat row of its values ([1, 28, 28] → [784]), e.g. before a dense layer.</summary>
[LayerKind("flatten")]
public sealed record FlattenSpec : LayerSpec
{
    /// <inheritdoc/>
    public override TensorShape InferOutputShape(TensorShape input) => TensorShape.Flat(input.Size);

    /// <inheritdoc/>
    public override Layer Build(LayerBuildContext context) => new ReshapeLayer(context.InputShape.Size);

    /// <summary>In a mirrored decoder, a reshape back to the shape this layer flattened.</summary>
    public override LayerSpec Mirror(MirrorContext context) => new ReshapeSpec(context.OutputShape);
}
