using Microsoft.ML.Autoencoders.Engine.Specs;

namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>
/// A parametric ReLU (<see cref="PRelu"/>; He et al., 2015; PyTorch's nn.PReLU): y = x for x &gt; 0, a·x otherwise, with the
/// slopes a learned, one per channel or feature as <paramref name="Slopes"/> says, or one for the whole row, each starting
/// at <paramref name="InitialSlope"/> (PyTorch's 0.25).
/// </summary>
/// <remarks>
/// Element-wise in the mirror's sense: it keeps the shape and maps each value on its own, so a mirrored decoder carries it
/// over after the layer that gives the width it followed in the encoder, as it carries an activation (the decoder's copy
/// learns slopes of its own). It names no <see cref="LayerSpec.AppliedActivation"/>: a weight layer before it is initialized
/// as before a linear output, and nothing that asks for a network's output activation reads a learned slope as a fixed one.
/// </remarks>
[LayerKind("prelu")]
public sealed record PReluSpec(PReluSlopes Slopes = PReluSlopes.PerChannel, float InitialSlope = PRelu.DefaultInitialSlope) : LayerSpec
{
    /// <inheritdoc/>
    public override bool IsElementwise => true;

    /// <summary>The slopes for rows of <paramref name="input"/>: how many, and how they repeat along the row.</summary>
    public (int Count, int RunLength, int Repeats) Layout(TensorShape input)
    {
        if (!float.IsFinite(InitialSlope)) throw new ArgumentException($"the initial slope must be finite (was {InitialSlope}).");
        return Slopes switch
        {
            PReluSlopes.PerChannel => (input[0], input.Size / input[0], 1),
            PReluSlopes.PerStepFeature when input.Rank == 2 => (input[1], 1, input[0]),
            PReluSlopes.PerStepFeature => throw Refuse("windows [steps, features] (a slope per feature of each step)", input),
            PReluSlopes.Shared => (1, input.Size, 1),
            _ => throw new ArgumentException($"'{Slopes}' is not a way of sharing slopes."),
        };
    }

    /// <inheritdoc/>
    public override TensorShape InferOutputShape(TensorShape input)
    {
        Layout(input);
        return input;
    }

    /// <inheritdoc/>
    public override Layer Build(LayerBuildContext context)
    {
        var (count, runLength, repeats) = Layout(context.InputShape);
        return new PRelu(count, runLength, repeats, InitialSlope, context.Name);
    }
}
