using Microsoft.ML.Autoencoders.Engine.Export;

namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>
/// Inverted dropout: while training, each value is zeroed with probability <see cref="Rate"/> and the survivors
/// are scaled by 1 / (1 − Rate), so the expected activation is unchanged and inference is the identity (which is
/// why its ONNX form is an Identity node). The mask lives in the cache's per-layer scratch between
/// forward and backward.
/// </summary>
public sealed class DropoutLayer : Layer
{
    /// <summary>Creates the layer for <paramref name="width"/> values per sample; <paramref name="rate"/> is in [0, 1).</summary>
    public DropoutLayer(int width, float rate)
    {
        if (width <= 0) throw new ArgumentOutOfRangeException(nameof(width));
        if (!(rate >= 0 && rate < 1)) throw new ArgumentOutOfRangeException(nameof(rate), rate, "The dropout rate must be in [0, 1).");
        Width = width;
        Rate = rate;
    }

    /// <summary>Values per sample (input and output alike).</summary>
    public int Width { get; }

    /// <summary>The probability that a value is dropped while training.</summary>
    public float Rate { get; }

    /// <inheritdoc/>
    public override int InputSize => Width;

    /// <inheritdoc/>
    public override int OutputSize => Width;

    /// <summary>One mask value per element: 0 for a dropped value, 1 / (1 − Rate) for a kept one.</summary>
    public override int ScratchSizePerSample => Width;

    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<float> x, Span<float> y, Span<float> scratch, int batch, in LayerContext context)
    {
        int n = batch * Width;
        if (!context.Training || Rate == 0)
        {
            x.Slice(0, n).CopyTo(y);
            return;
        }
        var random = context.Random ?? throw new InvalidOperationException("Dropout while training needs LayerContext.Random.");
        float keepScale = 1f / (1f - Rate);
        for (int i = 0; i < n; i++)
        {
            float mask = random.NextFloat() < Rate ? 0f : keepScale;
            scratch[i] = mask;
            y[i] = x[i] * mask;
        }
    }

    /// <inheritdoc/>
    public override void Backward(
        ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx,
        ReadOnlySpan<float> scratch, int batch, in LayerContext context)
    {
        if (dx.IsEmpty) return;
        int n = batch * Width;
        bool masked = context.Training && Rate != 0;
        for (int i = 0; i < n; i++) dx[i] += masked ? dy[i] * scratch[i] : dy[i];
    }

    /// <summary>
    /// The factor forward multiplied element <paramref name="index"/> by: the mask while training, 1 at inference.
    /// Lets other passes (e.g. the contractive penalty's tangents) follow the same dropped units.
    /// </summary>
    public float Factor(ReadOnlySpan<float> scratch, int index, in LayerContext context) =>
        context.Training && Rate != 0 ? scratch[index] : 1f;

    /// <summary>The identity: inference never drops.</summary>
    public override void ExportOnnx(LayerExportContext context) => context.AddNode("Identity", [context.Input], [context.Output]);

    /// <summary>t_out = t_in ⊙ mask: the tangent follows the same dropped units as the forward pass.</summary>
    public override void PushTangent(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> scratch,
        ReadOnlySpan<float> tangentIn, Span<float> tangentOut, int batch, in LayerContext context)
    {
        for (int i = 0; i < tangentOut.Length; i++) tangentOut[i] = tangentIn[i] * Factor(scratch, i, context);
    }

    /// <summary>∂P/∂t_in = g ⊙ mask; the mask is not learned and does not depend on y.</summary>
    public override void PullTangentGradient(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> scratch,
        ReadOnlySpan<float> tangentIn, ReadOnlySpan<float> tangentOutGradient, Span<float> tangentInGradient, Span<float> outputGradient,
        int batch, in LayerContext context)
    {
        for (int i = 0; i < tangentInGradient.Length; i++) tangentInGradient[i] = tangentOutGradient[i] * Factor(scratch, i, context);
    }
}
