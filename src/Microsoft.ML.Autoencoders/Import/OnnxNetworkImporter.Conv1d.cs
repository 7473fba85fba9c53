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

    /// <summary>A Conv over sequences, after the zeros <paramref name="padded"/> of a Pad in front of it (none: null).</summary>
    private string AddConv1d(OnnxNode node, (long Before, long After)[]? padded = null)
    {
        if (Int(node, "group", 1) != 1) throw new NotSupportedException($"{Describe(node)}: grouped convolutions have no engine layer.");
        var w = Weights(node, 1);
        if (w.Dimensions.Length != 3 || w.Dimensions[1] != _shape[0])
            throw new NotSupportedException($"{Describe(node)}: weights [{string.Join(", ", w.Dimensions)}] do not fit a sequence of {_shape[0]} channels.");
        int filters = w.Dimensions[0], k = Kernel1d(node, w.Dimensions[2]);
        int stride = Single(node, "strides", 1), dilation = Single(node, "dilations", 1);
        var (padding, explicitPadding, sides) = ConvPadding(node, [_shape[1]], k, stride, dilation, padded);
        var spec = new Conv1dSpec(filters, k, stride, padding, dilation, explicitPadding, ExplicitPads: SequencePads(sides));
        return AddLayer(node, spec, new() { [".weight"] = w.Floats!, [".bias"] = Bias(node, filters) });
    }

    private string AddConvTranspose1d(OnnxNode node)
    {
        if (Int(node, "group", 1) != 1) throw new NotSupportedException($"{Describe(node)}: grouped transposed convolutions have no engine layer.");
        var w = Weights(node, 1);
        if (w.Dimensions.Length != 3 || w.Dimensions[0] != _shape[0])
            throw new NotSupportedException($"{Describe(node)}: weights [{string.Join(", ", w.Dimensions)}] do not fit a sequence of {_shape[0]} channels.");
        int filters = w.Dimensions[1], k = Kernel1d(node, w.Dimensions[2]);
        int stride = Single(node, "strides", 1), dilation = Single(node, "dilations", 1), outputPadding = Single(node, "output_padding", 0);
        var (padding, explicitPadding, engineOutputPadding, sides) = TransposedConvPadding(node, [_shape[1]], k, stride, dilation, outputPadding);
        var spec = new ConvTranspose1dSpec(filters, k, stride, padding, dilation, explicitPadding, engineOutputPadding, ExplicitPads: SequencePads(sides));
        return AddLayer(node, spec, new() { [".weight"] = w.Floats!, [".bias"] = Bias(node, filters) });
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
