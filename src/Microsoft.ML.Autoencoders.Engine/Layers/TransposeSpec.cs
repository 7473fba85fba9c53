using Microsoft.ML.Autoencoders.Engine.Specs;

namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>
/// Rows [A, B] read out as [B, A] (<see cref="TransposeLayer"/>): a window [steps, channels] to the [channels, steps] a 1-D
/// convolution reads, and back.
/// </summary>
[LayerKind("transpose")]
public sealed record TransposeSpec : LayerSpec
{
    /// <summary>Its layer has no forward mode for the contractive penalty.</summary>
    internal override bool LacksTangents => true;

    /// <inheritdoc/>
    public override TensorShape InferOutputShape(TensorShape input)
    {
        if (input.Rank != 2) throw Refuse("a matrix [rows, columns]", input);
        return new TensorShape(input[1], input[0]);
    }

    /// <inheritdoc/>
    public override Layer Build(LayerBuildContext context) => new TransposeLayer(context.InputShape[0], context.InputShape[1]);

    /// <summary>In a mirrored decoder, the transpose back.</summary>
    public override LayerSpec Mirror(MirrorContext context) => new TransposeSpec();
}
