using Microsoft.ML.Autoencoders.Engine.Kernels;
using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Onnx;

namespace Microsoft.ML.Autoencoders;

/// <summary>
/// PyTorch's nn.AvgPool2d, the engine's <see cref="AvgPool2dSpec"/>. With count_include_pad=True (its default) and padding,
/// torch.onnx.export writes a Pad of zeros and an unpadded AveragePool (so the zeros count as values, and a ceil-mode window
/// stops at the padded edge), and without padding often a Pad of nothing; with count_include_pad=False it writes the
/// padding into AveragePool, which is the engine's only when there is none. A ceil_mode whose ONNX output is larger than
/// PyTorch's (a last window starting in the padding) is refused; the engine's own ceil-mode export (bottom/right pads of the
/// overhang, not counted) reads back as ceil mode.
/// </summary>
internal sealed partial class OnnxNetworkImporter
{
    /// <summary>A Pad of zeros read by the AveragePool <paramref name="pool"/> alone: the two are one pooling layer with that padding.</summary>
    private string AddPaddedAveragePool(OnnxNode pad, OnnxNode pool)
    {
        RequireImage(pad);
        var zeros = ZeroPads(pad, "an AveragePool");
        // nn.AvgPool2d's padding is the same on every side of the image.
        if (zeros.Any(p => p != (zeros[0].Before, zeros[0].Before)))
            throw new NotSupportedException($"{Describe(pad)}: pads [{string.Join(", ", zeros.Select(p => p.Before).Concat(zeros.Select(p => p.After)))}] (height and width, begins then ends) " +
                "are not the same on every side of the image, as nn.AvgPool2d's padding is.");
        return AddAveragePool(pool, (int)zeros[0].Before);
    }

    /// <summary>
    /// AveragePool over images, after <paramref name="padding"/> zeros of a Pad on every side. Its own pads count in the
    /// divisor only with count_include_pad = 1; without, they are the engine's pooling when there are none, or when they are
    /// bottom/right only and exactly ceil mode's overhang (as the engine exports a ceil-mode pooling, whose divisor leaves the
    /// overhang out). ceil_mode = 1 maps only while ONNX's output size is PyTorch's: ONNX keeps a last window that starts in
    /// the bottom/right padding, which PyTorch and the engine drop.
    /// </summary>
    private string AddAveragePool(OnnxNode node, int padding = 0)
    {
        RequireImage(node);
        var kernel = node.GetAttribute("kernel_shape").GetInts();
        if (kernel.Length != 2 || kernel[0] != kernel[1]) throw new NotSupportedException($"{Describe(node)}: only square 2-D windows map to the engine's pooling.");
        if (Square(node, "dilations", 1) != 1 || String(node, "auto_pad", "NOTSET") is not ("NOTSET" or "VALID"))
            throw new NotSupportedException($"{Describe(node)}: dilated or auto-padded pooling has no engine layer.");
        int stride = Square(node, "strides", 1); // ONNX's default stride is 1, not the window
        bool ceilMode = Int(node, "ceil_mode", 0) != 0;
        if (!ceilMode && Int(node, "count_include_pad", 0) == 0 && TryCeilOverhangPads(node, (int)kernel[0], stride, padding) is { } ceilSpec)
            return AddLayer(node, ceilSpec, []);
        int ownPads = SymmetricPads(node);
        if (ownPads > 0 && Int(node, "count_include_pad", 0) == 0)
            throw new NotSupportedException($"{Describe(node)}: pads {ownPads} left out of each window's divisor (nn.AvgPool2d(count_include_pad=False)); the engine's average " +
                "pooling counts its padding, as PyTorch's default does.");
        if (ownPads > 0 && padding > 0)
            throw new NotSupportedException($"{Describe(node)}: padded twice (a Pad and its own pads), which nn.AvgPool2d does not write.");
        var spec = new AvgPool2dSpec((int)kernel[0], stride, padding + ownPads, ceilMode);
        if (ceilMode) RequireCeilSizeAsPyTorch(node, spec);
        return AddLayer(node, spec, []);
    }

    /// <summary>
    /// The ceil-mode pooling an AveragePool (ceil_mode = 0, count_include_pad = 0) stands for when its pads are on the
    /// bottom and right only and are exactly the overhang ceil mode gives over the image padded by <paramref name="padding"/>;
    /// otherwise null (and the pads are judged as any other).
    /// </summary>
    private AvgPool2dSpec? TryCeilOverhangPads(OnnxNode node, int kernel, int stride, int padding)
    {
        if (!node.TryGetAttribute("pads", out var attribute) || attribute.GetInts() is not [0, 0, var bottom, var right] || (bottom == 0 && right == 0)) return null;
        var spec = new AvgPool2dSpec(kernel, stride, padding, CeilMode: true);
        try
        {
            var g = spec.Geometry(_shape);
            return g.PadBottom - padding == bottom && g.PadRight - padding == right ? spec : null;
        }
        catch (ArgumentException)
        {
            return null; // not a pooling the engine has: the general checks name why
        }
    }

    /// <summary>
    /// Refuses a ceil-mode AveragePool whose output ONNX sizes as ceil((size + 2 × padding − window) / stride) + 1 while
    /// PyTorch's rule (the engine's) drops the last window for starting in the bottom/right padding: ONNX Runtime running the
    /// same file gives one more row or column (of windows over padding alone) than the engine would.
    /// </summary>
    private void RequireCeilSizeAsPyTorch(OnnxNode node, AvgPool2dSpec spec)
    {
        int stride = spec.Stride == 0 ? spec.PoolSize : spec.Stride;
        int OnnxSize(int size) => (size + 2 * spec.Padding - spec.PoolSize + stride - 1) / stride + 1;
        ConvGeometry geometry;
        try
        {
            geometry = spec.Geometry(_shape);
        }
        catch (ArgumentException)
        {
            return; // AddLayer names why the pooling does not fit
        }
        int onnxHeight = OnnxSize(_shape[1]), onnxWidth = OnnxSize(_shape[2]);
        if (onnxHeight != geometry.OutputHeight || onnxWidth != geometry.OutputWidth)
            throw new NotSupportedException($"{Describe(node)}: ceil_mode over {_shape[1]}×{_shape[2]} (window {spec.PoolSize}, stride {stride}, padding {spec.Padding}) gives " +
                $"{onnxHeight}×{onnxWidth} in ONNX, whose last window starts in the bottom/right padding; PyTorch's ceil mode, the engine's, drops that window " +
                $"({geometry.OutputHeight}×{geometry.OutputWidth}), so the engine cannot compute what this graph computes.");
    }
}
