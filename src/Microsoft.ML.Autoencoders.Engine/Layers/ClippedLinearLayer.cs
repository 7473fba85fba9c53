using Microsoft.ML.Autoencoders.Engine.Export;

namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>
/// y = min(max(x, lower), upper); dy/dx = 1 strictly between the bounds and 0 at them, so the slope comes from y like every
/// activation here (as PyTorch's hardtanh backward, whose gradient is 0 where x equals a bound). Value by value, so each
/// value has the same bits in any span; a NaN stays a NaN, as torch.clamp keeps it.
/// </summary>
public sealed class ClippedLinearLayer : ActivationLayer
{
    /// <summary>Creates the layer; <paramref name="lower"/> must be below <paramref name="upper"/> (either may be infinite).</summary>
    public ClippedLinearLayer(int width, float lower, float upper) : base(width)
    {
        if (!(lower < upper)) throw new ArgumentOutOfRangeException(nameof(lower), lower, $"The lower bound must be below the upper one ({upper}).");
        Lower = lower;
        Upper = upper;
    }

    /// <summary>The lower bound.</summary>
    public float Lower { get; }

    /// <summary>The upper bound.</summary>
    public float Upper { get; }

    /// <inheritdoc/>
    public override Activation Kind => Activation.ClippedLinear;

    /// <inheritdoc/>
    public override void Apply(ReadOnlySpan<float> x, Span<float> y)
    {
        for (int i = 0; i < x.Length; i++)
        {
            float v = x[i];
            y[i] = v < Lower ? Lower : v > Upper ? Upper : v;
        }
    }

    /// <inheritdoc/>
    public override float DerivativeAt(float y) => y > Lower && y < Upper ? 1 : 0;

    /// <inheritdoc/>
    public override float DerivativeChangeAt(float y) => 0;

    /// <inheritdoc/>
    protected override string OnnxOperator => "Clip";

    /// <summary>Clip with its bounds as inputs (opset 11 on), as PyTorch exports nn.ReLU6 and nn.Hardtanh.</summary>
    public override void ExportOnnx(LayerExportContext context)
    {
        string lower = context.Tensor("lower"), upper = context.Tensor("upper");
        context.Graph.AddInitializer(lower, [], [Lower]);
        context.Graph.AddInitializer(upper, [], [Upper]);
        context.AddNode("Clip", [context.Input, lower, upper], [context.Output]);
    }
}
