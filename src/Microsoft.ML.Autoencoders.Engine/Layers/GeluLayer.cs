using Microsoft.ML.Autoencoders.Engine.Export;
using Microsoft.ML.Autoencoders.Engine.Kernels;

namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>
/// y = x·Φ(x), the exact (erf) GELU of PyTorch's nn.GELU(); dy/dx = Φ(x) + x·φ(x). Both in double
/// (<see cref="StandardNormal"/>) and rounded once, so each is the closest float over the whole float range (but for
/// the slope's zero left of −38.6, +0 for −0): left of −3, Φ comes from the lower tail (an erfc) rather than from
/// 1 + erf, which cancels there, so the tiny negative values far left keep their digits down to float's denormals
/// (−1.4e-6 at −5, −7.6e-23 at −10) and are −0 left of −14.36, where the true value rounds to it. The slope needs no
/// other form: there Φ ≈ φ/|x| is under a ninth of |x·φ|, so the sum does not cancel. The exported graph computes
/// 1 + erf in float, as PyTorch does: ONNX Runtime's values are off by up to 8.3e-8 from about −3 and are −0 from about −5.54,
/// where the engine's are the true ones.
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
