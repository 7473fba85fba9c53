using Microsoft.ML.Autoencoders.Engine.Kernels;
using Microsoft.ML.Autoencoders.Engine.Specs;

namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>
/// A 1-D convolution (<see cref="Conv1d"/>) of <paramref name="Filters"/> output channels over rows [C, L] (channels first):
/// a kernel of <paramref name="KernelSize"/>, <paramref name="Stride"/>, <paramref name="Dilation"/> and padding, the
/// padding modes meaning what they mean for <see cref="Conv2dSpec"/> on the one axis ("same": ⌈L / stride⌉ outputs, an odd
/// total padding's extra value at the end, as Keras' Conv1D), plus <see cref="Conv2dPadding.Causal"/> (Keras' "causal":
/// dilation·(kernel − 1) zeros before the sequence only) and <paramref name="ExplicitPads"/> (explicit zeros that differ
/// at the two ends).
/// </summary>
/// <remarks>
/// <c>ExplicitPads</c>: with <see cref="Conv2dPadding.Explicit"/>, the zeros before and after the sequence when they differ (in place of
/// <c>ExplicitPadding</c> on both ends); null otherwise. Model files written before it existed lack it and
/// load as before.
/// </remarks>
[LayerKind("conv1d")]
public sealed record Conv1dSpec(
    int Filters, int KernelSize, int Stride = 1, Conv2dPadding Padding = Conv2dPadding.Same, int Dilation = 1,
    int ExplicitPadding = 0, WeightInitialization Initialization = WeightInitialization.XavierOrHeByActivation,
    Conv1dPads? ExplicitPads = null) : LayerSpec
{
    /// <summary>Its layer has no forward mode for the contractive penalty.</summary>
    internal override bool LacksTangents => true;

    /// <summary>The channels, length and padding for rows of <paramref name="input"/> ([C, L]), and the output length.</summary>
    public (int Channels, int Length, int PadLeft, int PadRight, int OutputLength) Axis(TensorShape input)
    {
        if (Filters <= 0 || KernelSize <= 0 || Stride <= 0 || Dilation <= 0)
            throw new ArgumentException($"filters, kernel size, stride and dilation must be positive (were {Filters}, {KernelSize}, {Stride}, {Dilation}).");
        if (ExplicitPads is { } given && (Padding != Conv2dPadding.Explicit || ExplicitPadding != 0 || given.Left < 0 || given.Right < 0))
            throw new ArgumentException($"explicit pads {given} need Explicit padding, an ExplicitPadding of 0 and no negative side (were {Padding}, {ExplicitPadding}).");
        if (input.Rank != 2) throw Refuse("a sequence [channels, length] (channels first)", input);
        int length = input[1];
        (int left, int right) = Padding switch
        {
            Conv2dPadding.Same => ConvGeometry.SamePadding(length, KernelSize, Stride, Dilation),
            Conv2dPadding.Valid => (0, 0),
            Conv2dPadding.Causal => (Dilation * (KernelSize - 1), 0),
            Conv2dPadding.Explicit when ExplicitPads is { } pads => (pads.Left, pads.Right),
            Conv2dPadding.Explicit when ExplicitPadding >= 0 => (ExplicitPadding, ExplicitPadding),
            _ => throw new ArgumentException($"padding {Padding} with {ExplicitPadding} is not valid."),
        };
        if (length + left + right < Dilation * (KernelSize - 1) + 1)
            throw new ArgumentException($"a kernel of {KernelSize} (dilation {Dilation}) does not fit {input} with {Padding} padding.");
        return (input[0], length, left, right, (length + left + right - Dilation * (KernelSize - 1) - 1) / Stride + 1);
    }

    /// <inheritdoc/>
    public override TensorShape InferOutputShape(TensorShape input) => new(Filters, Axis(input).OutputLength);

    /// <inheritdoc/>
    public override Layer Build(LayerBuildContext context)
    {
        var (channels, length, left, right, _) = Axis(context.InputShape);
        return new Conv1d(channels, length, Filters, KernelSize, Stride, Dilation, left, right,
            WeightInitializer.Resolve(Initialization, context.FollowingActivation), context.Name);
    }

    /// <summary>
    /// A stride-1 "same" convolution back to the input's channels, and a stride-1 causal one likewise (so a causal encoder's
    /// mirrored decoder is causal too); any other convolution becomes a transposed convolution back to exactly the input's
    /// shape (<see cref="ConvTranspose1dSpec.Undoing"/>), for a causal one a transposed convolution that crops only its
    /// output's end, which keeps the chain causal.
    /// </summary>
    public override LayerSpec Mirror(MirrorContext context)
    {
        if (Stride == 1 && Padding is Conv2dPadding.Same or Conv2dPadding.Causal)
            return new Conv1dSpec(context.OutputShape[0], KernelSize, 1, Padding, Dilation, 0, Initialization);
        return ConvTranspose1dSpec.Undoing(this, context.OutputShape, context.InputShape)
            ?? throw new NotSupportedException($"No transposed convolution with the kernel, stride and dilation of {context.EncoderLayer.Describe()} maps {context.InputShape} back to {context.OutputShape}; give the decoder explicitly.");
    }
}
