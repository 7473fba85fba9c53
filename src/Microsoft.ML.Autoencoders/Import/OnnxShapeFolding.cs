using Microsoft.ML.Autoencoders.Engine.Specs;
using Microsoft.ML.Autoencoders.Onnx;
using Microsoft.ML.Autoencoders.Onnx.Protos;

namespace Microsoft.ML.Autoencoders;

/// <summary>
/// Works out, while the graph is read, the small int64 computations exporters put around a reshape: PyTorch writes
/// <c>x.view(x.size(0), -1)</c> with a dynamic batch as <c>Shape → Gather → Unsqueeze → Concat → Reshape</c>. The shape of
/// every tensor on the chain is known when the importer reaches it except for the batch size, so these nodes can be
/// evaluated to constants in which the batch size stands as <see cref="Batch"/>; the reshape then reads a constant target
/// whose first entry says "keep the batch".
/// </summary>
/// <remarks>
/// Folds Shape (with start/end), Gather, Unsqueeze and Squeeze (axes as attribute before opset 13, as input from it), Concat,
/// Slice (attributes before opset 10, inputs from it; any axes and steps), Cast to an integer type, Identity, ConstantOfShape, int64
/// Add/Sub/Mul/Div, and Equal and Where (booleans held as 0 and 1: PyTorch's x.expand(-1, T, -1) turns its -1s into 1s
/// with them), and Reshape and Transpose of int64 constants (PyTorch's F.pad writes its pads as ConstantOfShape → Concat →
/// Reshape → Slice backwards → Transpose → Reshape), when every input they read is known; and a float weight read through
/// Identity, Transpose, Reshape, Unsqueeze, Squeeze or Concat (a tied weight; this library's own 1-D convolution kernels and
/// recurrent W, R and B). Arithmetic on the batch size
/// itself has no constant result and is refused, naming the node.
/// </remarks>
internal sealed class OnnxShapeFolding
{
    /// <summary>Stands for the batch size (unknown until the graph runs) in a folded shape.</summary>
    public const long Batch = long.MinValue;

    private static readonly HashSet<string> Foldable = new(StringComparer.Ordinal)
    {
        "Shape", "Gather", "Unsqueeze", "Squeeze", "Concat", "Slice", "Cast", "ConstantOfShape", "Identity", "Add", "Sub", "Mul", "Div", "Transpose", "Equal", "Where",
        "Reshape",
    };

    private readonly IReadOnlyList<OnnxNode> _nodes;
    private readonly long _opset;
    private readonly Dictionary<string, (int[] Dimensions, float[]? Floats, long[]? Longs)> _constants;
    private readonly Dictionary<string, NotSupportedException> _refusals = new(StringComparer.Ordinal);

    /// <summary>Folds into <paramref name="constants"/>, which holds the graph's constants and receives what is folded.</summary>
    public OnnxShapeFolding(IReadOnlyList<OnnxNode> nodes, long opset, Dictionary<string, (int[] Dimensions, float[]? Floats, long[]? Longs)> constants)
    {
        _nodes = nodes;
        _opset = opset;
        _constants = constants;
    }

    /// <summary>Whether the importer can accept <paramref name="opType"/> as a shape computation this class folds.</summary>
    public static bool IsShapeOperator(string opType) => Foldable.Contains(opType);

    /// <summary>
    /// Records what <paramref name="shape"/> (a Shape node) gives for a chain tensor of rows <paramref name="row"/> (after a
    /// batch axis when <paramref name="batchAxis"/>), then folds every computation that has become known.
    /// </summary>
    public void ReadShape(OnnxNode shape, TensorShape row, bool batchAxis)
    {
        RecordShape(shape, batchAxis ? [Batch, .. row.Dimensions.Select(d => (long)d)] : [.. row.Dimensions.Select(d => (long)d)]);
        FoldKnown();
    }

    /// <summary>
    /// Records what <paramref name="shape"/> gives for a tensor of shape <paramref name="full"/> (the batch as
    /// <see cref="Batch"/>) that is not a row of the chain, e.g. the time-major [T, N, F] an LSTM reads, then folds.
    /// </summary>
    public void ReadShape(OnnxNode shape, long[] full)
    {
        RecordShape(shape, full);
        FoldKnown();
    }

