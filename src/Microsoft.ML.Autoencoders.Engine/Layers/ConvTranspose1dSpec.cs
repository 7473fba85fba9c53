using Microsoft.ML.Autoencoders.Engine.Specs;

namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>
/// A 1-D transposed convolution (<see cref="ConvTranspose1d"/>) of <paramref name="Filters"/> output channels over rows
/// [C, L]: output length (L − 1)·stride − 2·padding + dilation·(kernel − 1) + outputPadding + 1, or L·stride for "same" (Keras'
/// Conv1DTranspose), the padding modes and rules as <see cref="ConvTranspose2dSpec"/>'s on one axis.
/// </summary>
/// <remarks>
/// <c>ExplicitPads</c>: with <see cref="Conv2dPadding.Explicit"/>, the values taken off the output's start and end when they differ (in place of
/// <c>ExplicitPadding</c> at both): (0, r) crops only the end, so output t reads inputs up to ⌊t / stride⌋
/// alone, which is how a causal convolution's mirror stays causal. Null otherwise; model files written before it
/// existed lack it and load as before.
/// </remarks>
[LayerKind("conv_transpose1d")]
public sealed record ConvTranspose1dSpec(
    int Filters, int KernelSize, int Stride = 1, Conv2dPadding Padding = Conv2dPadding.Same, int Dilation = 1,
    int ExplicitPadding = 0, int OutputPadding = 0, WeightInitialization Initialization = WeightInitialization.XavierOrHeByActivation,
    Conv1dPads? ExplicitPads = null) : LayerSpec
{
    /// <summary>Its layer has no forward mode for the contractive penalty.</summary>
    internal override bool LacksTangents => true;

    /// <summary>The output length and the padding taken off its start and end, for rows of <paramref name="input"/> ([C, L]).</summary>
    public (int OutputLength, int PadLeft, int PadRight) Axis(TensorShape input)
    {
        if (Filters <= 0 || KernelSize <= 0 || Stride <= 0 || Dilation <= 0)
            throw new ArgumentException($"filters, kernel size, stride and dilation must be positive (were {Filters}, {KernelSize}, {Stride}, {Dilation}).");
        if (OutputPadding < 0 || OutputPadding >= Stride)
            throw new ArgumentException($"the output padding must be at least 0 and smaller than the stride {Stride} (was {OutputPadding}).");
        if (Padding == Conv2dPadding.Same && OutputPadding != 0)
            throw new ArgumentException($"'same' padding makes the output the input times the stride, so it takes no output padding (was {OutputPadding}); use Valid or Explicit padding with it.");
        if (Padding == Conv2dPadding.Causal)
            throw new ArgumentException("causal padding is for sequences (Conv1dSpec), not for a transposed convolution: a causal Conv1d's mirror takes values off its output's end only, with Explicit padding and ExplicitPads (0, r).");
        if ((Padding == Conv2dPadding.Explicit && ExplicitPadding < 0) || Padding is not (Conv2dPadding.Same or Conv2dPadding.Valid or Conv2dPadding.Explicit))
            throw new ArgumentException($"padding {Padding} with {ExplicitPadding} is not valid for a transposed convolution (Same, Valid or Explicit).");
        if (ExplicitPads is { } given && (Padding != Conv2dPadding.Explicit || ExplicitPadding != 0 || given.Left < 0 || given.Right < 0))
            throw new ArgumentException($"explicit pads {given} need Explicit padding, an ExplicitPadding of 0 and no negative side (were {Padding}, {ExplicitPadding}).");
        if (input.Rank != 2) throw Refuse("a sequence [channels, length] (channels first)", input);
        var (length, left, right) = ExplicitPads is { } pads
            ? ((input[1] - 1) * Stride + Dilation * (KernelSize - 1) + 1 + OutputPadding - pads.Left - pads.Right, pads.Left, pads.Right)
            : ConvTranspose2dSpec.TransposedAxis(input[1], KernelSize, Stride, Dilation, Padding, ExplicitPadding, OutputPadding);
        if (length <= 0)
            throw new ArgumentException($"padding {ExplicitPads?.ToString() ?? ExplicitPadding.ToString(System.Globalization.CultureInfo.InvariantCulture)} leaves no output of a kernel of {KernelSize} (dilation {Dilation}, stride {Stride}) over {input}.");
        return (length, left, right);
    }

    /// <inheritdoc/>
    public override TensorShape InferOutputShape(TensorShape input) => new(Filters, Axis(input).OutputLength);

    /// <inheritdoc/>
    public override Layer Build(LayerBuildContext context)
    {
        var (length, left, right) = Axis(context.InputShape);
        return new ConvTranspose1d(context.InputShape[0], context.InputShape[1], Filters, length, KernelSize, Stride, Dilation, left, right,
            WeightInitializer.Resolve(Initialization, context.FollowingActivation), context.Name);
    }

    /// <summary>A convolution with the same kernel, stride, dilation and padding back to the input's channels.</summary>
    public override LayerSpec Mirror(MirrorContext context)
    {
        var convolution = new Conv1dSpec(context.OutputShape[0], KernelSize, Stride, Padding, Dilation, ExplicitPadding, Initialization, ExplicitPads);
        var back = convolution.InferOutputShape(context.InputShape);
        if (back != context.OutputShape)
            throw new NotSupportedException($"The convolution undoing {context.EncoderLayer.Describe()} would map {context.InputShape} to {back}, not back to {context.OutputShape}: give the decoder explicitly.");
        return convolution;
    }

    /// <summary>
    /// A transposed convolution with <paramref name="convolution"/>'s kernel, stride and dilation that maps the convolution's
    /// output <paramref name="convolutionOutput"/> back to exactly its input <paramref name="convolutionInput"/>: Keras' "same"
    /// when the convolution was "same" and the lengths allow it (288 → 144 → 288), else the least padding, with an output
    /// padding below the stride, that gives the length back (7 → 4 → 7); a convolution with per-side pads by a transposed
    /// one with those pads (the convolution's transpose, at any stride and whatever their total). A causal convolution is
    /// undone by one that takes nothing off its output's start (<see cref="ExplicitPads"/> (0, r), with an output padding
    /// where r would be negative): output t then reads code positions up to ⌊t / stride⌋, each of which read inputs up to
    /// t, so the two together stay causal. Null when none does.
    /// </summary>
    public static ConvTranspose1dSpec? Undoing(Conv1dSpec convolution, TensorShape convolutionInput, TensorShape convolutionOutput)
    {
        ArgumentNullException.ThrowIfNull(convolution);
        ArgumentNullException.ThrowIfNull(convolutionInput);
        ArgumentNullException.ThrowIfNull(convolutionOutput);
        var same = new ConvTranspose1dSpec(convolutionInput[0], convolution.KernelSize, convolution.Stride, Conv2dPadding.Same,
            convolution.Dilation, 0, 0, convolution.Initialization);
        var candidates = new List<ConvTranspose1dSpec>();
        if (convolution.Padding == Conv2dPadding.Same) candidates.Add(same);
        int reach = convolution.Dilation * (convolution.KernelSize - 1) + 1;
        if (convolution.Padding == Conv2dPadding.Causal)
        {
            // (out − 1)·stride + reach − right + outputPadding = length: crop the end, or pad it where the full output is short.
            int crop = (convolutionOutput[1] - 1) * convolution.Stride + reach - convolutionInput[1];
            var causal = same with
            {
                Padding = Conv2dPadding.Explicit,
                ExplicitPads = new Conv1dPads(0, Math.Max(crop, 0)),
                OutputPadding = Math.Max(-crop, 0),
            };
            return Fits(causal) ? causal : null;
        }
        // A convolution with per-side pads: its own, with its floor division's remainder as output padding, which always
        // gives the length back and is its exact transpose (the same taps); equal sides as the ExplicitPadding they are.
        if (convolution.ExplicitPads is { } pads)
        {
            int remainder = (convolutionInput[1] + pads.Left + pads.Right - reach) % convolution.Stride;
            candidates.Add(pads.Left == pads.Right
                ? same with { Padding = pads.Left == 0 ? Conv2dPadding.Valid : Conv2dPadding.Explicit, ExplicitPadding = pads.Left, OutputPadding = remainder }
                : same with { Padding = Conv2dPadding.Explicit, ExplicitPads = pads, OutputPadding = remainder });
        }
        // (out − 1)·stride + reach − 2·padding + outputPadding = length, with 0 ≤ outputPadding < stride: the least padding.
        int excess = (convolutionOutput[1] - 1) * convolution.Stride + reach - convolutionInput[1];
        int padding = excess > 0 ? (excess + 1) / 2 : 0;
        int outputPadding = 2 * padding - excess;
        if (outputPadding < convolution.Stride)
        {
            candidates.Add(same with
            {
                Padding = padding == 0 ? Conv2dPadding.Valid : Conv2dPadding.Explicit,
                ExplicitPadding = padding,
                OutputPadding = outputPadding,
            });
        }

        return candidates.FirstOrDefault(Fits);

        bool Fits(ConvTranspose1dSpec candidate)
        {
            try
            {
                return candidate.InferOutputShape(convolutionOutput) == convolutionInput;
            }
            catch (ArgumentException)
            {
                return false; // this candidate cannot take the shape at all
            }
        }
    }
}
