using Microsoft.ML.Autoencoders.Engine.Kernels;
using Microsoft.ML.Autoencoders.Engine.Specs;

namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>How a convolution pads its input.</summary>
public enum Conv2dPadding
{
    /// <summary>Keras' "same": ⌈size / stride⌉ outputs per axis, the extra padding (if odd) at the bottom and right.</summary>
    Same,
    /// <summary>No padding: only windows that lie wholly inside the input.</summary>
    Valid,
    /// <summary>
    /// <see cref="Conv2dSpec.ExplicitPadding"/> zeros on every side, or, given <see cref="Conv2dSpec.ExplicitPads"/>
    /// (<see cref="Conv1dSpec.ExplicitPads"/>), those zeros on each side.
    /// </summary>
    Explicit,
    /// <summary>
    /// Keras' Conv1D "causal": dilation·(kernel − 1) zeros before the sequence and none after, so output t reads inputs up
    /// to t·stride and no later; ⌈length / stride⌉ outputs. For <see cref="Conv1dSpec"/> only: an image has no time axis,
    /// so <see cref="Conv2dSpec"/> and the transposed convolutions refuse it.
    /// </summary>
    Causal,
}

/// <summary>
/// A 2-D convolution (<see cref="Conv2d"/>) of <paramref name="Filters"/> output channels over rows [C, H, W]: a square
/// kernel of <paramref name="KernelSize"/>, <paramref name="Stride"/>, <paramref name="Dilation"/> and padding.
/// </summary>
/// <remarks>
/// <c>ExplicitPads</c>: with <see cref="Conv2dPadding.Explicit"/>, the zeros on each side when they differ (in place of
/// <c>ExplicitPadding</c> on all four); null otherwise. Model files written before it existed lack it and
/// load as before.
/// </remarks>
[LayerKind("conv2d")]
public sealed record Conv2dSpec(
    int Filters, int KernelSize, int Stride = 1, Conv2dPadding Padding = Conv2dPadding.Same, int Dilation = 1,
    int ExplicitPadding = 0, WeightInitialization Initialization = WeightInitialization.XavierOrHeByActivation,
    Conv2dPads? ExplicitPads = null) : LayerSpec
{
    /// <summary>Its layer has no forward mode for the contractive penalty.</summary>
    internal override bool LacksTangents => true;

    /// <summary>The geometry over rows of <paramref name="input"/> ([C, H, W]).</summary>
    public ConvGeometry Geometry(TensorShape input)
    {
        if (Filters <= 0 || KernelSize <= 0 || Stride <= 0 || Dilation <= 0)
            throw new ArgumentException($"filters, kernel size, stride and dilation must be positive (were {Filters}, {KernelSize}, {Stride}, {Dilation}).");
        if (Padding == Conv2dPadding.Causal)
            throw new ArgumentException("causal padding is for sequences (Conv1dSpec): an image has no time axis to keep the future off. For zeros on the top and left only, use Explicit padding with ExplicitPads.");
        if (ExplicitPads is { } given && (Padding != Conv2dPadding.Explicit || ExplicitPadding != 0 || given.Top < 0 || given.Left < 0 || given.Bottom < 0 || given.Right < 0))
            throw new ArgumentException($"explicit pads {given} need Explicit padding, an ExplicitPadding of 0 and no negative side (were {Padding}, {ExplicitPadding}).");
        if (input.Rank != 3) throw Refuse("an image [channels, height, width]", input);
        int c = input[0], h = input[1], w = input[2];
        (int top, int bottom, int left, int right) = Padding switch
        {
            Conv2dPadding.Same => Combine(ConvGeometry.SamePadding(h, KernelSize, Stride, Dilation), ConvGeometry.SamePadding(w, KernelSize, Stride, Dilation)),
            Conv2dPadding.Valid => (0, 0, 0, 0),
            Conv2dPadding.Explicit when ExplicitPads is { } pads => (pads.Top, pads.Bottom, pads.Left, pads.Right),
            Conv2dPadding.Explicit when ExplicitPadding >= 0 => (ExplicitPadding, ExplicitPadding, ExplicitPadding, ExplicitPadding),
            _ => throw new ArgumentException($"padding {Padding} with {ExplicitPadding} is not valid."),
        };
        var geometry = new ConvGeometry(c, h, w, KernelSize, KernelSize, Stride, Dilation, top, left, bottom, right);
        if (geometry.OutputHeight <= 0 || geometry.OutputWidth <= 0)
            throw new ArgumentException($"a {KernelSize}×{KernelSize} kernel (dilation {Dilation}) does not fit {input} with {Padding} padding.");
        return geometry;
    }

    private static (int, int, int, int) Combine((int Before, int After) rows, (int Before, int After) columns) =>
        (rows.Before, rows.After, columns.Before, columns.After);

    /// <inheritdoc/>
    public override TensorShape InferOutputShape(TensorShape input)
    {
        var g = Geometry(input);
        return new TensorShape(Filters, g.OutputHeight, g.OutputWidth);
    }

    /// <inheritdoc/>
    public override Layer Build(LayerBuildContext context) =>
        new Conv2d(Geometry(context.InputShape), Filters, WeightInitializer.Resolve(Initialization, context.FollowingActivation), context.Name);

    /// <summary>
    /// A stride-1 "same" convolution back to the input's channels; any other convolution (strided, valid, explicitly
    /// padded, equally or not) becomes a transposed convolution back to exactly the input's shape (<see cref="ConvTranspose2dSpec.Undoing"/>).
    /// </summary>
    public override LayerSpec Mirror(MirrorContext context)
    {
        if (Stride == 1 && Padding == Conv2dPadding.Same)
            return new Conv2dSpec(context.OutputShape[0], KernelSize, 1, Conv2dPadding.Same, Dilation, 0, Initialization);
        return ConvTranspose2dSpec.Undoing(this, context.OutputShape, context.InputShape)
            ?? throw new NotSupportedException($"No transposed convolution with the kernel, stride and dilation of {context.EncoderLayer.Describe()} maps {context.InputShape} back to {context.OutputShape} (its height and width would need different paddings); give the decoder explicitly.");
    }
}
