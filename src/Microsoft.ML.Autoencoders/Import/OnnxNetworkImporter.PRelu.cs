using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Onnx;

namespace Microsoft.ML.Autoencoders;

/// <summary>
/// nn.PReLU as the engine's <see cref="PReluSpec"/>, its slopes the file's and trainable on fine-tune, as PyTorch trains them.
/// Which values share a slope is read from the slope's shape as ONNX broadcasts it over the chain's tensor, never from its
/// count: one value (nn.PReLU()) is one slope; [C], [C, 1] or [C, 1, 1] varying along the row's first axis (nn.PReLU(C)
/// over rows [N, C], sequences [N, C, L] or images [N, C, H, W]) is a slope per channel; [F] or [1, F] over windows
/// [N, T, F] is a slope per feature of each step. A [T, 1] over windows with T = F holds F values, but it varies along the
/// steps: it is a slope per step (the first axis), not per feature.
/// </summary>
internal sealed partial class OnnxNetworkImporter
{
    private string AddPRelu(OnnxNode node)
    {
        var slope = Weights(node, 1);
        int[] dims = slope.Dimensions;
        float[] values = [.. slope.Floats!];
        long[] tensor = ChainFullShape;
        int batchAxis = !_batchAxis ? -1 : _timeMajor && ChainShape.Rank == 2 ? 1 : 0;
        string shown = $"[{string.Join(", ", dims)}]";
        string takes = $"; the engine's prelu takes one slope, one per channel along the row's first axis ({ChannelSlopeShape()}: nn.PReLU({_shape[0]}))" +
            (_shape.Rank == 2 ? $" or one per feature of each step ([{_shape[1]}])" : "") + ".";
        if (dims.Length > tensor.Length)
            throw new NotSupportedException($"{Describe(node)}: slope '{node.Inputs[1]}' {shown} has more axes than its input [{Shown(tensor)}]{takes}");
        int offset = tensor.Length - dims.Length; // ONNX aligns the slope's axes with the input's last ones
        var varying = Enumerable.Range(0, dims.Length).Where(i => dims[i] != 1).ToList();
        foreach (int i in varying)
        {
            if (i + offset == batchAxis || dims[i] != tensor[i + offset])
                throw new NotSupportedException($"{Describe(node)}: slope '{node.Inputs[1]}' {shown} does not broadcast over its input [{Shown(tensor)}] along one of the row's axes{takes}");
        }
        PReluSlopes sharing;
        if (varying.Count == 0)
        {
            sharing = PReluSlopes.Shared;
        }
        else if (varying.Count > 1)
        {
            throw new NotSupportedException($"{Describe(node)}: slope '{node.Inputs[1]}' {shown} varies along {varying.Count} axes of its input " +
                $"[{Shown(tensor)}] (a slope per value, as Keras' PReLU without shared_axes learns){takes}");
        }
        else
        {
            int axis = varying[0] + offset, rowAxis = batchAxis >= 0 && axis > batchAxis ? axis - 1 : axis;
            sharing = rowAxis == 0 ? PReluSlopes.PerChannel
                : rowAxis == 1 && _shape.Rank == 2 ? PReluSlopes.PerStepFeature
                : throw new NotSupportedException($"{Describe(node)}: slope '{node.Inputs[1]}' {shown} varies along axis {rowAxis} of rows of {_shape}{takes}");
        }
        return AddLayer(node, new PReluSpec(sharing), new() { [".weight"] = values });
    }

    /// <summary>How nn.PReLU(C) writes its slope for the chain's rows: [C] over rows, [C, 1] over sequences, [C, 1, 1] over images.</summary>
    private string ChannelSlopeShape() => $"[{string.Join(", ", new[] { _shape[0] }.Concat(Enumerable.Repeat(1, _shape.Rank - 1)))}]";
}
