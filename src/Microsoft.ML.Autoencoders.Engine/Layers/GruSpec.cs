using Microsoft.ML.Autoencoders.Engine.Specs;

namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>
/// A gated recurrent unit layer (<see cref="Gru"/>) of <paramref name="Units"/> hidden units over rows [T, F] (time steps ×
/// features), gates in ONNX's order (update, reset, candidate) with the reset applied after the state's product
/// (linear_before_reset = 1, as PyTorch and cuDNN): every hidden state [T, Units] when <paramref name="ReturnSequences"/>,
/// else only the last one [Units].
/// </summary>
[LayerKind("gru")]
public sealed record GruSpec(int Units, bool ReturnSequences = false) : LayerSpec
{
    /// <summary>Its layer has no forward mode for the contractive penalty.</summary>
    internal override bool LacksTangents => true;

    /// <inheritdoc/>
    public override TensorShape InferOutputShape(TensorShape input)
    {
        if (Units <= 0) throw new ArgumentException($"a GRU needs a positive number of units (was {Units}).");
        if (input.Rank != 2) throw Refuse("a sequence [steps, features]", input);
        return ReturnSequences ? new TensorShape(input[0], Units) : TensorShape.Flat(Units);
    }

    /// <inheritdoc/>
    public override Layer Build(LayerBuildContext context) =>
        new Gru(context.InputShape[0], context.InputShape[1], Units, ReturnSequences, context.Name);

    /// <summary>A GRU has no single inverse: the decoder is given explicitly (<see cref="Models.SequenceArchitecture"/> builds one).</summary>
    public override LayerSpec Mirror(MirrorContext context) =>
        throw new NotSupportedException(
            "a GRU has no mirror image: give the decoder's layers explicitly (e.g. RepeatVectorSpec, GruSpec with ReturnSequences, "
            + "TimeDistributedDenseSpec), or build the network with SequenceArchitecture.");
}
