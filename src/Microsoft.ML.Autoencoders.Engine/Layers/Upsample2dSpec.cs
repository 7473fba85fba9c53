using System.Text.Json.Serialization;
using Microsoft.ML.Autoencoders.Engine.Specs;

namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>How an upsampling fills the values between the input's.</summary>
public enum UpsampleMode
{
    /// <summary>Each input value repeated over its s×s block (<see cref="Upsample2d"/>).</summary>
    Nearest,
    /// <summary>
    /// Bilinear interpolation between the four nearest input values, with pixel centres aligned as PyTorch's
    /// align_corners=False, ONNX's "half_pixel" and Keras' UpSampling2D(interpolation="bilinear") align them
    /// (<see cref="BilinearUpsample2d"/>).
    /// </summary>
    Bilinear,
}

/// <summary>Upsampling of rows [C, H, W] by <paramref name="Scale"/> on each axis, nearest-neighbour or bilinear (<paramref name="Mode"/>).</summary>
/// <remarks>
/// The mode is left out of the JSON while it is the default, so a nearest upsampling is written as it was before modes
/// existed, and a spec written then reads as nearest.
/// </remarks>
[LayerKind("upsample2d")]
public sealed record Upsample2dSpec(
    int Scale = 2,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] UpsampleMode Mode = UpsampleMode.Nearest) : LayerSpec
{
    /// <summary>Its layer has no forward mode for the contractive penalty.</summary>
    internal override bool LacksTangents => true;

    /// <inheritdoc/>
    public override TensorShape InferOutputShape(TensorShape input)
    {
        if (Scale <= 0) throw new ArgumentException($"the scale must be positive (was {Scale}).");
        if (!Enum.IsDefined(Mode)) throw new ArgumentException($"unknown upsampling mode {(int)Mode}.");
        if (input.Rank != 3) throw Refuse("an image [channels, height, width]", input);
        return new TensorShape(input[0], input[1] * Scale, input[2] * Scale);
    }

    /// <inheritdoc/>
    public override Layer Build(LayerBuildContext context)
    {
        var input = context.InputShape;
        return Mode == UpsampleMode.Bilinear
            ? new BilinearUpsample2d(input[0], input[1], input[2], Scale)
            : new Upsample2d(input[0], input[1], input[2], Scale);
    }

    /// <summary>Max pooling by the same factor, whichever the mode.</summary>
    public override LayerSpec Mirror(MirrorContext context) => new MaxPool2dSpec(Scale);
}