    private void RecordShape(OnnxNode shape, long[] full)
    {
        // Opset 15's start and end clamp to the rank, as Python slices do.
        int Clamped(long v) => (int)Math.Clamp(v < 0 ? v + full.Length : v, 0, full.Length);
        int start = Clamped(shape.TryGetAttribute("start", out var s) ? s.GetInt() : 0);
        int end = Clamped(shape.TryGetAttribute("end", out var e) ? e.GetInt() : full.Length);
        long[] values = full[start..Math.Max(start, end)];
        _constants[shape.Outputs[0]] = ([values.Length], null, values);
    }

    /// <summary>
    /// Why <paramref name="tensor"/>, which a layer needs as a constant, could not be worked out (a computation with the batch
    /// size, or a form this class does not fold), naming the node that refused; false when nothing refused it.
    /// </summary>
    public bool TryGetRefusal(string tensor, out NotSupportedException refusal) => _refusals.TryGetValue(tensor, out refusal!);

    /// <summary>
    /// Folds, in graph order, every foldable node whose inputs are all known and whose output is not yet. A node that
    /// cannot be folded is not refused here but remembered (<see cref="TryGetRefusal"/>), with every node that reads it:
    /// the graph is refused only if a layer on the chain needs the value.
    /// </summary>
    public void FoldKnown()
    {
        foreach (var node in _nodes)
        {
            if (!Foldable.Contains(node.OpType) || node.Domain is not ("" or "ai.onnx")) continue;
            if (node.Outputs.Count == 0 || _constants.ContainsKey(node.Outputs[0]) || _refusals.ContainsKey(node.Outputs[0])) continue;
            if (node.Inputs.FirstOrDefault(n => _refusals.ContainsKey(n)) is { } refusedInput)
            {
                _refusals[node.Outputs[0]] = _refusals[refusedInput];
                continue;
            }
            if (node.OpType == "Shape")
            {
                // The shape of a constant is a constant; the shape of a chain tensor is read in ReadShape when the chain gets there.
                if (_constants.TryGetValue(node.Inputs[0], out var constant)) RecordShape(node, [.. constant.Dimensions.Select(d => (long)d)]);
                continue;
            }
            var inputs = node.Inputs.Select(n => n.Length == 0 ? default((int[], float[]?, long[]?)?) : _constants.TryGetValue(n, out var c) ? c : null).ToList();
            if (node.Inputs.Where((n, i) => n.Length > 0 && inputs[i] is null).Any()) continue;
            if (node.OpType is "Identity" or "Transpose" && inputs[0] is { Item2: { } floats } weights)
            {
                // A weight read through Identity or Transpose, as PyTorch exports a tied weight (decoder = encoderᵀ).
                if (node.OpType == "Identity") _constants[node.Outputs[0]] = weights;
                else _constants[node.Outputs[0]] = (PermutedDimensions(node, weights.Item1, out var perm), Permuted(weights.Item1, perm, floats), null);
                continue;
            }
            if (node.OpType is "Unsqueeze" or "Squeeze" && inputs[0] is { Item2: { } values } && inputs.Skip(1).All(c => c is null || c.Value.Item3 is not null))
            {
                // A weight given its direction axis, as this library exports an LSTM's or GRU's W, R and B: the axes are
                // worked out as for a shape vector's, and the values stay as they are.
                try
                {
                    var axesOnly = inputs.Select((c, i) => c is { } k ? (i == 0 ? (k.Item1, Array.Empty<long>()) : (k.Item1, k.Item3!)) : ((int[], long[])?)null).ToList();
                    _constants[node.Outputs[0]] = (Fold(node, axesOnly).Dimensions, values, null);
                }
                catch (NotSupportedException refusal)
                {
                    _refusals[node.Outputs[0]] = refusal;
                }
                continue;
            }
            if (node.OpType == "Concat" && inputs.All(c => c is { Item2: not null }))
            {
                // Weights joined, as this library exports a recurrent layer's two biases into ONNX's B.
                try
                {
                    _constants[node.Outputs[0]] = ConcatFloats(node, [.. inputs.Select(c => (c!.Value.Item1, c.Value.Item2!))]);
                }
                catch (NotSupportedException refusal)
                {
                    _refusals[node.Outputs[0]] = refusal;
                }
                continue;
            }
            if (node.OpType == "Reshape" && inputs[0] is { Item2: { } kernel } && inputs[1] is { Item3: { } target })
            {
                // A weight reshaped, as this library exports a 1-D convolution's kernel ([F, C, 1, k] stored, [F, C, k] read).
                try
                {
                    _constants[node.Outputs[0]] = (ReshapedDimensions(node, inputs[0]!.Value.Item1, kernel.Length, target), kernel, null);
                }
                catch (NotSupportedException refusal)
                {
                    _refusals[node.Outputs[0]] = refusal;
                }
                continue;
            }
            // A float computation on constants is not a shape: leave it for the layer that reads it (Add/Sub of a row).
            // ConstantOfShape's input is an int64 shape by the spec; a float one is left for the importer to name.
            if (inputs.Any(c => c is { } k && k.Item3 is null)) continue;
            try
            {
                _constants[node.Outputs[0]] = Fold(node, inputs.Select(c => c is { } k ? (k.Item1, k.Item3!) : ((int[], long[])?)null).ToList());
            }
            catch (NotSupportedException refusal)
            {
                _refusals[node.Outputs[0]] = refusal;
            }
        }
    }

