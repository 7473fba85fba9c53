using Microsoft.ML.Autoencoders.Engine.Specs;

namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>
/// A dense layer of <paramref name="Units"/> outputs applied to every step of a sequence [T, F], giving [T, Units]
/// (<see cref="TimeDistributedDense"/>): e.g. a sequence decoder's hidden states back to the input's channels.
/// </summary>
/// <param name="Units">Values per output step.</param>
/// <param name="Initialization">How the weights are drawn; the default picks Xavier or He by the activation that follows.</param>
[LayerKind("time_distributed_dense")]
public sealed record TimeDistributedDenseSpec(int Units, WeightInitialization Initialization = WeightInitialization.XavierOrHeByActivation) : LayerSpec
{
    /// <summary>Its layer has no forward mode for the contractive penalty.</summary>
    internal override bool LacksTangents => true;

    /// <inheritdoc/>
    public override TensorShape InferOutputShape(TensorShape input)
    {
        if (Units <= 0) throw new ArgumentException($"a time-distributed dense layer needs a positive number of units (was {Units}).");
        if (input.Rank != 2) throw Refuse("a sequence [steps, features]", input);
        return new TensorShape(input[0], Units);
    }

    /// <inheritdoc/>
    public override Layer Build(LayerBuildContext context) =>
        new TimeDistributedDense(context.InputShape[0], context.InputShape[1], Units, WeightInitializer.Resolve(Initialization, context.FollowingActivation), context.Name);

    /// <summary>A time-distributed dense layer back to the input's features.</summary>
    public override LayerSpec Mirror(MirrorContext context) => new TimeDistributedDenseSpec(context.OutputShape[1], Initialization);
}
