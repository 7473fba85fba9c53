using Microsoft.ML.Autoencoders.Engine.Specs;

namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>
/// Nearest-neighbour upsampling (<see cref="Upsample1d"/>) of rows [C, L] (channels first) by <paramref name="Scale"/> to
/// [C, Scale·L], as PyTorch's nn.Upsample(scale_factor, mode="nearest") over [N, C, L] and Keras' UpSampling1D compute.
/// </summary>
[LayerKind("upsample1d")]
public sealed record Upsample1dSpec(int Scale = 2) : LayerSpec
{
    /// <summary>Its layer has no forward mode for the contractive penalty.</summary>
    internal override bool LacksTangents => true;

    /// <inheritdoc/>
    public override TensorShape InferOutputShape(TensorShape input)
    {
        if (Scale <= 0) throw new ArgumentException($"the scale must be positive (was {Scale}).");
        if (input.Rank != 2) throw Refuse("a sequence [channels, length] (channels first)", input);
        return new TensorShape(input[0], input[1] * Scale);
    }

    /// <inheritdoc/>
    public override Layer Build(LayerBuildContext context) => new Upsample1d(context.InputShape[0], context.InputShape[1], Scale);

    /// <summary>Max pooling by the same factor (as <see cref="Upsample2dSpec.Mirror"/>).</summary>
    public override LayerSpec Mirror(MirrorContext context) => new MaxPool1dSpec(Scale);
}
