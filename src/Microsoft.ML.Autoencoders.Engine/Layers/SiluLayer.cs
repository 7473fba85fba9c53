using Microsoft.ML.Autoencoders.Engine.Export;

namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>
/// y = x·σ(x) (SiLU, Swish; PyTorch's nn.SiLU); dy/dx = σ(x)·(1 + x·(1 − σ(x))). In double and rounded once; e^−x
/// overflowing to ∞ far left gives σ = 0 and y = −0, as it should.
/// </summary>
public sealed class SiluLayer(int width) : SelfGatedActivationLayer(width)
{
    /// <inheritdoc/>
    public override Activation Kind => Activation.Silu;

    /// <inheritdoc/>
    public override float ValueAt(float x) => (float)(x * Sigmoid(x));

    /// <inheritdoc/>
    public override float SlopeAt(float x)
    {
        double s = Sigmoid(x);
        return (float)(s * (1 + x * (1 - s)));
    }

    /// <summary>Sigmoid and Mul on the one input, as PyTorch exports nn.SiLU (and the import reads back as this layer).</summary>
    public override void ExportOnnx(LayerExportContext context)
    {
        string gate = context.Tensor("gate");
        context.AddNode("Sigmoid", [context.Input], [gate]);
        context.AddNode("Mul", [context.Input, gate], [context.Output]);
    }

    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));
}
