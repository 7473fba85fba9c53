using Microsoft.ML.Autoencoders.Engine.Kernels;
using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Onnx;

namespace Microsoft.ML.Autoencoders;

/// <summary>
/// How the paddings ONNX writes for convolutions map to the engine's (<see cref="Conv2dPadding"/>): a convolution's output
/// is fixed by where its first window starts on each axis and how many windows there are, so any ONNX padding that gives
/// the same start and count as the engine's "same", "valid", equal or causal padding computes the same thing (extra zeros
/// at the end that no window reaches change nothing), and any other becomes the engine's per-side explicit pads
/// (<see cref="Conv1dPads"/>, <see cref="Conv2dPads"/>) with as few zeros at the end as give the same windows. This is
/// what lets a Pad of zeros in front of a Conv (Keras' ZeroPadding2D, nn.ZeroPad2d, F.pad, PyTorch's causal
/// <c>F.pad(x, (k − 1, 0))</c>) fold into the convolution, and a ConvTranspose given by output_shape, auto_pad or unequal
/// pads become the engine's transposed convolution.
/// </summary>
internal sealed partial class OnnxNetworkImporter
{
    /// <summary>A Pad node: folded into the one Conv or AveragePool that reads it; the engine has no padding layer of its own.</summary>
    private string AddPad(OnnxNode pad)
    {
        var reader = _consumerIndex.SoleReader(pad.Outputs[0]);
        if (reader?.OpType == "AveragePool") return AddPaddedAveragePool(pad, reader);
        if (reader?.OpType == "Conv")
        {
            var zeros = ZeroPads(pad, "a Conv");
            return IsSequence ? AddConv1d(reader, zeros) : AddConv(reader, zeros);
        }
        throw new NotSupportedException($"{Describe(pad)} pads the rows for another node than one Conv or AveragePool " +
            $"({(reader is null ? "several nodes or a graph output" : Describe(reader))}); the engine has no padding layer of its own, " +
            "so a Pad imports only folded into the convolution or average pooling that alone reads it.");
    }

    /// <summary>
    /// The zeros <paramref name="pad"/> puts before and after each axis of the image or sequence (height and width, or
    /// length), refusing any other padding: another mode or value, padding of the batch or channels, cropping.
    /// </summary>
    private (long Before, long After)[] ZeroPads(OnnxNode pad, string reader)
    {
        if (!_batchAxis || _shape.Rank is not (2 or 3))
            throw new NotSupportedException($"{Describe(pad)} pads rows of shape {_shape}{(_batchAxis ? "" : " with no batch axis")}; only images [N, C, H, W] and sequences [N, C, L] fold into {reader}.");
        string mode = String(pad, "mode", "constant");
        if (mode != "constant")
            throw new NotSupportedException($"{Describe(pad)}: mode '{mode}' pads with the rows' own values (mirrored, repeated or wrapped around), not zeros; the engine's layers pad with zeros only.");
        if ((pad.Inputs.Count > 2 && pad.Inputs[2].Length > 0 && Constant(pad, 2).Floats is not [0f]) || Float(pad, "value", 0f) != 0f)
            throw new NotSupportedException($"{Describe(pad)}: pads with a value other than 0, which no engine layer does.");
        long[] given = pad.TryGetAttribute("pads", out var attribute) ? attribute.GetInts() // before opset 11
            : Constant(pad, 1).Longs ?? throw new NotSupportedException($"{Describe(pad)}: the pads must be int64.");
        int rank = _shape.Rank + 1;
        long[] pads = given;
        if (pad.Inputs.Count > 3 && pad.Inputs[3].Length > 0)
        {
            // Opset 18's axes input: the pads are for those axes only (begins, then ends), the rest unpadded.
            var axes = Constant(pad, 3).Longs ?? throw new NotSupportedException($"{Describe(pad)}: the axes must be int64.");
            if (given.Length != 2 * axes.Length)
                throw new NotSupportedException($"{Describe(pad)}: {given.Length} pads for {axes.Length} axes.");
            pads = new long[2 * rank];
            for (int i = 0; i < axes.Length; i++)
            {
                long axis = axes[i] < 0 ? axes[i] + rank : axes[i];
                if (axis < 0 || axis >= rank) throw new NotSupportedException($"{Describe(pad)}: axis {axes[i]} is outside a tensor of rank {rank}.");
                pads[axis] = given[i];
                pads[axis + rank] = given[i + axes.Length];
            }
        }
        string shown = $"pads [{string.Join(", ", given)}]";
        if (pads.Length != 2 * rank)
            throw new NotSupportedException($"{Describe(pad)}: {shown} do not have two values for each of the {rank} axes of [N, {(rank == 4 ? "C, H, W" : "C, L")}].");
        if (pads[0] != 0 || pads[1] != 0 || pads[rank] != 0 || pads[rank + 1] != 0)
            throw new NotSupportedException($"{Describe(pad)}: {shown} pad the batch or channel axis; only the {(rank == 4 ? "image's height and width" : "sequence's length")} can fold into {reader}.");
        if (pads.Any(p => p < 0))
            throw new NotSupportedException($"{Describe(pad)}: {shown} are negative somewhere, which crops the rows; no engine layer crops.");
        return [.. Enumerable.Range(2, rank - 2).Select(axis => (pads[axis], pads[axis + rank]))];
    }

