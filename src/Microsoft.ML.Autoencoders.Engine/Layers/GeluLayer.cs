using Microsoft.ML.Autoencoders.Engine.Export;
using Microsoft.ML.Autoencoders.Engine.Kernels;

namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>
/// y = x·Φ(x), the exact (erf) GELU of PyTorch's nn.GELU(); dy/dx = Φ(x) + x·φ(x). Both in double
/// (<see cref="StandardNormal"/>) and rounded once, so the value is the closest float for x ≥ −5. Further left Φ(x) =
/// (1 + erf(x/√2)) / 2 loses digits to the cancellation (about 1e-4 of the value at −7, 16 % at −8) and is 0 below
/// about −8.5, where erf is −1 in double; the true values there are under 1e-11, and PyTorch's float GELU gives 0 for
/// them too.
/// </summary>
public sealed class GeluLayer(int width) : SelfGatedActivationLayer(width)
{
    /// <inheritdoc/>
    public override Activation Kind => Activation.Gelu;

    /// <inheritdoc/>
    public override float ValueAt(float x) => (float)(x * StandardNormal.Cdf(x));

    /// <inheritdoc/>
    public override float SlopeAt(float x) => (float)(StandardNormal.Cdf(x) + x * StandardNormal.Density(x));

    /// <summary>
    /// x·(1 + erf(x/√2))·0.5 as PyTorch exports nn.GELU() before opset 20 (Div, Erf, Add, Mul, Mul), which ONNX Runtime
    /// runs at every opset the engine writes and which the import reads back as this layer.
    /// </summary>
    public override void ExportOnnx(LayerExportContext context)
    {
        string rootTwo = context.Tensor("sqrt2"), one = context.Tensor("one"), half = context.Tensor("half");
        context.Graph.AddInitializer(rootTwo, [], [MathF.Sqrt(2)]);
        context.Graph.AddInitializer(one, [], [1f]);
        context.Graph.AddInitializer(half, [], [0.5f]);
        string scaled = context.Tensor("scaled"), erf = context.Tensor("erf"), gate = context.Tensor("gate"), gated = context.Tensor("gated");
        context.AddNode("Div", [context.Input, rootTwo], [scaled]);
        context.AddNode("Erf", [scaled], [erf]);
        context.AddNode("Add", [erf, one], [gate]);
        context.AddNode("Mul", [context.Input, gate], [gated]);
        context.AddNode("Mul", [gated, half], [context.Output]);
    }
}