    /// <summary>ONNX's Concat of float constants along the node's axis: every input the same rank and sizes but on that axis.</summary>
    private static (int[], float[]?, long[]?) ConcatFloats(OnnxNode node, List<(int[] Dims, float[] Values)> parts)
    {
        int rank = parts[0].Dims.Length;
        if (rank == 0 || !node.TryGetAttribute("axis", out var a))
            throw new NotSupportedException($"{OnnxNetworkImporter.Describe(node)}: a Concat needs an axis and inputs of rank 1 or more.");
        int axis = (int)Axis(node, a.GetInt(), rank);
        if (parts.Any(p => p.Dims.Length != rank || p.Dims.Where((d, i) => i != axis && d != parts[0].Dims[i]).Any()))
            throw new NotSupportedException($"{OnnxNetworkImporter.Describe(node)}: the inputs differ in rank or in a size off the axis {axis}.");
        int outer = parts[0].Dims.Take(axis).Aggregate(1, (x, y) => x * y), inner = parts[0].Dims.Skip(axis + 1).Aggregate(1, (x, y) => x * y);
        var dims = (int[])parts[0].Dims.Clone();
        dims[axis] = parts.Sum(p => p.Dims[axis]);
        var joined = new float[parts.Sum(p => p.Values.Length)];
        int at = 0;
        for (int o = 0; o < outer; o++)
            foreach (var (partDims, values) in parts)
            {
                int chunk = partDims[axis] * inner;
                Array.Copy(values, o * chunk, joined, at, chunk);
                at += chunk;
            }
        return (dims, joined, null);
    }

    /// <summary>The node's perm (reversed axes when it has none) and the dimensions it gives <paramref name="dims"/>, per ONNX's Transpose.</summary>
    private static int[] PermutedDimensions(OnnxNode node, int[] dims, out int[] perm)
    {
        int rank = dims.Length;
        int[] order = node.TryGetAttribute("perm", out var p) ? [.. p.GetInts().Select(a => (int)a)] : [.. Enumerable.Range(0, rank).Reverse()];
        if (order.Length != rank || order.Distinct().Count() != rank || order.Any(a => a < 0 || a >= rank))
            throw new NotSupportedException($"{OnnxNetworkImporter.Describe(node)}: perm [{string.Join(", ", order)}] is not a permutation of {rank} axes.");
        perm = order;
        return [.. order.Select(a => dims[a])];
    }

    /// <summary>A constant of <paramref name="dims"/> with its axes permuted by <paramref name="perm"/>.</summary>
    private static T[] Permuted<T>(int[] dims, int[] perm, T[] values)
    {
        int rank = dims.Length;
        int[] outDims = [.. perm.Select(a => dims[a])];
        var inStrides = new int[rank];
        for (int a = rank - 1, stride = 1; a >= 0; stride *= dims[a], a--) inStrides[a] = stride;
        var result = new T[values.Length];
        var index = new int[rank]; // the output's multi-index, counted in row-major order
        for (int i = 0; i < result.Length; i++)
        {
            int source = 0;
            for (int a = 0; a < rank; a++) source += index[a] * inStrides[perm[a]];
            result[i] = values[source];
            for (int a = rank - 1; a >= 0 && ++index[a] == outDims[a]; a--) index[a] = 0;
        }
        return result;
    }

