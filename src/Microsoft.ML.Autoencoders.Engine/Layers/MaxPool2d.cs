using Microsoft.ML.Autoencoders.Engine.Export;
using Microsoft.ML.Autoencoders.Engine.Kernels;

namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>
/// Max pooling over rows [C, H, W] with a square window and stride, optionally in ceil mode (a last, partial window
/// covers the leftover rows and columns, as PyTorch's ceil_mode and ONNX's ceil_mode do). Forward keeps the position of
/// each window's maximum in the scratch, so backward routes each gradient to exactly that input.
/// </summary>
public sealed class MaxPool2d : Layer
{
    /// <summary>Creates the layer; <paramref name="geometry"/> carries the window, stride and any ceil-mode overhang as bottom/right padding.</summary>
    public MaxPool2d(ConvGeometry geometry, bool ceilMode)
    {
        if (geometry.OutputHeight <= 0 || geometry.OutputWidth <= 0) throw new ArgumentException("The window does not fit the input.", nameof(geometry));
        Geometry = geometry;
        CeilMode = ceilMode;
    }

    /// <summary>Input shape, window and stride; the padding is the ceil mode's overhang at the bottom and right.</summary>
    public ConvGeometry Geometry { get; }

    /// <summary>True when a partial last window is kept.</summary>
    public bool CeilMode { get; }

    /// <inheritdoc/>
    public override int InputSize => Geometry.Channels * Geometry.Height * Geometry.Width;

    /// <inheritdoc/>
    public override int OutputSize => Geometry.Channels * Geometry.OutputPositions;

    /// <summary>The index (within the image) of each output's maximum, stored as a float (exact below 2^24).</summary>
    public override int ScratchSizePerSample => OutputSize;

    /// <summary>Written over image by image: each image's gradient is cleared right before its maxima are routed into it.</summary>
    internal override bool CanOverwriteInputGradient => true;

    /// <inheritdoc/>
    public override void Forward(ReadOnlySpan<float> x, Span<float> y, Span<float> scratch, int batch, in LayerContext context)
    {
        var g = Geometry;
        int ho = g.OutputHeight, wo = g.OutputWidth, plane = g.Height * g.Width;
        for (int n = 0; n < batch; n++)
        {
            ReadOnlySpan<float> image = x.Slice(n * InputSize, InputSize);
            Span<float> output = y.Slice(n * OutputSize, OutputSize);
            Span<float> argmax = scratch.Slice(n * OutputSize, OutputSize);
            int o = 0;
            for (int c = 0; c < g.Channels; c++)
            {
                for (int oy = 0; oy < ho; oy++)
                {
                    int y0 = oy * g.Stride, y1 = Math.Min(y0 + g.KernelHeight, g.Height);
                    for (int ox = 0; ox < wo; ox++, o++)
                    {
                        int x0 = ox * g.Stride, x1 = Math.Min(x0 + g.KernelWidth, g.Width);
                        int best = c * plane + y0 * g.Width + x0;
                        float max = image[best];
                        for (int yy = y0; yy < y1; yy++)
                        {
                            for (int xx = x0; xx < x1; xx++)
                            {
                                int at = c * plane + yy * g.Width + xx;
                                if (image[at] > max || float.IsNaN(image[at])) { max = image[at]; best = at; }
                            }
                        }
                        output[o] = max;
                        argmax[o] = best;
                    }
                }
            }
        }
    }

    /// <inheritdoc/>
    public override void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx,
        ReadOnlySpan<float> scratch, int batch, in LayerContext context)
    {
        if (dx.IsEmpty) return;
        for (int n = 0; n < batch; n++)
        {
            Span<float> image = dx.Slice(n * InputSize, InputSize);
            if (context.OverwriteInputGradient) image.Clear();
            ReadOnlySpan<float> gradient = dy.Slice(n * OutputSize, OutputSize);
            ReadOnlySpan<float> argmax = scratch.Slice(n * OutputSize, OutputSize);
            for (int o = 0; o < OutputSize; o++) image[(int)argmax[o]] += gradient[o];
        }
    }

    /// <summary>Reshape to [N, C, H, W], MaxPool (kernel, strides, ceil_mode), Reshape back to flat rows.</summary>
    public override void ExportOnnx(LayerExportContext context)
    {
        var g = Geometry;
        string image = OnnxShapes.ToImage(context, g.Channels, g.Height, g.Width);
        string pooled = context.Tensor("pooled");
        context.AddNode("MaxPool", [image], [pooled],
            OnnxNodeAttribute.Ints("kernel_shape", g.KernelHeight, g.KernelWidth),
            OnnxNodeAttribute.Ints("strides", g.Stride, g.Stride),
            OnnxNodeAttribute.Int("ceil_mode", CeilMode ? 1 : 0));
        OnnxShapes.ToRows(context, pooled, OutputSize);
    }
}
