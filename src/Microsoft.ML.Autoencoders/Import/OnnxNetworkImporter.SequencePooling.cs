using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Onnx;

namespace Microsoft.ML.Autoencoders;

/// <summary>
/// MaxPool over sequences [N, C, L] (what PyTorch's nn.MaxPool1d writes for a series): the engine's <see cref="MaxPool1dSpec"/>.
/// Upsampling a series is with the images' in OnnxNetworkImporter.Upsampling.cs.
/// </summary>
internal sealed partial class OnnxNetworkImporter
{
    /// <summary>
    /// A 1-D MaxPool: a window, a stride (ONNX's default 1) and equal pads at both ends of at most half the window (PyTorch's
    /// padding, which pads with −∞ as ONNX's MaxPool does). Ceil mode, dilation and auto_pad other than VALID are refused.
    /// </summary>
    private string AddMaxPool1d(OnnxNode node)
    {
        if (node.Outputs.Count > 1 && _consumers.ContainsKey(node.Outputs[1]))
            throw new NotSupportedException($"{Describe(node)}: its indices output is read, which the engine's pooling does not give.");
        var kernel = node.GetAttribute("kernel_shape").GetInts();
        if (kernel.Length != 1) throw new NotSupportedException($"{Describe(node)}: kernel_shape [{string.Join(", ", kernel)}] over sequences should have one value.");
        var pads = node.TryGetAttribute("pads", out var attribute) ? attribute.GetInts() : [0, 0];
        if (pads.Length != 2 || pads[0] != pads[1])
            throw new NotSupportedException($"{Describe(node)}: pads [{string.Join(", ", pads)}] must be the same at both ends, as the engine's max_pool1d pads.");
        if (Single(node, "dilations", 1) != 1 || String(node, "auto_pad", "NOTSET") is not ("NOTSET" or "VALID") || Int(node, "ceil_mode", 0) != 0 || Int(node, "storage_order", 0) != 0)
            throw new NotSupportedException($"{Describe(node)}: dilated, auto-padded or ceil-mode pooling over sequences has no engine layer.");
        int stride = Single(node, "strides", 1); // ONNX's default stride is 1, not the window
        return AddLayer(node, new MaxPool1dSpec((int)kernel[0], stride, (int)pads[0]), []);
    }
}
