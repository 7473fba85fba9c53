using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Onnx;

namespace Microsoft.ML.Autoencoders;

/// <summary>
/// nn.LayerNorm over the last axis of rows [N, d] or windows [N, T, F]: opset 17's LayerNormalization node, or the nodes
/// PyTorch writes for it before (<see cref="OnnxLayerNormalizations"/>), as the engine's <see cref="LayerNormSpec"/> with
/// γ and β as its weight and bias.
/// </summary>
internal sealed partial class OnnxNetworkImporter
{
    /// <summary>The decomposed layer norms, by the tensor they normalize.</summary>
    private readonly Dictionary<string, OnnxLayerNormalizations.Match> _layerNorms;

    /// <summary>The rank of the chain's tensor with its batch axis, as ONNX's axes count.</summary>
    private int GraphRank => _shape.Rank + (_batchAxis ? 1 : 0);

    private string AddLayerNormalization(OnnxNode node)
    {
        long axis = Int(node, "axis", -1);
        if (axis != -1 && axis != GraphRank - 1)
            throw new NotSupportedException($"{Describe(node)}: axis {axis} normalizes over more than the last axis; the engine's layer_norm normalizes over the last one (nn.LayerNorm(d)).");
        int width = _shape[_shape.Rank - 1];
        var spec = new LayerNormSpec(Float(node, "epsilon", 1e-5f));
        var scale = RowVector(node, 1, width);
        var shift = node.Inputs.Count > 2 && node.Inputs[2].Length > 0 ? RowVector(node, 2, width) : new float[width];
        return AddLayer(node, spec, new() { [".weight"] = scale, [".bias"] = shift });
    }

    private string AddDecomposedLayerNorm(OnnxLayerNormalizations.Match match)
    {
        var first = match.Nodes[0];
        foreach (var mean in new[] { match.Mean, match.Variance })
        {
            // Opset 13 writes the axes as an attribute; opset 18 as a second input.
            long[] axes = mean.TryGetAttribute("axes", out var attribute) ? attribute.GetInts()
                : mean.Inputs.Count > 1 ? Constant(mean, 1).Longs ?? [] : [];
            if (axes is not [var axis] || (axis != -1 && axis != GraphRank - 1) || Int(mean, "keepdims", 1) != 1)
                throw new NotSupportedException($"{Describe(mean)} starts nn.LayerNorm's pattern but averages over axes [{string.Join(", ", axes)}]; the engine's layer_norm normalizes over the last axis alone.");
        }
        float Single(string tensor, string what) =>
            _constants.TryGetValue(tensor, out var c) && c.Floats is [var value] ? value
                : throw new NotSupportedException($"{Describe(first)} starts nn.LayerNorm's pattern, but its {what} '{tensor}' is not a single float.");
        if (Single(match.Exponent, "exponent") != 2f)
            throw new NotSupportedException($"{Describe(first)} starts nn.LayerNorm's pattern, but raises to {Single(match.Exponent, "exponent")}, not 2: another function, which the engine has no layer for.");
        float epsilon = Single(match.Epsilon, "epsilon");
        int width = _shape[_shape.Rank - 1];
        float[] Vector(string? tensor, float fallback)
        {
            if (tensor is null) return Enumerable.Repeat(fallback, width).ToArray();
            var (dims, values, _) = _constants.TryGetValue(tensor, out var c) && c.Floats is not null ? c
                : throw new NotSupportedException($"{Describe(first)}: nn.LayerNorm's '{tensor}' is not a float constant.");
            if (!IsRowShaped(dims, width))
                throw new NotSupportedException($"{Describe(first)}: nn.LayerNorm's '{tensor}' {RowShapeMismatch(dims, values!.Length, width)} (one per feature).");
            return values!.Length == width ? [.. values] : Enumerable.Repeat(values[0], width).ToArray();
        }
        bool affine = match.Scale is not null || match.Shift is not null;
        var spec = new LayerNormSpec(epsilon, affine);
        var parameters = affine ? new Dictionary<string, float[]> { [".weight"] = Vector(match.Scale, 1f), [".bias"] = Vector(match.Shift, 0f) } : [];
        return AddLayer(match.Nodes[^1], spec, parameters, match.Output);
    }
}
