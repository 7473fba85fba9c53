using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Onnx;

namespace Microsoft.ML.Autoencoders;

/// <summary>
/// PyTorch's nn.AvgPool2d, the engine's <see cref="AvgPool2dSpec"/>. With count_include_pad=True (its default) and padding,
/// torch.onnx.export writes a Pad of zeros and an unpadded AveragePool (so the zeros count as values, and a ceil-mode window
/// stops at the padded edge), and without padding often a Pad of nothing; with count_include_pad=False it writes the
/// padding into AveragePool, which is the engine's only when there is none.
/// </summary>
internal sealed partial class OnnxNetworkImporter
{
    /// <summary>A Pad of zeros read by an AveragePool alone: the two are one pooling layer with that padding.</summary>
    private string AddPaddedAveragePool(OnnxNode pad)
    {
        RequireImage(pad);
        string padded = pad.Outputs[0];
        if (_graph.Outputs.Any(o => o.Name == padded) || !_consumers.TryGetValue(padded, out var readers) || readers.Count != 1 || readers[0].OpType != "AveragePool")
            throw new NotSupportedException($"{Describe(pad)} pads the images for another node than one AveragePool (nn.AvgPool2d's export); the engine has no padding layer of its own.");
        if (String(pad, "mode", "constant") != "constant")
            throw new NotSupportedException($"{Describe(pad)}: mode '{String(pad, "mode", "constant")}' pads with other than zeros, which no engine layer does.");
        if ((pad.Inputs.Count > 2 && pad.Inputs[2].Length > 0 && Constant(pad, 2).Floats is not [0f]) || Float(pad, "value", 0f) != 0f)
            throw new NotSupportedException($"{Describe(pad)}: pads with a value other than 0, which no engine layer does.");
        if (pad.Inputs.Count > 3 && pad.Inputs[3].Length > 0)
            throw new NotSupportedException($"{Describe(pad)}: padding chosen axes (opset 18's axes input) is not what nn.AvgPool2d writes.");
        long[] pads = pad.TryGetAttribute("pads", out var attribute) ? attribute.GetInts() // before opset 11
            : Constant(pad, 1).Longs ?? throw new NotSupportedException($"{Describe(pad)}: the pads must be int64.");
        // [N, C, H, W] begins then ends: the batch and channels unpadded, the same amount on every side of the image.
        if (pads is not [0, 0, var top, var left, 0, 0, var bottom, var right] || top != left || top != bottom || top != right)
            throw new NotSupportedException($"{Describe(pad)}: pads [{string.Join(", ", pads)}] are not the same on every side of the image only, as nn.AvgPool2d's padding is.");
        return AddAveragePool(readers[0], (int)top);
    }

    /// <summary>
    /// AveragePool over images, after <paramref name="padding"/> zeros of a Pad on every side. Its own pads count in the
    /// divisor only with count_include_pad = 1; without, they are the engine's pooling only when there are none.
    /// </summary>
    private string AddAveragePool(OnnxNode node, int padding = 0)
    {
        RequireImage(node);
        var kernel = node.GetAttribute("kernel_shape").GetInts();
        if (kernel.Length != 2 || kernel[0] != kernel[1]) throw new NotSupportedException($"{Describe(node)}: only square 2-D windows map to the engine's pooling.");
        if (Square(node, "dilations", 1) != 1 || String(node, "auto_pad", "NOTSET") is not ("NOTSET" or "VALID"))
            throw new NotSupportedException($"{Describe(node)}: dilated or auto-padded pooling has no engine layer.");
        int ownPads = SymmetricPads(node);
        if (ownPads > 0 && Int(node, "count_include_pad", 0) == 0)
            throw new NotSupportedException($"{Describe(node)}: pads {ownPads} left out of each window's divisor (nn.AvgPool2d(count_include_pad=False)); the engine's average " +
                "pooling counts its padding, as PyTorch's default does.");
        if (ownPads > 0 && padding > 0)
            throw new NotSupportedException($"{Describe(node)}: padded twice (a Pad and its own pads), which nn.AvgPool2d does not write.");
        int stride = Square(node, "strides", 1); // ONNX's default stride is 1, not the window
        return AddLayer(node, new AvgPool2dSpec((int)kernel[0], stride, padding + ownPads, Int(node, "ceil_mode", 0) != 0), []);
    }
}
