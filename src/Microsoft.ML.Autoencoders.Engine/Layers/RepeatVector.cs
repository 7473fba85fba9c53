using System.Numerics.Tensors;
using Microsoft.ML.Autoencoders.Engine.Export;

namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>
/// A row [W] repeated T times, [T, W]: a sequence decoder's input, the code given to every step. Backward sums the T
/// steps' gradients.
/// </summary>
public sealed class RepeatVector : Layer
{
    /// <summary>Creates the layer for rows of <paramref name="width"/> values repeated <paramref name="steps"/> times.</summary>
    public RepeatVector(int width, int steps)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        Width = width;
        Steps = steps;
    }

    /// <summary>W, the values of a row coming in.</summary>
    public int Width { get; }

    /// <summary>T, the copies of it going out.</summary>
    public int Steps { get; }

    /// <inheritdoc/>
    public override int InputSize => Width;

    /// <inheritdoc/>
    public override int OutputSize => Steps * Width;

    /// <inheritdoc/>
    internal override bool CanOverwriteInputGradient => true;

    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<float> x, Span<float> y, Span<float> scratch, int batch, in LayerContext context)
    {
        for (int n = 0; n < batch; n++)
        {
            ReadOnlySpan<float> row = x.Slice(n * Width, Width);
            for (int t = 0; t < Steps; t++) row.CopyTo(y.Slice((n * Steps + t) * Width, Width));
        }
    }

    /// <summary>dx (+)= Σ_t dy[t], the steps added in order.</summary>
    public override void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx,
        ReadOnlySpan<float> scratch, int batch, in LayerContext context)
    {
        if (dx.IsEmpty) return;
        for (int n = 0; n < batch; n++)
        {
            Span<float> gradient = dx.Slice(n * Width, Width);
            int first = 0;
            if (context.OverwriteInputGradient)
            {
                dy.Slice(n * Steps * Width, Width).CopyTo(gradient);
                first = 1;
            }
            for (int t = first; t < Steps; t++) TensorPrimitives.Add(gradient, dy.Slice((n * Steps + t) * Width, Width), gradient);
        }
    }

    /// <summary>
    /// Unsqueeze, Tile and a reshape to flat rows: a batch [N, W] becomes [N, 1, W], [N, T, W], then [N, T·W]; a single row [W]
    /// becomes [1, W], [T, W], then [T·W].
    /// </summary>
    public override void ExportOnnx(LayerExportContext context)
    {
        // The code given a step axis and tiled over it, [N, K] → [N, 1, K] → [N, T, K], then flat rows again: PyTorch's
        // x.unsqueeze(1).repeat(1, T, 1), which the engine's import reads back as this layer (a flat Tile to [N, T·K]
        // computes the same but is no form an importer of rows can tell from other tilings).
        string stepAxis = context.Tensor("step_axis"), withStep = context.Tensor("with_step"), repeats = context.Tensor("repeats"), steps = context.Tensor("steps");
        context.Graph.AddInt64Initializer(stepAxis, [1], [context.Batched ? 1 : 0]);
        if (context.Batched) context.Graph.AddInt64Initializer(repeats, [3], [1, Steps, 1]);
        else context.Graph.AddInt64Initializer(repeats, [2], [Steps, 1]);
        context.AddNode("Unsqueeze", [context.Input, stepAxis], [withStep]);
        context.AddNode("Tile", [withStep, repeats], [steps]);
        OnnxShapes.ToRows(context, steps, OutputSize);
    }
}
