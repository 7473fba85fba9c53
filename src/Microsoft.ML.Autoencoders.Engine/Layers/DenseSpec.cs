using Microsoft.ML.Autoencoders.Engine.Specs;

namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>
/// A fully connected layer of <paramref name="Units"/> outputs (<see cref="Dense"/>) on a flat row [n]; put a
/// <see cref="FlattenSpec"/> before it for a shaped row.
/// </summary>
/// <param name="Units">Values per output row.</param>
/// <param name="Initialization">How the weights are drawn; the default picks Xavier or He by the activation that follows.</param>
[LayerKind("dense")]
public sealed record DenseSpec(int Units, WeightInitialization Initialization = WeightInitialization.XavierOrHeByActivation) : LayerSpec
{
    /// <inheritdoc/>
    public override TensorShape InferOutputShape(TensorShape input)
    {
        if (Units <= 0) throw new ArgumentException($"a dense layer needs a positive number of units (was {Units}).");
        if (input.Rank != 1) throw Refuse("a flat row [n] (put a flatten layer before it)", input);
        return TensorShape.Flat(Units);
    }

    /// <inheritdoc/>
    public override Layer Build(LayerBuildContext context) =>
        new Dense(context.InputShape.Size, Units, WeightInitializer.Resolve(Initialization, context.FollowingActivation), context.Name);

    /// <summary>A dense layer back to the input width, or with tied weights one that reuses this layer's matrix transposed.</summary>
    public override LayerSpec Mirror(MirrorContext context) => context.TieWeights
        ? new TiedDenseSpec(context.EncoderLayer.Name!, context.OutputShape.Size)
        : new DenseSpec(context.OutputShape.Size, Initialization);
}
