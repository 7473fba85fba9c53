using Microsoft.ML.Autoencoders.Engine.Specs;

namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>
/// A sequence-to-sequence decoder with a GRU cell (<see cref="UnconditionedGruDecoder"/>): <paramref name="Units"/> hidden
/// units started from a state computed from a flat code [K], run <paramref name="Steps"/> steps with no input, giving every
/// hidden state [Steps, Units]. <see cref="UnconditionedLstmDecoderSpec"/>'s counterpart.
/// </summary>
[LayerKind("unconditioned_gru_decoder")]
public sealed record UnconditionedGruDecoderSpec(int Steps, int Units) : LayerSpec
{
    /// <summary>Its layer has no forward mode for the contractive penalty.</summary>
    internal override bool LacksTangents => true;

    /// <inheritdoc/>
    public override TensorShape InferOutputShape(TensorShape input)
    {
        if (Steps <= 0) throw new ArgumentException($"a GRU decoder needs a positive number of steps (was {Steps}).");
        if (Units <= 0) throw new ArgumentException($"a GRU decoder needs a positive number of units (was {Units}).");
        if (input.Rank != 1) throw Refuse("a flat code [n]", input);
        return new TensorShape(Steps, Units);
    }

    /// <inheritdoc/>
    public override Layer Build(LayerBuildContext context) =>
        new UnconditionedGruDecoder(context.InputShape[0], Steps, Units, context.Name);
}