    private (int[] Dimensions, float[]? Floats, long[]? Longs) Fold(OnnxNode node, List<(int[] Dims, long[] Values)?> inputs)
    {
        var x = inputs[0]!.Value;
        switch (node.OpType)
        {
            case "Identity":
                return (x.Dims, null, x.Values);
            case "Cast":
                var to = (TensorProto.Types.DataType)node.GetAttribute("to").GetInt();
                if (to is not (TensorProto.Types.DataType.Int64 or TensorProto.Types.DataType.Int32))
                    throw new NotSupportedException($"{OnnxNetworkImporter.Describe(node)}: a shape cast to {to} has no use in an engine layer.");
                return (x.Dims, null, x.Values);
            case "Gather":
                return Gather(node, x, inputs[1]!.Value);
            case "Unsqueeze":
            {
                var axes = AxesOf(node, inputs);
                int rank = x.Dims.Length + axes.Length;
                var normalized = axes.Select(a => (int)Axis(node, a, rank)).ToHashSet();
                if (normalized.Count != axes.Length)
                    throw new NotSupportedException($"{OnnxNetworkImporter.Describe(node)} names an axis twice, which the ONNX spec does not allow.");
                var dims = new List<int>();
                for (int i = 0, j = 0; i < rank; i++) dims.Add(normalized.Contains(i) ? 1 : x.Dims[j++]);
                return ([.. dims], null, x.Values);
            }
            case "Squeeze":
            {
                var axes = AxesOf(node, inputs).Select(a => (int)Axis(node, a, x.Dims.Length)).ToHashSet();
                if (axes.Any(a => x.Dims[a] != 1))
                    throw new NotSupportedException($"{OnnxNetworkImporter.Describe(node)} squeezes an axis whose size is not 1.");
                return ([.. x.Dims.Where((d, i) => axes.Count == 0 ? d != 1 : !axes.Contains(i))], null, x.Values);
            }
            case "Concat":
                if (inputs.Any(i => i!.Value.Dims.Length != 1))
                    throw new NotSupportedException($"{OnnxNetworkImporter.Describe(node)}: only 1-D shape vectors are concatenated at import.");
                long[] joined = [.. inputs.SelectMany(i => i!.Value.Values)];
                return ([joined.Length], null, joined);
            case "Slice":
                return Slice(node, x, inputs);
            case "ConstantOfShape":
                return ConstantOfShape(node, x.Values);
            case "Equal":
                return Elementwise(node, x, inputs[1]!.Value, (l, r) => l == r ? 1 : 0);
            case "Where":
                return Where(node, x, inputs[1]!.Value, inputs[2]!.Value);
            case "Transpose":
                return (PermutedDimensions(node, x.Dims, out var perm), null, Permuted(x.Dims, perm, x.Values));
            case "Reshape":
                return Reshape(node, x, inputs[1]!.Value.Values);
            default: // Add, Sub, Mul, Div
                return Arithmetic(node, x, inputs[1]!.Value);
        }
    }

    private static (int[], float[]?, long[]?) Gather(OnnxNode node, (int[] Dims, long[] Values) data, (int[] Dims, long[] Values) indices)
    {
        if (data.Dims.Length != 1 || (node.TryGetAttribute("axis", out var a) && a.GetInt() is not (0 or -1)))
            throw new NotSupportedException($"{OnnxNetworkImporter.Describe(node)}: only a gather from a 1-D shape vector is folded at import.");
        long[] picked = [.. indices.Values.Select(i => data.Values[(int)Axis(node, i, data.Values.Length)])];
        return (indices.Dims, null, picked);
    }

