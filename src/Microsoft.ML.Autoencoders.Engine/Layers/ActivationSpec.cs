using Microsoft.ML.Autoencoders.Engine.Specs;

namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>An element-wise nonlinearity (<see cref="ActivationLayer"/>) on a row of any shape.</summary>
/// <param name="Function">Which nonlinearity; Linear is refused (leave the layer out instead).</param>
/// <param name="Slope">Leaky ReLU's slope for negative inputs, in (0, 1); unused by the others.</param>
[LayerKind("activation")]
public sealed record ActivationSpec(Activation Function, float Slope = ActivationSpec.DefaultSlope) : LayerSpec
{
    /// <summary>The usual leaky ReLU slope.</summary>
    public const float DefaultSlope = 0.01f;

    /// <inheritdoc/>
    public override bool IsElementwise => true;

    /// <inheritdoc/>
    public override Activation? AppliedActivation => Function;

    /// <inheritdoc/>
    public override TensorShape InferOutputShape(TensorShape input)
    {
        if (!Enum.IsDefined(Function)) throw new ArgumentException($"unknown activation {(int)Function}.");
        if (Function == Activation.Linear) throw new ArgumentException("a Linear activation does nothing: leave the layer out.");
        if (Function == Activation.ClippedLinear) throw new ArgumentException("a clipped-linear activation has bounds of its own: use ClippedLinearSpec(lower, upper).");
        if (Function == Activation.LeakyRelu && !(Slope > 0 && Slope < 1)) throw new ArgumentException($"the leaky ReLU slope must be in (0, 1) (was {Slope}).");
        return input;
    }

    /// <inheritdoc/>
    public override Layer Build(LayerBuildContext context) =>
        (Layer?)SelfGatedActivationLayer.Create(Function, context.InputShape.Size) ?? ActivationLayer.Create(Function, context.InputShape.Size, Slope)!;
}