    /// <summary>
    /// The engine's padding for a Conv (<paramref name="node"/>) over <paramref name="sizes"/> (height and width, or the
    /// length), after the zeros <paramref name="padded"/> of a Pad in front of it (none: null): the mode whose windows start
    /// and end where the graph's do, else per-side pads (<c>Sides</c>, each axis's zeros before and after).
    /// </summary>
    private (Conv2dPadding Padding, int Explicit, (int Before, int After)[]? Sides) ConvPadding(OnnxNode node, int[] sizes, int kernel, int stride, int dilation, (long Before, long After)[]? padded)
    {
        int rank = sizes.Length;
        padded ??= new (long, long)[rank];
        string autoPad = String(node, "auto_pad", "NOTSET");
        long[] pads = node.TryGetAttribute("pads", out var attribute) ? attribute.GetInts() : new long[2 * rank];
        if (autoPad == "NOTSET" && pads.Length != 2 * rank)
            throw new NotSupportedException($"{Describe(node)}: pads must have {2 * rank} values for a {rank}-D convolution.");
        long reach = dilation * (kernel - 1) + 1;
        var windows = new (long Start, long Count)[rank];
        for (int i = 0; i < rank; i++)
        {
            long size = sizes[i] + padded[i].Before + padded[i].After;
            (long before, long after) = autoPad switch
            {
                "NOTSET" => (pads[i], pads[i + rank]),
                "VALID" => (0, 0),
                // ceil(size / stride) windows; an odd total's extra zero at the end (UPPER) or the start (LOWER).
                "SAME_UPPER" or "SAME_LOWER" => SamePads(size, kernel, stride, dilation, lower: autoPad == "SAME_LOWER"),
                _ => throw new NotSupportedException($"{Describe(node)}: auto_pad {autoPad} is not an ONNX padding."),
            };
            if (size + before + after < reach)
                throw new NotSupportedException($"{Describe(node)}: a kernel of {kernel} (dilation {dilation}) does not fit {size + before + after} padded values.");
            windows[i] = (padded[i].Before + before, (size + before + after - reach) / stride + 1);
        }

        (long Start, long Count) Equal(int i, long p) => (p, (sizes[i] + 2 * p - reach) / stride + 1);
        (long Start, long Count) Same(int i) => (ConvGeometry.SamePadding(sizes[i], kernel, stride, dilation).Before, (sizes[i] + stride - 1) / stride);
        bool equal = Enumerable.Range(0, rank).All(i => sizes[i] + 2 * windows[0].Start >= reach && windows[i] == Equal(i, windows[0].Start));
        bool same = Enumerable.Range(0, rank).All(i => windows[i] == Same(i));
        // Where both fit (a stride-1 kernel of 3 padded by 1), the graph's own form: "same" when it says auto_pad SAME_*.
        if (same && (autoPad is "SAME_UPPER" or "SAME_LOWER" || !equal)) return (Conv2dPadding.Same, 0, null);
        if (equal) return windows[0].Start == 0 ? (Conv2dPadding.Valid, 0, null) : (Conv2dPadding.Explicit, (int)windows[0].Start, null);
        // Keras' Conv1D "causal" and PyTorch's F.pad(x, (dilation·(k − 1), 0)): every zero before the sequence.
        if (rank == 1 && windows[0] == (reach - 1, (sizes[0] - 1) / stride + 1)) return (Conv2dPadding.Causal, 0, null);
        // Anything else: the start as given, and the fewest zeros at the end that still give the graph's windows.
        var sides = new (int Before, int After)[rank];
        for (int i = 0; i < rank; i++)
            sides[i] = ((int)windows[i].Start, (int)Math.Max(0, (windows[i].Count - 1) * stride + reach - sizes[i] - windows[i].Start));
        return (Conv2dPadding.Explicit, 0, sides);
    }