    /// <summary>ONNX's Slice of an int64 constant of any rank: per sliced axis a start, an end and a step (negative runs backwards).</summary>
    private (int[], float[]?, long[]?) Slice(OnnxNode node, (int[] Dims, long[] Values) data, List<(int[] Dims, long[] Values)?> inputs)
    {
        long[]? Part(int index, string attribute) =>
            _opset < 10 ? (node.TryGetAttribute(attribute, out var a) ? a.GetInts() : null)
            : inputs.Count > index && inputs[index] is { } v ? v.Values : null;
        int rank = data.Dims.Length;
        long[] starts = Part(1, "starts") ?? throw new NotSupportedException($"{OnnxNetworkImporter.Describe(node)} has no starts.");
        long[] ends = Part(2, "ends") ?? throw new NotSupportedException($"{OnnxNetworkImporter.Describe(node)} has no ends.");
        long[] axes = Part(3, "axes") ?? [.. Enumerable.Range(0, starts.Length).Select(a => (long)a)];
        long[] steps = (_opset < 10 ? null : Part(4, "steps")) ?? [.. starts.Select(_ => 1L)];
        if (ends.Length != starts.Length || axes.Length != starts.Length || steps.Length != starts.Length || steps.Contains(0))
            throw new NotSupportedException($"{OnnxNetworkImporter.Describe(node)}: starts, ends, axes and steps must be as many, the steps not 0.");
        // Each output axis reads first + i·step of the input's axis, for i below count.
        var first = new long[rank];
        var step = Enumerable.Repeat(1L, rank).ToArray();
        var count = data.Dims.Select(d => (long)d).ToArray();
        for (int i = 0; i < axes.Length; i++)
        {
            int axis = (int)Axis(node, axes[i], rank);
            long n = data.Dims[axis], s = steps[i];
            long start = starts[i] < 0 ? starts[i] + n : starts[i], end = ends[i] < 0 ? ends[i] + n : ends[i];
            (start, end) = s > 0 ? (Math.Clamp(start, 0, n), Math.Clamp(end, 0, n)) : (Math.Clamp(start, 0, n - 1), Math.Clamp(end, -1, n - 1));
            first[axis] = start;
            step[axis] = s;
            count[axis] = Math.Max(0, s > 0 ? (end - start + s - 1) / s : (start - end - s - 1) / -s);
        }
        var strides = new long[rank];
        for (int a = rank - 1, stride = 1; a >= 0; stride *= data.Dims[a], a--) strides[a] = stride;
        long total = count.Aggregate(1L, (a, b) => a * b);
        var values = new long[total];
        var index = new long[rank];
        for (long i = 0; i < total; i++)
        {
            long source = 0;
            for (int a = 0; a < rank; a++) source += (first[a] + index[a] * step[a]) * strides[a];
            values[i] = data.Values[source];
            for (int a = rank - 1; a >= 0 && ++index[a] == count[a]; a--) index[a] = 0;
        }
        return ([.. count.Select(c => (int)c)], null, values);
    }

    /// <summary>An int64 constant given another shape: 0 keeps the axis, one -1 takes what is left.</summary>
    private static (int[], float[]?, long[]?) Reshape(OnnxNode node, (int[] Dims, long[] Values) data, long[] shape) =>
        (ReshapedDimensions(node, data.Dims, data.Values.Length, shape), null, data.Values);

    /// <summary>The dimensions ONNX's Reshape gives <paramref name="count"/> values of <paramref name="dims"/> for target <paramref name="shape"/>.</summary>
    private static int[] ReshapedDimensions(OnnxNode node, int[] dims, int count, long[] shape)
    {
        bool allowZero = node.TryGetAttribute("allowzero", out var z) && z.GetInt() != 0;
        var result = new int[shape.Length];
        int inferred = -1, known = 1;
        for (int i = 0; i < shape.Length; i++)
        {
            if (shape[i] == -1) { inferred = i; continue; }
            result[i] = shape[i] == 0 && !allowZero ? dims.ElementAtOrDefault(i) : (int)shape[i];
            known *= result[i];
        }
        if (inferred >= 0) result[inferred] = known == 0 ? 0 : count / known;
        if (result.Aggregate(1L, (a, b) => a * b) != count || result.Any(d => d < 0))
            throw new NotSupportedException($"{OnnxNetworkImporter.Describe(node)}: shape [{string.Join(", ", shape)}] does not hold the {count} values it reshapes.");
        return result;
    }

    private static (int[], float[]?, long[]?) ConstantOfShape(OnnxNode node, long[] shape)
    {
        if (shape.Contains(Batch)) throw new NotSupportedException($"{OnnxNetworkImporter.Describe(node)}: a tensor as large as the batch has no engine layer.");
        int[] dims = [.. shape.Select(d => (int)d)];
        int count = dims.Aggregate(1, (a, b) => a * b);
        if (!node.TryGetAttribute("value", out var attribute) || attribute.Proto.T is not { } tensor) return (dims, new float[count], null);
        return (TensorProto.Types.DataType)tensor.DataType switch
        {
            TensorProto.Types.DataType.Float => (dims, Enumerable.Repeat(OnnxTensorData.ReadFloats(tensor, 1)[0], count).ToArray(), null),
            TensorProto.Types.DataType.Int64 => (dims, null, Enumerable.Repeat(OnnxTensorData.ReadInt64s(tensor, 1)[0], count).ToArray()),
            var other => throw new NotSupportedException($"{OnnxNetworkImporter.Describe(node)}: a constant of {other} has no use in an engine layer."),
        };
    }

