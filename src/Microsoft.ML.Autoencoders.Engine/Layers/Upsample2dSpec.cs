using Microsoft.ML.Autoencoders.Engine.Specs;

namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>Nearest-neighbour upsampling (<see cref="Upsample2d"/>) of rows [C, H, W] by <paramref name="Scale"/> on each axis.</summary>
[LayerKind("upsample2d")]
public sealed record Upsample2dSpec(int Scale = 2) : LayerSpec
{
    /// <inheritdoc/>
    public override TensorShape InferOutputShape(TensorShape input)
    {
        if (Scale <= 0) throw new ArgumentException($"the scale must be positive (was {Scale}).");
        if (input.Rank != 3) throw Refuse("an image [channels, height, width]", input);
        return new TensorShape(input[0], input[1] * Scale, input[2] * Scale);
    }

    /// <inheritdoc/>
    public override Layer Build(LayerBuildContext context) =>
        new Upsample2d(context.InputShape[0], context.InputShape[1], context.InputShape[2], Scale);

    /// <summary>Max pooling by the same factor.</summary>
    public override LayerSpec Mirror(MirrorContext context) => new MaxPool2dSpec(Scale);
}
