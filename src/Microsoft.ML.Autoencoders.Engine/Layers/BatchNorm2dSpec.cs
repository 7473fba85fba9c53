using Microsoft.ML.Autoencoders.Engine.Specs;

namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>
/// Batch normalization (<see cref="BatchNorm2d"/>) of rows [C, H, W], per channel; the channel count comes from the input.
/// <paramref name="Momentum"/> follows PyTorch: the weight of each batch's statistics in the running ones (Keras' momentum
/// is 1 minus this); <paramref name="Epsilon"/> is added to the variance.
/// </summary>
/// <remarks>
/// Not element-wise in the mirror's sense, though it keeps the shape: it holds parameters and, while training, mixes a
/// batch's rows. So it names itself like a shaping layer ("encoder.1") and a mirrored decoder gets one of its own
/// (<see cref="Mirror"/>) rather than a copy carried over.
/// </remarks>
[LayerKind("batch_norm2d")]
public sealed record BatchNorm2dSpec(float Momentum = BatchNorm2d.DefaultMomentum, float Epsilon = BatchNorm2d.DefaultEpsilon) : LayerSpec
{
    /// <summary>Its layer has no forward mode for the contractive penalty.</summary>
    internal override bool LacksTangents => true;

    /// <inheritdoc/>
    public override TensorShape InferOutputShape(TensorShape input)
    {
        if (!(Momentum >= 0 && Momentum <= 1)) throw new ArgumentException($"the momentum must be in [0, 1] (was {Momentum}).");
        if (!(Epsilon > 0 && float.IsFinite(Epsilon))) throw new ArgumentException($"epsilon must be positive and finite (was {Epsilon}).");
        if (input.Rank != 3) throw Refuse("an image [channels, height, width]", input);
        return input;
    }

    /// <inheritdoc/>
    public override Layer Build(LayerBuildContext context) =>
        new BatchNorm2d(context.InputShape[0], context.InputShape[1], context.InputShape[2], Momentum, Epsilon, context.Name);

    /// <summary>
    /// A batch norm of its own over the same channels: the mirror takes the shape this layer gives, which is the one it takes.
    /// </summary>
    public override LayerSpec Mirror(MirrorContext context) => new BatchNorm2dSpec(Momentum, Epsilon);
}
