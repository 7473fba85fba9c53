using System.Globalization;
using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Onnx;

namespace Microsoft.ML.Autoencoders;

/// <summary>
/// MaxPool and nearest Resize/Upsample over sequences [N, C, L] (what PyTorch's nn.MaxPool1d and nn.Upsample write for a
/// series): the engine's <see cref="MaxPool1dSpec"/> and <see cref="Upsample1dSpec"/>.
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

    /// <summary>A Resize or Upsample of a sequence by a whole factor on its length ([1, 1, s]), repeating each value (nearest).</summary>
    private string AddUpsample1d(OnnxNode node)
    {
        string mode = String(node, "mode", "nearest");
        float[]? scales = null;
        if (node.OpType == "Upsample") scales = node.TryGetAttribute("scales", out var attribute) ? attribute.GetFloats() : Constant(node, 1).Floats;
        else
        {
            // Opset 10's Resize takes (X, scales); from opset 11 it is (X, roi, scales, sizes).
            if (node.Inputs.Count == 2) scales = Constant(node, 1).Floats;
            if (node.Inputs.Count > 2 && node.Inputs[2].Length > 0) scales = Constant(node, 2).Floats;
            if ((scales is null || scales.Length == 0) && node.Inputs.Count > 3 && node.Inputs[3].Length > 0)
            {
                var sizes = OnEveryAxis(node, Constant(node, 3).Longs ?? throw new NotSupportedException($"{Describe(node)}: sizes must be int64."),
                    [OnnxShapeFolding.Batch, _shape[0], _shape[1]]);
                // sizes is [N, C, L]: the batch (as read from a Shape node, or the fixed size) and the channels must stay.
                if (sizes.Length != 3 || sizes[1] != _shape[0] || (sizes[0] != OnnxShapeFolding.Batch && sizes[0] != _fixedBatch))
                    throw new NotSupportedException($"{Describe(node)}: sizes [{string.Join(", ", sizes.Select(d => d == OnnxShapeFolding.Batch ? "N" : d.ToString(CultureInfo.InvariantCulture)))}] " +
                        $"must keep the batch and the {_shape[0]} channels and resize only the length.");
                scales = [1, 1, (float)sizes[2] / _shape[1]];
            }
        }
        if (scales is not null) scales = OnEveryAxis(node, scales, [1f, 1f, 1f]);
        if (scales is not { Length: 3 } || scales[0] != 1 || scales[1] != 1 || scales[2] < 1 || scales[2] != MathF.Round(scales[2]))
            throw new NotSupportedException($"{Describe(node)}: only a whole factor on the length ([1, 1, s]) maps to the engine's upsampling of sequences.");
        if (!RepeatsEachValue(node, mode))
            throw mode == "linear"
                ? new NotSupportedException($"{Describe(node)}: linear upsampling over sequences has no engine layer (upsample1d repeats each value, mode 'nearest').")
                : NoEngineUpsampling(node, mode);
        return AddLayer(node, new Upsample1dSpec((int)scales[2]), []);
    }
}
