using Microsoft.ML.Autoencoders.Engine.Specs;

namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>
/// A flat row [W] repeated <paramref name="Steps"/> times as a sequence [Steps, W] (<see cref="RepeatVector"/>), as Keras'
/// RepeatVector: how a sequence decoder gives its code to every time step.
/// </summary>
[LayerKind("repeat_vector")]
public sealed record RepeatVectorSpec(int Steps) : LayerSpec
{
    /// <summary>Its layer has no forward mode for the contractive penalty.</summary>
    internal override bool LacksTangents => true;

    /// <inheritdoc/>
    public override TensorShape InferOutputShape(TensorShape input)
    {
        if (Steps <= 0) throw new ArgumentException($"a repeat vector needs a positive number of steps (was {Steps}).");
        if (input.Rank != 1) throw Refuse("a flat row [n]", input);
        return new TensorShape(Steps, input[0]);
    }

    /// <inheritdoc/>
    public override Layer Build(LayerBuildContext context) => new RepeatVector(context.InputShape[0], Steps);
}
