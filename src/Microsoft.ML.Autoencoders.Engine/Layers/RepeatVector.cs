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
    /// One Tile node: a batch [N, W] tiled by [1, T] is [N, T·W], a single row [W] tiled by [T] is [T·W] — exactly the rows
    /// [T, W] flattened, so no reshape is needed.
    /// </summary>
    public override void ExportOnnx(LayerExportContext context)
    {
        string repeats = context.Tensor("repeats");
        if (context.Batched) context.Graph.AddInt64Initializer(repeats, [2], [1, Steps]);
        else context.Graph.AddInt64Initializer(repeats, [1], [Steps]);
        context.AddNode("Tile", [context.Input, repeats], [context.Output]);
    }
}
