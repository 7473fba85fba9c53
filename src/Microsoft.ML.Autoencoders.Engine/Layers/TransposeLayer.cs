using Microsoft.ML.Autoencoders.Engine.Export;

namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>
/// Rows [A, B] read out as [B, A]: y[b, a] = x[a, b]. A window is stored [steps, channels] while a 1-D convolution reads
/// [channels, steps]; this turns one into the other. Backward transposes the gradient back.
/// </summary>
public sealed class TransposeLayer : Layer
{
    /// <summary>Creates the layer for rows [<paramref name="rows"/>, <paramref name="columns"/>].</summary>
    public TransposeLayer(int rows, int columns)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(columns, 1);
        Rows = rows;
        Columns = columns;
    }

    /// <summary>A, the outer axis coming in.</summary>
    public int Rows { get; }

    /// <summary>B, the inner axis coming in (the outer one going out).</summary>
    public int Columns { get; }

    /// <inheritdoc/>
    public override int InputSize => Rows * Columns;

    /// <inheritdoc/>
    public override int OutputSize => Rows * Columns;

    /// <inheritdoc/>
    internal override bool CanOverwriteInputGradient => true;

    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<float> x, Span<float> y, Span<float> scratch, int batch, in LayerContext context)
    {
        int size = InputSize;
        for (int n = 0; n < batch; n++) Transpose(x.Slice(n * size, size), y.Slice(n * size, size), Rows, Columns, accumulate: false);
    }

    /// <inheritdoc/>
    public override void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx,
        ReadOnlySpan<float> scratch, int batch, in LayerContext context)
    {
        if (dx.IsEmpty) return;
        int size = InputSize;
        for (int n = 0; n < batch; n++)
            Transpose(dy.Slice(n * size, size), dx.Slice(n * size, size), Columns, Rows, accumulate: !context.OverwriteInputGradient);
    }

    // to[c, r] (+)= from[r, c] for a rows × columns matrix.
    private static void Transpose(ReadOnlySpan<float> from, Span<float> to, int rows, int columns, bool accumulate)
    {
        for (int r = 0; r < rows; r++)
        for (int c = 0; c < columns; c++)
        {
            if (accumulate) to[c * rows + r] += from[r * columns + c];
            else to[c * rows + r] = from[r * columns + c];
        }
    }

    /// <summary>Reshape to [N, A, B], Transpose to [N, B, A], Reshape back to flat rows.</summary>
    public override void ExportOnnx(LayerExportContext context)
    {
        string matrix = OnnxShapes.Reshaped(context, context.Input, "matrix", -1, Rows, Columns), transposed = context.Tensor("transposed");
        context.AddNode("Transpose", [matrix], [transposed], OnnxNodeAttribute.Ints("perm", 0, 2, 1));
        OnnxShapes.ToRows(context, transposed, OutputSize);
    }
}
