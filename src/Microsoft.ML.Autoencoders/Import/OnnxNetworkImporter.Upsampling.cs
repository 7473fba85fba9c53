using System.Globalization;
using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Onnx;

namespace Microsoft.ML.Autoencoders;

/// <summary>
/// Resize and Upsample by a whole factor: over images [N, C, H, W] the engine's <see cref="Upsample2dSpec"/> (nearest, or
/// bilinear with half-pixel centres), over sequences [N, C, L] its <see cref="Upsample1dSpec"/> (nearest). Both read the
/// node's scales or sizes the same way (<see cref="ResizeScales"/>) and differ only in which factors they take.
/// </summary>
internal sealed partial class OnnxNetworkImporter
{
    private string AddUpsample(OnnxNode node)
    {
        if (IsSequence) return AddUpsample1d(node);
        RequireImage(node);
        string mode = String(node, "mode", "nearest");
        float[]? scales = ResizeScales(node, "height and width");
        if (scales is not { Length: 4 } || scales[0] != 1 || scales[1] != 1 || scales[2] != scales[3] || scales[2] < 1 || scales[2] != MathF.Round(scales[2]))
            throw new NotSupportedException($"{Describe(node)}: only the same whole factor on height and width ([1, 1, s, s]) maps to the engine's upsampling.");
        int factor = (int)scales[2];
        if (RepeatsEachValue(node, mode))
            return AddLayer(node, new Upsample2dSpec(factor), []);
        if (mode == "linear" && HalfPixel(node) && node.OpType == "Resize")
            return AddLayer(node, new Upsample2dSpec(factor, UpsampleMode.Bilinear), []);
        throw NoEngineUpsampling(node, mode);
    }

    /// <summary>A Resize or Upsample of a sequence by a whole factor on its length ([1, 1, s]), repeating each value (nearest).</summary>
    private string AddUpsample1d(OnnxNode node)
    {
        string mode = String(node, "mode", "nearest");
        float[]? scales = ResizeScales(node, "the length");
        if (scales is not { Length: 3 } || scales[0] != 1 || scales[1] != 1 || scales[2] < 1 || scales[2] != MathF.Round(scales[2]))
            throw new NotSupportedException($"{Describe(node)}: only a whole factor on the length ([1, 1, s]) maps to the engine's upsampling of sequences.");
        if (!RepeatsEachValue(node, mode))
            throw mode == "linear"
                ? new NotSupportedException($"{Describe(node)}: linear upsampling over sequences has no engine layer (upsample1d repeats each value, mode 'nearest').")
                : NoEngineUpsampling(node, mode);
        return AddLayer(node, new Upsample1dSpec((int)scales[2]), []);
    }

    /// <summary>
    /// The node's scale on every axis of its input [N, C, …] (null if it gives none): an Upsample's scales; a Resize's scales
    /// (opset 10's second input, from opset 11 the third, after roi) or else its sizes over the input's extents, which must
    /// keep the batch (as read from a Shape node, or the fixed size) and the channels; placed by opset 18's axes.
    /// </summary>
    private float[]? ResizeScales(OnnxNode node, string resizedAxes)
    {
        int rank = _shape.Rank + 1;
        float[] ones = [.. Enumerable.Repeat(1f, rank)];
        float[]? scales = null;
        if (node.OpType == "Upsample") scales = node.TryGetAttribute("scales", out var attribute) ? attribute.GetFloats() : Constant(node, 1).Floats;
        else
        {
            if (node.Inputs.Count == 2) scales = Constant(node, 1).Floats;
            if (node.Inputs.Count > 2 && node.Inputs[2].Length > 0) scales = Constant(node, 2).Floats;
            if ((scales is null || scales.Length == 0) && node.Inputs.Count > 3 && node.Inputs[3].Length > 0)
            {
                long[] extents = [OnnxShapeFolding.Batch, .. Enumerable.Range(0, _shape.Rank).Select(axis => (long)_shape[axis])];
                var sizes = OnEveryAxis(node, Constant(node, 3).Longs ?? throw new NotSupportedException($"{Describe(node)}: sizes must be int64."), extents);
                if (sizes.Length != rank || sizes[1] != _shape[0] || (sizes[0] != OnnxShapeFolding.Batch && sizes[0] != _fixedBatch))
                    throw new NotSupportedException($"{Describe(node)}: sizes [{string.Join(", ", sizes.Select(d => d == OnnxShapeFolding.Batch ? "N" : d.ToString(CultureInfo.InvariantCulture)))}] " +
                        $"must keep the batch and the {_shape[0]} channels and resize only {resizedAxes}.");
                return [1, 1, .. Enumerable.Range(2, rank - 2).Select(axis => (float)sizes[axis] / _shape[axis - 1])];
            }
        }
        return scales is null ? null : OnEveryAxis(node, scales, ones);
    }

    /// <summary>
    /// A Resize's scales or sizes over every axis of its input: as given, or, under opset 18's axes, placed on the axes named
    /// (in the order named, negative counting from the end) with <paramref name="unchanged"/>'s values on the others, so
    /// that the checks after read them axis by axis whatever the order the file names them in.
    /// </summary>
    private static T[] OnEveryAxis<T>(OnnxNode node, T[] values, T[] unchanged)
    {
        if (!node.TryGetAttribute("axes", out var attribute)) return values;
        long[] axes = attribute.GetInts();
        int rank = unchanged.Length;
        if (axes.Length != values.Length)
            throw new NotSupportedException($"{Describe(node)}: axes [{string.Join(", ", axes)}] name {axes.Length} axes for {values.Length} scales or sizes.");
        var result = (T[])unchanged.Clone();
        var named = new bool[rank];
        for (int i = 0; i < axes.Length; i++)
        {
            long axis = axes[i] < 0 ? axes[i] + rank : axes[i];
            if (axis < 0 || axis >= rank || named[axis])
                throw new NotSupportedException($"{Describe(node)}: axes [{string.Join(", ", axes)}] are not distinct axes of its rank-{rank} input.");
            named[axis] = true;
            result[axis] = values[i];
        }
        return result;
    }

    private static string Transform(OnnxNode node) => String(node, "coordinate_transformation_mode", node.OpType == "Upsample" ? "asymmetric" : "half_pixel");

    private static string NearestMode(OnnxNode node) => String(node, "nearest_mode", node.OpType == "Upsample" ? "floor" : "round_prefer_floor");

    private static bool HalfPixel(OnnxNode node) => Transform(node) is "half_pixel" or "pytorch_half_pixel";

    /// <summary>
    /// Whether a Resize or Upsample in <paramref name="mode"/> by a whole factor s repeats each value over its block: nearest
    /// picks input ⌊x/s⌋ with half-pixel centres and rounding, or with asymmetric centres and floor; other pairs pick other pixels.
    /// </summary>
    private static bool RepeatsEachValue(OnnxNode node, string mode) =>
        mode == "nearest" && ((HalfPixel(node) && NearestMode(node) is "round_prefer_floor" or "round_prefer_ceil") || (Transform(node) == "asymmetric" && NearestMode(node) == "floor"));

    private static NotSupportedException NoEngineUpsampling(OnnxNode node, string mode) =>
        new($"{Describe(node)}: mode '{mode}' with coordinate_transformation_mode '{Transform(node)}' (nearest_mode '{NearestMode(node)}') has no engine upsampling.");
}