    private static (int[], float[]?, long[]?) Arithmetic(OnnxNode node, (int[] Dims, long[] Values) a, (int[] Dims, long[] Values) b)
    {
        if (a.Values.Contains(Batch) || b.Values.Contains(Batch))
            throw new NotSupportedException($"{OnnxNetworkImporter.Describe(node)} computes with the batch size, which is only known when " +
                "the graph runs; the engine's layers need every per-row size fixed at import.");
        if (a.Values.Length != b.Values.Length && a.Values.Length != 1 && b.Values.Length != 1)
            throw new NotSupportedException(
                $"{OnnxNetworkImporter.Describe(node)}: shape arithmetic on vectors of {a.Values.Length} and {b.Values.Length} values does not broadcast.");
        int n = Math.Max(a.Values.Length, b.Values.Length);
        long[] result = new long[n];
        for (int i = 0; i < n; i++)
        {
            long l = a.Values[a.Values.Length == 1 ? 0 : i], r = b.Values[b.Values.Length == 1 ? 0 : i];
            if (node.OpType == "Div" && r == 0) throw new NotSupportedException($"{OnnxNetworkImporter.Describe(node)} divides a shape by zero.");
            result[i] = node.OpType switch { "Add" => l + r, "Sub" => l - r, "Mul" => l * r, _ => l / r };
        }
        return (a.Values.Length >= b.Values.Length ? a.Dims : b.Dims, null, result);
    }

    /// <summary>
    /// <paramref name="pick"/> of two equal-length vectors (or one against a single value). The batch size compares
    /// equal only to itself: whether it equals a number is not known until the graph runs.
    /// </summary>
    private static (int[], float[]?, long[]?) Elementwise(OnnxNode node, (int[] Dims, long[] Values) a, (int[] Dims, long[] Values) b, Func<long, long, long> pick)
    {
        if (a.Values.Length != b.Values.Length && a.Values.Length != 1 && b.Values.Length != 1)
            throw new NotSupportedException($"{OnnxNetworkImporter.Describe(node)}: vectors of {a.Values.Length} and {b.Values.Length} values do not broadcast.");
        int n = Math.Max(a.Values.Length, b.Values.Length);
        long[] result = new long[n];
        for (int i = 0; i < n; i++)
        {
            long l = a.Values[a.Values.Length == 1 ? 0 : i], r = b.Values[b.Values.Length == 1 ? 0 : i];
            if ((l == Batch) != (r == Batch))
                throw new NotSupportedException($"{OnnxNetworkImporter.Describe(node)} compares the batch size with a number, which is only known when the graph runs.");
            result[i] = pick(l, r);
        }
        return (a.Values.Length >= b.Values.Length ? a.Dims : b.Dims, null, result);
    }

    /// <summary>ONNX's Where on shape vectors: the condition's nonzero entries pick from the first, the others from the second.</summary>
    private static (int[], float[]?, long[]?) Where(OnnxNode node, (int[] Dims, long[] Values) condition, (int[] Dims, long[] Values) x, (int[] Dims, long[] Values) y)
    {
        int n = new[] { condition.Values.Length, x.Values.Length, y.Values.Length }.Max();
        if (new[] { condition.Values.Length, x.Values.Length, y.Values.Length }.Any(length => length != n && length != 1))
            throw new NotSupportedException($"{OnnxNetworkImporter.Describe(node)}: vectors of {condition.Values.Length}, {x.Values.Length} and {y.Values.Length} values do not broadcast.");
        static long At(long[] values, int i) => values[values.Length == 1 ? 0 : i];
        long[] result = new long[n];
        for (int i = 0; i < n; i++) result[i] = At(condition.Values, i) != 0 ? At(x.Values, i) : At(y.Values, i);
        return ([n], null, result);
    }

    /// <summary>Unsqueeze's and Squeeze's axes: an attribute before opset 13, an input from it.</summary>
    private long[] AxesOf(OnnxNode node, List<(int[] Dims, long[] Values)?> inputs) =>
        node.TryGetAttribute("axes", out var attribute) ? attribute.GetInts()
        : inputs.Count > 1 && inputs[1] is { } axes ? axes.Values
        : node.OpType == "Squeeze" ? []
        : throw new NotSupportedException($"{OnnxNetworkImporter.Describe(node)} names no axes.");

    /// <summary><paramref name="axis"/> (negative counts from the end) as an index below <paramref name="count"/>.</summary>
    private static long Axis(OnnxNode node, long axis, long count)
    {
        long normalized = axis < 0 ? axis + count : axis;
        if (normalized < 0 || normalized >= count)
            throw new NotSupportedException($"{OnnxNetworkImporter.Describe(node)}: index {axis} is outside the {count} it indexes.");
        return normalized;
    }
}
