using Microsoft.ML.Autoencoders.Engine.Specs;

namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>
/// A sequence-to-sequence decoder (<see cref="UnconditionedLstmDecoder"/>): an LSTM of <paramref name="Units"/> hidden units
/// started from a state computed from a flat code [K], run <paramref name="Steps"/> steps with no input, giving every
/// hidden state [Steps, Units]. Unlike <see cref="RepeatVectorSpec"/> followed by <see cref="LstmSpec"/>, the code reaches
/// the decoder once, as its starting state.
/// </summary>
[LayerKind("unconditioned_lstm_decoder")]
public sealed record UnconditionedLstmDecoderSpec(int Steps, int Units) : LayerSpec
{
    /// <summary>Its layer has no forward mode for the contractive penalty.</summary>
    internal override bool LacksTangents => true;

    /// <inheritdoc/>
    public override TensorShape InferOutputShape(TensorShape input)
    {
        if (Steps <= 0) throw new ArgumentException($"an LSTM decoder needs a positive number of steps (was {Steps}).");
        if (Units <= 0) throw new ArgumentException($"an LSTM decoder needs a positive number of units (was {Units}).");
        if (input.Rank != 1) throw Refuse("a flat code [n]", input);
        return new TensorShape(Steps, Units);
    }

    /// <inheritdoc/>
    public override Layer Build(LayerBuildContext context) =>
        new UnconditionedLstmDecoder(context.InputShape[0], Steps, Units, context.Name);
}
