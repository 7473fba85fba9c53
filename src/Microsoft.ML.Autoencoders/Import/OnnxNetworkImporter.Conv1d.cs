using Microsoft.ML.Autoencoders.Engine.Kernels;
using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Onnx;

namespace Microsoft.ML.Autoencoders;

/// <summary>
/// Conv and ConvTranspose over sequences [N, C, L] (what PyTorch's Conv1d and ConvTranspose1d export): the engine's
/// <see cref="Conv1dSpec"/> and <see cref="ConvTranspose1dSpec"/>, whose weights are laid out as ONNX's ([F, C, k] and
/// [C, F, k]), so the constants are taken as they are.
/// </summary>
internal sealed partial class OnnxNetworkImporter
{
    /// <summary>Whether the rows at this point of the chain are sequences [C, L] under a batch axis.</summary>
    private bool IsSequence => _shape.Rank == 2 && _batchAxis;

    private string AddConv1d(OnnxNode node)
    {
        if (Int(node, "group", 1) != 1) throw new NotSupportedException($"{Describe(node)}: grouped convolutions have no engine layer.");
        var w = Weights(node, 1);
        if (w.Dimensions.Length != 3 || w.Dimensions[1] != _shape[0])
            throw new NotSupportedException($"{Describe(node)}: weights [{string.Join(", ", w.Dimensions)}] do not fit a sequence of {_shape[0]} channels.");
        int filters = w.Dimensions[0], k = Kernel1d(node, w.Dimensions[2]);
        int stride = Single(node, "strides", 1), dilation = Single(node, "dilations", 1);
        var (padding, explicitPadding) = Padding1d(node, k, stride, dilation);
        var spec = new Conv1dSpec(filters, k, stride, padding, dilation, explicitPadding);
        return AddLayer(node, spec, new() { [".weight"] = w.Floats!, [".bias"] = Bias(node, filters) });
    }

    private string AddConvTranspose1d(OnnxNode node)
    {
        if (Int(node, "group", 1) != 1) throw new NotSupportedException($"{Describe(node)}: grouped transposed convolutions have no engine layer.");
        if (node.TryGetAttribute("output_shape", out _)) throw new NotSupportedException($"{Describe(node)}: output_shape has no engine equivalent; give pads and output_padding.");
        var w = Weights(node, 1);
        if (w.Dimensions.Length != 3 || w.Dimensions[0] != _shape[0])
            throw new NotSupportedException($"{Describe(node)}: weights [{string.Join(", ", w.Dimensions)}] do not fit a sequence of {_shape[0]} channels.");
        int filters = w.Dimensions[1], k = Kernel1d(node, w.Dimensions[2]);
        int stride = Single(node, "strides", 1), dilation = Single(node, "dilations", 1), outputPadding = Single(node, "output_padding", 0);
        string autoPad = String(node, "auto_pad", "NOTSET");
        ConvTranspose1dSpec spec;
        if (autoPad == "SAME_UPPER" && outputPadding == 0) spec = new ConvTranspose1dSpec(filters, k, stride, Conv2dPadding.Same, dilation);
        else if (autoPad is "NOTSET" or "VALID")
        {
            var pads = node.TryGetAttribute("pads", out var attribute) ? attribute.GetInts() : [0, 0];
            if (autoPad == "VALID") pads = [0, 0];
            if (pads.Length != 2 || pads[0] != pads[1])
                throw new NotSupportedException($"{Describe(node)}: pads [{string.Join(", ", pads)}] must be the same at both ends.");
            int pad = (int)pads[0];
            spec = new ConvTranspose1dSpec(filters, k, stride, pad == 0 ? Conv2dPadding.Valid : Conv2dPadding.Explicit, dilation, pad, outputPadding);
        }
        else throw new NotSupportedException($"{Describe(node)}: auto_pad {autoPad} has no engine equivalent.");
        return AddLayer(node, spec, new() { [".weight"] = w.Floats!, [".bias"] = Bias(node, filters) });
    }

    /// <summary>Explicit pads equal at both ends, "same" (given as auto_pad or as the pads same padding puts), or none.</summary>
    private (Conv2dPadding Padding, int Explicit) Padding1d(OnnxNode node, int kernel, int stride, int dilation)
    {
        string autoPad = String(node, "auto_pad", "NOTSET");
        if (autoPad == "SAME_UPPER") return (Conv2dPadding.Same, 0);
        if (autoPad == "VALID") return (Conv2dPadding.Valid, 0);
        if (autoPad != "NOTSET") throw new NotSupportedException($"{Describe(node)}: auto_pad {autoPad} has no engine equivalent.");
        var pads = node.TryGetAttribute("pads", out var attribute) ? attribute.GetInts() : [0, 0];
        if (pads.Length != 2) throw new NotSupportedException($"{Describe(node)}: pads must have 2 values for a 1-D convolution.");
        if (pads[0] == pads[1]) return pads[0] == 0 ? (Conv2dPadding.Valid, 0) : (Conv2dPadding.Explicit, (int)pads[0]);
        var (left, right) = ConvGeometry.SamePadding(_shape[1], kernel, stride, dilation);
        if (pads[0] == left && pads[1] == right) return (Conv2dPadding.Same, 0);
        throw new NotSupportedException($"{Describe(node)}: pads [{string.Join(", ", pads)}] are neither equal at both ends nor 'same' padding.");
    }

    private static int Kernel1d(OnnxNode node, int fromWeights)
    {
        if (node.TryGetAttribute("kernel_shape", out var attribute) && attribute.GetInts() is var k && (k.Length != 1 || k[0] != fromWeights))
            throw new NotSupportedException($"{Describe(node)}: kernel_shape disagrees with the weights.");
        return fromWeights;
    }

    /// <summary>The one value of a 1-D convolution's <paramref name="name"/> attribute.</summary>
    private static int Single(OnnxNode node, string name, int fallback)
    {
        if (!node.TryGetAttribute(name, out var attribute)) return fallback;
        var values = attribute.GetInts();
        if (values.Length != 1) throw new NotSupportedException($"{Describe(node)}: {name} [{string.Join(", ", values)}] should have one value for a 1-D convolution.");
        return (int)values[0];
    }

    /// <summary>The bias (input 2), or zeros for a convolution exported with bias=False.</summary>
    private float[] Bias(OnnxNode node, int filters) => node.Inputs.Count > 2 && node.Inputs[2].Length > 0 ? RowVector(node, 2, filters) : new float[filters];
}