    /// <summary>The engine's per-side pads of a sequence, from <see cref="ConvPadding"/>'s sides.</summary>
    private static Conv1dPads? SequencePads((int Before, int After)[]? sides) => sides is null ? null : new Conv1dPads(sides[0].Before, sides[0].After);

    /// <summary>The engine's per-side pads of an image (ONNX's order: top, left, bottom, right), from <see cref="ConvPadding"/>'s sides.</summary>
    private static Conv2dPads? ImagePads((int Before, int After)[]? sides) =>
        sides is null ? null : new Conv2dPads(sides[0].Before, sides[1].Before, sides[0].After, sides[1].After);

    /// <summary>
    /// The engine's padding for a ConvTranspose (<paramref name="node"/>) over <paramref name="sizes"/>: ONNX fixes each
    /// axis's output by how many of the full result's first positions it drops and how many it keeps, from pads (and
    /// output_padding), from output_shape, or from auto_pad (an output of size × stride); the engine's "same", "valid" and
    /// equal padding (with an output padding below the stride) each drop and keep their own.
    /// </summary>
    /// <remarks>
    /// Where output_shape or auto_pad leaves an odd number of positions to drop, the extra one is dropped at the end for
    /// SAME_UPPER and at the start otherwise (NOTSET with output_shape, SAME_LOWER), as the operator text says and ONNX
    /// Runtime computes (older ONNX Runtime releases had it the other way round). Keras' Conv2DTranspose(3, strides=2,
    /// padding="same") written with output_shape so drops its first position, which the engine's equal padding of 1 with an
    /// output padding of 1 also does.
    /// </remarks>
    private (Conv2dPadding Padding, int Explicit, int OutputPadding, (int Before, int After)[]? Sides) TransposedConvPadding(OnnxNode node, int[] sizes, int kernel, int stride, int dilation, int outputPadding)
    {
        int rank = sizes.Length;
        string autoPad = String(node, "auto_pad", "NOTSET");
        if (autoPad is not ("NOTSET" or "VALID" or "SAME_UPPER" or "SAME_LOWER"))
            throw new NotSupportedException($"{Describe(node)}: auto_pad {autoPad} is not an ONNX padding.");
        long[]? outputShape = node.TryGetAttribute("output_shape", out var shapeAttribute) ? shapeAttribute.GetInts() : null;
        if (outputShape is { Length: var n } && n != rank && n != rank + 2)
            throw new NotSupportedException($"{Describe(node)}: output_shape [{string.Join(", ", outputShape)}] has neither {rank} nor {rank + 2} values.");
        long[] pads = node.TryGetAttribute("pads", out var attribute) ? attribute.GetInts() : new long[2 * rank];
        if (outputShape is null && autoPad == "NOTSET" && pads.Length != 2 * rank)
            throw new NotSupportedException($"{Describe(node)}: pads must have {2 * rank} values for a {rank}-D transposed convolution.");
        long reach = dilation * (kernel - 1) + 1;
        var windows = new (long Dropped, long Kept)[rank];
        for (int i = 0; i < rank; i++)
        {
            long full = (sizes[i] - 1L) * stride + reach + outputPadding;
            long before, kept;
            if (outputShape != null || autoPad is "SAME_UPPER" or "SAME_LOWER")
            {
                kept = outputShape is null ? (long)sizes[i] * stride : outputShape[outputShape.Length - rank + i];
                long total = Math.Max(full - kept, 0);
                before = autoPad == "SAME_UPPER" ? total / 2 : total - total / 2;
            }
            else
            {
                (before, long after) = autoPad == "VALID" ? (0, 0) : (pads[i], pads[i + rank]);
                kept = full - before - after;
            }
            if (kept <= 0 || before < 0)
                throw new NotSupportedException($"{Describe(node)}: its padding leaves no output over {string.Join("×", sizes)}.");
            windows[i] = (before, kept);
        }

        // Equal padding p keeps (size − 1)·stride + reach − 2p + outputPadding, the output padding below the stride.
        long p = windows[0].Dropped, extra = windows[0].Kept - ((sizes[0] - 1L) * stride + reach - 2 * p);
        bool equal = extra >= 0 && extra < stride && Enumerable.Range(0, rank).All(i => windows[i] == (p, (sizes[i] - 1L) * stride + reach - 2 * p + extra));
        bool same = Enumerable.Range(0, rank).All(i => windows[i] == (ConvGeometry.SamePadding(sizes[i] * stride, kernel, stride, dilation).Before, (long)sizes[i] * stride));
        if (same && (autoPad is "SAME_UPPER" or "SAME_LOWER" || outputShape != null || !equal)) return (Conv2dPadding.Same, 0, 0, null);
        if (equal) return (p == 0 ? Conv2dPadding.Valid : Conv2dPadding.Explicit, (int)p, (int)extra, null);

        // Per side: drop the same first positions, keep as many. An axis whose full output (without output padding) is
        // shorter than what it keeps takes an output padding, which the engine shares between the axes, so the others
        // drop that much more at their end.
        var dropAtEnd = new long[rank];
        for (int i = 0; i < rank; i++) dropAtEnd[i] = (sizes[i] - 1L) * stride + reach - windows[i].Dropped - windows[i].Kept;
        long shared = Math.Max(0, -dropAtEnd.Min());
        if (shared >= stride)
        {
            string what = outputShape != null ? $"output_shape [{string.Join(", ", outputShape)}]" : autoPad != "NOTSET" ? $"auto_pad {autoPad}" : $"pads [{string.Join(", ", pads)}]";
            throw new NotSupportedException($"{Describe(node)}: {what}{(outputPadding > 0 ? $" with output_padding {outputPadding}" : "")} over {string.Join("×", sizes)} " +
                $"keeps [{string.Join(", ", windows.Select(w => w.Kept))}] positions, {shared} more than the full output has; the engine's output padding stays below the stride {stride}.");
        }
        var sides = new (int Before, int After)[rank];
        for (int i = 0; i < rank; i++) sides[i] = ((int)windows[i].Dropped, (int)(dropAtEnd[i] + shared));
        return (Conv2dPadding.Explicit, 0, (int)shared, sides);
    }

    /// <summary>ONNX's SAME_UPPER (or SAME_LOWER) pads of a convolution over <paramref name="size"/> values.</summary>
    private static (long Before, long After) SamePads(long size, int kernel, int stride, int dilation, bool lower)
    {
        var (before, after) = ConvGeometry.SamePadding((int)size, kernel, stride, dilation);
        return lower ? (after, before) : (before, after);
    }
}
