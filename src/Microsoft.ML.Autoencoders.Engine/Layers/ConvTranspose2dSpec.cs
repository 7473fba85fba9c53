using Microsoft.ML.Autoencoders.Engine.Kernels;
using Microsoft.ML.Autoencoders.Engine.Specs;

namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>
/// A 2-D transposed convolution (<see cref="ConvTranspose2d"/>) of <paramref name="Filters"/> output channels over rows
/// [C, H, W]: a square kernel of <paramref name="KernelSize"/>, <paramref name="Stride"/>, <paramref name="Dilation"/>,
/// padding that takes rows and columns off the output, and <paramref name="OutputPadding"/> rows and columns added at the
/// bottom and right.
/// </summary>
/// <remarks>
/// Output size per axis, as in PyTorch and ONNX: (size − 1)·stride − 2·padding + dilation·(kernel − 1) + outputPadding + 1,
/// with padding 0 for <see cref="Conv2dPadding.Valid"/> and <paramref name="ExplicitPadding"/> for
/// <see cref="Conv2dPadding.Explicit"/>. <see cref="Conv2dPadding.Same"/> follows Keras' Conv2DTranspose: the output is
/// size·stride, with the padding a "same" <see cref="Conv2dSpec"/> would use on that output (the extra row or column at
/// the bottom and right), so the two are each other's transpose; it takes no output padding. The output padding must be
/// smaller than the stride (Keras' rule; PyTorch also accepts anything below the dilation). <c>ExplicitPads</c>, with
/// <see cref="Conv2dPadding.Explicit"/>, takes different numbers of rows and columns off each side of the output (in place
/// of <paramref name="ExplicitPadding"/> on all four): the mirror of a convolution with unequal pads. Null otherwise; model
/// files written before it existed lack it and load as before.
/// </remarks>
[LayerKind("conv_transpose2d")]
public sealed record ConvTranspose2dSpec(
    int Filters, int KernelSize, int Stride = 1, Conv2dPadding Padding = Conv2dPadding.Same, int Dilation = 1,
    int ExplicitPadding = 0, int OutputPadding = 0, WeightInitialization Initialization = WeightInitialization.XavierOrHeByActivation,
    Conv2dPads? ExplicitPads = null) : LayerSpec
{
    /// <summary>Its layer has no forward mode for the contractive penalty.</summary>
    internal override bool LacksTangents => true;

    /// <summary>
    /// The geometry of the convolution this layer transposes, for rows of <paramref name="input"/> ([C, H, W]): its input
    /// image is this layer's output [F, Ho, Wo], its output positions are [H, W].
    /// </summary>
    public ConvGeometry Geometry(TensorShape input)
    {
        if (Filters <= 0 || KernelSize <= 0 || Stride <= 0 || Dilation <= 0)
            throw new ArgumentException($"filters, kernel size, stride and dilation must be positive (were {Filters}, {KernelSize}, {Stride}, {Dilation}).");
        if (OutputPadding < 0 || OutputPadding >= Stride)
            throw new ArgumentException($"the output padding must be at least 0 and smaller than the stride {Stride} (was {OutputPadding}).");
        if (Padding == Conv2dPadding.Same && OutputPadding != 0)
            throw new ArgumentException($"'same' padding makes the output the input times the stride, so it takes no output padding (was {OutputPadding}); use Valid or Explicit padding with it.");
        if (Padding == Conv2dPadding.Causal)
            throw new ArgumentException("causal padding is for sequences (Conv1dSpec), not for a transposed convolution over images: to take rows and columns off one side of the output only, use Explicit padding with ExplicitPads.");
        if ((Padding == Conv2dPadding.Explicit && ExplicitPadding < 0) || Padding is not (Conv2dPadding.Same or Conv2dPadding.Valid or Conv2dPadding.Explicit))
            throw new ArgumentException($"padding {Padding} with {ExplicitPadding} is not valid for a transposed convolution (Same, Valid or Explicit).");
        if (ExplicitPads is { } given && (Padding != Conv2dPadding.Explicit || ExplicitPadding != 0 || given.Top < 0 || given.Left < 0 || given.Bottom < 0 || given.Right < 0))
            throw new ArgumentException($"explicit pads {given} need Explicit padding, an ExplicitPadding of 0 and no negative side (were {Padding}, {ExplicitPadding}).");
        if (input.Rank != 3) throw Refuse("an image [channels, height, width]", input);
        var (height, top, bottom) = ExplicitPads is { } rows ? CroppedAxis(input[1], rows.Top, rows.Bottom) : OutputAxis(input[1]);
        var (width, left, right) = ExplicitPads is { } columns ? CroppedAxis(input[2], columns.Left, columns.Right) : OutputAxis(input[2]);
        if (height <= 0 || width <= 0)
            throw new ArgumentException($"padding {ExplicitPads?.ToString() ?? $"{ExplicitPadding} on every side"} leaves no output of a {KernelSize}×{KernelSize} kernel (dilation {Dilation}, stride {Stride}) over {input}.");
        var geometry = new ConvGeometry(Filters, height, width, KernelSize, KernelSize, Stride, Dilation, top, left, bottom, right);
        // The output padding is below the stride, so the convolution's floor division lands back on the input exactly.
        if (geometry.OutputHeight != input[1] || geometry.OutputWidth != input[2])
            throw new InvalidOperationException($"The transposed geometry {geometry} does not map back to {input}.");
        return geometry;
    }

    // One axis's output with the given numbers taken off its start and end.
    private (int Size, int Before, int After) CroppedAxis(int inputSize, int before, int after) =>
        ((inputSize - 1) * Stride + Dilation * (KernelSize - 1) + 1 + OutputPadding - before - after, before, after);

    // One axis's output size and the padding taken off its start and end.
    private (int Size, int Before, int After) OutputAxis(int inputSize) =>
        TransposedAxis(inputSize, KernelSize, Stride, Dilation, Padding, ExplicitPadding, OutputPadding);

    /// <summary>
    /// One axis of a transposed convolution (this one's and the 1-D one's): the output size for an input of
    /// <paramref name="inputSize"/>, and the padding taken off the output's start and end.
    /// </summary>
    internal static (int Size, int Before, int After) TransposedAxis(int inputSize, int kernelSize, int stride, int dilation,
        Conv2dPadding padding, int explicitPadding, int outputPadding)
    {
        int reach = (inputSize - 1) * stride + dilation * (kernelSize - 1) + 1; // the last output an input reaches, plus one
        switch (padding)
        {
            case Conv2dPadding.Same:
                int size = inputSize * stride;
                var (before, after) = ConvGeometry.SamePadding(size, kernelSize, stride, dilation);
                return (size, before, after);
            case Conv2dPadding.Valid:
                return (reach + outputPadding, 0, 0);
            default:
                return (reach + outputPadding - 2 * explicitPadding, explicitPadding, explicitPadding);
        }
    }

    /// <inheritdoc/>
    public override TensorShape InferOutputShape(TensorShape input)
    {
        var g = Geometry(input);
        return new TensorShape(Filters, g.Height, g.Width);
    }

    /// <inheritdoc/>
    public override Layer Build(LayerBuildContext context) =>
        new ConvTranspose2d(context.InputShape[0], Geometry(context.InputShape), WeightInitializer.Resolve(Initialization, context.FollowingActivation), context.Name);

    /// <summary>
    /// A convolution with the same kernel, stride, dilation and padding back to the input's channels: it maps the output
    /// size back to the input size (the output padding is what its floor division drops), and is this layer's transpose.
    /// </summary>
    public override LayerSpec Mirror(MirrorContext context)
    {
        var convolution = new Conv2dSpec(context.OutputShape[0], KernelSize, Stride, Padding, Dilation, ExplicitPadding, Initialization, ExplicitPads);
        var back = convolution.InferOutputShape(context.InputShape);
        if (back != context.OutputShape)
            throw new NotSupportedException($"The convolution undoing {context.EncoderLayer.Describe()} would map {context.InputShape} to {back}, not back to {context.OutputShape}: give the decoder explicitly.");
        return convolution;
    }

    /// <summary>
    /// A transposed convolution with <paramref name="convolution"/>'s kernel, stride and dilation that maps the
    /// convolution's output <paramref name="convolutionOutput"/> back to exactly its input <paramref name="convolutionInput"/>,
    /// or null when the padding modes cannot express one (a non-square image whose axes need different paddings).
    /// </summary>
    /// <remarks>
    /// Tried in order, the first that gives the shape back wins. The first two are the convolution's exact transpose
    /// (the same kernel taps, so with the same weights it would be the convolution's input gradient): "same" for a "same"
    /// convolution whose input is its output times the stride (28 → 14 → 28), then the convolution's own padding, with its
    /// floor division's remainder as output padding, when both axes' remainders agree: its per-side pads
    /// (<see cref="Conv2dSpec.ExplicitPads"/>) where they differ, else its one padding (7 → 4 → 7 with a 3×3 kernel, any
    /// valid or explicitly padded convolution). Then the least padding that gives the size back, and last, for per-side
    /// pads, the least crop of each axis: the right shape, with the taps shifted from the convolution's by up to a pixel,
    /// which is harmless since the weights are not tied.
    /// </remarks>
    public static ConvTranspose2dSpec? Undoing(Conv2dSpec convolution, TensorShape convolutionInput, TensorShape convolutionOutput)
    {
        ArgumentNullException.ThrowIfNull(convolution);
        var g = convolution.Geometry(convolutionInput);
        int reach = convolution.Dilation * (convolution.KernelSize - 1) + 1;
        var same = new ConvTranspose2dSpec(convolutionInput[0], convolution.KernelSize, convolution.Stride, Conv2dPadding.Same,
            convolution.Dilation, 0, 0, convolution.Initialization);
        var candidates = new List<ConvTranspose2dSpec>();
        if (convolution.Padding == Conv2dPadding.Same) candidates.Add(same);

        int remainderHeight = (g.Height + g.PadTop + g.PadBottom - reach) % g.Stride;
        int remainderWidth = (g.Width + g.PadLeft + g.PadRight - reach) % g.Stride;
        bool equalSides = g.PadTop == g.PadBottom && g.PadLeft == g.PadRight && g.PadTop == g.PadLeft;
        // A convolution with unequal per-side pads: its own first, where both axes' remainders agree (the one output
        // padding serves both), as the convolution's exact transpose; equal ones are the equal padding just below.
        if (convolution.ExplicitPads is { } pads && !equalSides && remainderHeight == remainderWidth)
            candidates.Add(same with { Padding = Conv2dPadding.Explicit, ExplicitPads = pads, OutputPadding = remainderHeight });
        if (equalSides && remainderHeight == remainderWidth)
            candidates.Add(WithPadding(same, g.PadTop, remainderHeight));

        // (out − 1)·stride + reach − 2·padding + outputPadding = size, with 0 ≤ outputPadding < stride: the least padding.
        int excess = (convolutionOutput[1] - 1) * g.Stride + reach - convolutionInput[1];
        int padding = excess > 0 ? (excess + 1) / 2 : 0;
        int outputPadding = 2 * padding - excess;
        if (outputPadding < g.Stride) candidates.Add(WithPadding(same, padding, outputPadding));

        // Else, for a convolution with per-side pads, the least crop of each axis (one output padding serves both, so an
        // axis whose full output is short crops that much more).
        if (convolution.ExplicitPads is not null)
        {
            int excessHeight = (convolutionOutput[1] - 1) * g.Stride + reach - convolutionInput[1];
            int excessWidth = (convolutionOutput[2] - 1) * g.Stride + reach - convolutionInput[2];
            int shared = Math.Max(0, Math.Max(-excessHeight, -excessWidth));
            int cropHeight = excessHeight + shared, cropWidth = excessWidth + shared;
            candidates.Add(same with
            {
                Padding = Conv2dPadding.Explicit,
                ExplicitPads = new Conv2dPads(cropHeight / 2, cropWidth / 2, cropHeight - cropHeight / 2, cropWidth - cropWidth / 2),
                OutputPadding = shared,
            });
        }

        foreach (var candidate in candidates)
        {
            try
            {
                if (candidate.InferOutputShape(convolutionOutput) == convolutionInput) return candidate;
            }
            catch (ArgumentException)
            {
                // This candidate cannot take the shape at all: try the next.
            }
        }
        return null;
    }

    private static ConvTranspose2dSpec WithPadding(ConvTranspose2dSpec spec, int padding, int outputPadding) =>
        spec with
        {
            Padding = padding == 0 ? Conv2dPadding.Valid : Conv2dPadding.Explicit,
            ExplicitPadding = padding,
            OutputPadding = outputPadding,
        };
}
