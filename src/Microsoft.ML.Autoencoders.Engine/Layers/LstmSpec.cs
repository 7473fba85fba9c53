using Microsoft.ML.Autoencoders.Engine.Specs;

namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>
/// A long short-term memory layer (<see cref="Lstm"/>) of <paramref name="Units"/> hidden units over rows [T, F] (time
/// steps × features): it gives every hidden state [T, Units] when <paramref name="ReturnSequences"/>, else only the last
/// one [Units], the summary of the whole window that a sequence encoder passes on.
/// </summary>
[LayerKind("lstm")]
public sealed record LstmSpec(int Units, bool ReturnSequences = false) : LayerSpec
{
    /// <summary>Its layer has no forward mode for the contractive penalty.</summary>
    internal override bool LacksTangents => true;

    /// <inheritdoc/>
    public override TensorShape InferOutputShape(TensorShape input)
    {
        if (Units <= 0) throw new ArgumentException($"an LSTM needs a positive number of units (was {Units}).");
        if (input.Rank != 2) throw Refuse("a sequence [steps, features]", input);
        return ReturnSequences ? new TensorShape(input[0], Units) : TensorShape.Flat(Units);
    }

    /// <inheritdoc/>
    public override Layer Build(LayerBuildContext context) =>
        new Lstm(context.InputShape[0], context.InputShape[1], Units, ReturnSequences, context.Name);

    /// <summary>An LSTM has no single inverse: the decoder is given explicitly (<see cref="Models.SequenceArchitecture"/> builds one).</summary>
    public override LayerSpec Mirror(MirrorContext context) =>
        throw new NotSupportedException(
            "an LSTM has no mirror image: give the decoder's layers explicitly (e.g. RepeatVectorSpec, LstmSpec with ReturnSequences, "
            + "TimeDistributedDenseSpec), or build the network with SequenceArchitecture.");
}
