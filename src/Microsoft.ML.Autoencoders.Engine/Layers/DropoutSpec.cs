using Microsoft.ML.Autoencoders.Engine.Specs;

namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>Inverted dropout (<see cref="DropoutLayer"/>) at rate <paramref name="Rate"/> in [0, 1), on a row of any shape.</summary>
[LayerKind("dropout")]
public sealed record DropoutSpec(float Rate) : LayerSpec
{
    /// <inheritdoc/>
    public override bool IsElementwise => true;

    /// <inheritdoc/>
    public override TensorShape InferOutputShape(TensorShape input)
    {
        if (!(Rate >= 0 && Rate < 1)) throw new ArgumentException($"the dropout rate must be in [0, 1) (was {Rate}).");
        return input;
    }

    /// <inheritdoc/>
    public override Layer Build(LayerBuildContext context) => new DropoutLayer(context.InputShape.Size, Rate);
}
