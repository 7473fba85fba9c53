using Microsoft.ML.Autoencoders.Engine.Specs;

namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>
/// A decoder layer that reuses the weight matrix of the earlier layer <paramref name="TiedTo"/> transposed
/// (<see cref="TiedDense"/>): it maps that layer's output width back to its input width, <paramref name="Units"/>,
/// with a bias of its own.
/// </summary>
/// <param name="TiedTo">The name of the earlier layer whose matrix W [Units, in] this layer multiplies by as Wᵀ.</param>
/// <param name="Units">Values per output row: the tied layer's input width.</param>
[LayerKind("tied_dense")]
public sealed record TiedDenseSpec(string TiedTo, int Units) : LayerSpec
{
    /// <summary>Its layer has no forward mode for the contractive penalty.</summary>
    internal override bool LacksTangents => true;

    /// <inheritdoc/>
    public override TensorShape InferOutputShape(TensorShape input)
    {
        if (string.IsNullOrWhiteSpace(TiedTo)) throw new ArgumentException("a tied layer must name the layer whose weights it reuses.");
        if (Units <= 0) throw new ArgumentException($"a tied layer needs a positive number of units (was {Units}).");
        if (input.Rank != 1) throw Refuse("a flat row [n]", input);
        return TensorShape.Flat(Units);
    }

    /// <inheritdoc/>
    public override Layer Build(LayerBuildContext context)
    {
        var tied = context.EarlierLayer(TiedTo);
        var weights = tied.LinearWeights
            ?? throw new ArgumentException($"Layer '{context.Name}' ties its weights to '{TiedTo}', which has no weight matrix of the form y = x·W + b.");
        int inputWidth = context.InputShape.Size;
        if (weights.Shape.Length != 2 || weights.Shape[0] != Units || weights.Shape[1] != inputWidth)
        {
            throw new ArgumentException(
                $"Layer '{context.Name}' maps [{inputWidth}] to [{Units}], so it needs a tied matrix of shape [{Units}, {inputWidth}]; '{TiedTo}' has [{string.Join(", ", weights.Shape)}].");
        }
        return new TiedDense(weights, context.Name);
    }
}
