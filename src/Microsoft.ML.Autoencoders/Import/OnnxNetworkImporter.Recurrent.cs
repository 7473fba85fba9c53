using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Specs;
using Microsoft.ML.Autoencoders.Onnx;
using Microsoft.ML.Autoencoders.Onnx.Protos;

namespace Microsoft.ML.Autoencoders;

/// <summary>
/// The sequence autoencoder PyTorch writes over windows [N, T, F] (nn.LSTM or nn.GRU with batch_first=True, the last
/// hidden state as the code, the code repeated over the steps into a decoder, an nn.Linear per step), as the engine's
/// <see cref="LstmSpec"/> or <see cref="GruSpec"/>, <see cref="RepeatVectorSpec"/> and <see cref="TimeDistributedDenseSpec"/>.
/// </summary>
/// <remarks>
/// <para>torch.onnx.export writes a batch-first recurrent module as Transpose(perm 1, 0, 2) → LSTM/GRU (time-major, one
/// direction axis), its states Y [T, 1, N, H] back as Squeeze(axis 1) → Transpose(perm 1, 0, 2), its last state Y_h
/// [1, N, H] as h_n[-1], a Gather (axis 0); output[:, -1] is a Gather (axis 1) of the states. ONNX's gates are already the
/// engine's order (LSTM i, o, f, c; GRU z, r, h: the exporter reorders PyTorch's i, f, g, o and r, z, n), so W [1, G, F]
/// and R [1, G, H] are only transposed to the engine's [in, G]. The LSTM's two biases add into its one; the GRU keeps
/// both, since its reset gate multiplies the recurrent product with its bias (linear_before_reset = 1, PyTorch's form).
/// The zero initial state PyTorch passes when none is given (ConstantOfShape, or a 0 expanded to [1, N, H]) is the
/// engine's start from zeros.</para>
/// <para>x.unsqueeze(1).repeat(1, T, 1) is Unsqueeze → (a no-op Expand) → Tile [1, T, 1]; x.unsqueeze(1).expand(-1, T, -1)
/// is Unsqueeze → Expand [1, T, 1] (its -1s turned into 1s by Equal and Where, which the shape folding works out). nn.Linear
/// over a sequence is MatMul with [H, F'] then Add(bias, ·), which is a dense layer on every step. nn.LSTM(num_layers=L)
/// is L nodes, each reading the squeezed time-major states of the one before, h_n the Concat of their Y_h: L engine layers,
/// every one but the last giving every state.</para>
/// <para>Refused, naming what differs: bidirectional or reverse recurrences, the code taken from the cell state c_n, an
/// initial state given to the module, clipping, coupled input and forget gates, peepholes, other gate activations,
/// sequence_lens, and the GRU's linear_before_reset = 0.</para>
/// </remarks>
internal sealed partial class OnnxNetworkImporter
{
    /// <summary>Whether an Unsqueeze has put a step axis before the flat row ([W] read as [1, W]), for a Tile or Expand to repeat.</summary>
    private bool _stepAxisPending;

    /// <summary>The rows at this point of the chain as the graph has them: [1, W] after an Unsqueeze no layer has taken yet.</summary>
    private TensorShape ChainShape => _stepAxisPending ? new TensorShape(1, _shape[0]) : _shape;

    /// <summary>
    /// Transpose(perm 1, 0, 2) of windows [N, T, F] into an LSTM or GRU node: the engine's recurrent layer, or one per
    /// layer of nn.LSTM(num_layers=L), which PyTorch writes as L nodes, each reading the time-major states of the one before.
    /// </summary>
    private string AddRecurrent(OnnxNode transpose)
    {
        string timeMajor = transpose.Outputs[0];
        var readers = _consumers.GetValueOrDefault(timeMajor) ?? [];
        var cell = readers.Where(n => n.OpType != "Shape").ToList();
        bool isPermutation = transpose.TryGetAttribute("perm", out var perm) && perm.GetInts() is [1, 0, 2];
        if (!IsSequence || !isPermutation || cell.Count != 1 || cell[0].OpType is not ("LSTM" or "GRU") || cell[0].Inputs[0] != timeMajor)
            throw new NotSupportedException(
                $"{Describe(transpose)} computes on the rows themselves; the engine takes perm [1, 0, 2] only as the time-major view " +
                "of windows [N, T, F] that an nn.LSTM or nn.GRU with batch_first=True reads (other Transposes: only moves of the channels). " +
                "The graph can still be scored as it is with mlContext.Transforms.OnnxAutoencoder (ONNX Runtime).");
        // PyTorch sizes the zero initial state from the time-major tensor's shape: [T, N, F], the batch second.
        foreach (var shape in readers.Where(n => n.OpType == "Shape"))
            _shapes.ReadShape(shape, [_shape[0], OnnxShapeFolding.Batch, _shape[1]]);
        return AddRecurrentStack(cell[0]);
    }

    /// <summary>
    /// The LSTM or GRU node <paramref name="first"/> reading time-major steps [T, N, F], and the layers stacked on it
    /// (nn.LSTM(num_layers=L) is L nodes): the engine's recurrent layers.
    /// </summary>
    private string AddRecurrentStack(OnnxNode first)
    {
        var stack = new List<OnnxNode>(); // the layers read so far, whose last states Y_h PyTorch concatenates into h_n
        for (var node = first; ; )
        {
            stack.Add(node);
            var (parameters, units) = CellParameters(node);
            bool lstm = node.OpType == "LSTM";
            // Which output carries on: every state (Y) or the last one (Y_h); the cell state Y_c is not the engine's to give.
            string states = node.Outputs[0], last = node.Outputs.Count > 1 ? node.Outputs[1] : "";
            if (lstm && node.Outputs.Count > 2 && IsRead(node.Outputs[2]))
                throw new NotSupportedException($"{Describe(node)}: its cell state Y_c (c_n) is read, as when the code is c_n[-1]; the engine's lstm " +
                    "layer passes on its hidden state only: take the code from h_n[-1] or output[:, -1].");
            bool everyState = IsRead(states), lastState = last.Length > 0 && IsRead(last);
            if (everyState)
            {
                // Squeeze the direction axis: the time-major states [T, N, H], for the next layer or back to batch-first.
                var squeeze = SoleReader(states);
                if (squeeze is not { OpType: "Squeeze" } || Axes(squeeze) is not [1])
                    throw new NotSupportedException($"{Describe(node)}: its states Y [T, 1, N, H] are read other than as PyTorch's batch-first output (Squeeze of axis 1, then Transpose).");
                // With a fixed batch PyTorch sizes the next layer's zero state from Shape nodes of these states [T, N, H].
                var next = SoleReaderBesidesShapes(squeeze.Outputs[0], [_shape[0], OnnxShapeFolding.Batch, units]);
                bool stacked = next is { OpType: "LSTM" or "GRU" } && next.OpType == node.OpType && next.Inputs[0] == squeeze.Outputs[0];
                if (lastState && !(stacked ? IsGathered(last) : IsGathered(last) && !IsRead(StackedLastStates(last)!.Outputs[0])))
                    throw new NotSupportedException($"{Describe(node)}: both its states Y and its last state Y_h are read (a branch); the engine's layer gives one of them.");
                LayerSpec sequence = lstm ? new LstmSpec(units, ReturnSequences: true) : new GruSpec(units, ReturnSequences: true);
                if (stacked)
                {
                    AddLayer(node, sequence, parameters, squeeze.Outputs[0]);
                    node = next!;
                    continue;
                }
                // Time-major rows stay time-major ([T, N, H] is each window's [T, H] as the engine holds it, batch-first).
                if (_timeMajor) return AddLayer(node, sequence, parameters, squeeze.Outputs[0]);
                if (next is not { OpType: "Transpose" } || !next.TryGetAttribute("perm", out var backPerm) || backPerm.GetInts() is not [1, 0, 2])
                    throw new NotSupportedException($"{Describe(node)}: its states are read time-major; the engine's layers give them batch-first (batch_first=True).");
                return AddLayer(node, sequence, parameters, next.Outputs[0]);
            }
            if (!lastState) throw new NotSupportedException($"{Describe(node)}: none of its outputs is read.");
            LayerSpec final = lstm ? new LstmSpec(units) : new GruSpec(units);
            return AddLayer(node, final, parameters, LastLayersState(node, stack).Outputs[0]);
        }
    }

    /// <summary>The engine's parameters of one LSTM or GRU node reading steps of the chain's features, and its hidden width.</summary>
    private (Dictionary<string, float[]> Parameters, int Units) CellParameters(OnnxNode node)
    {
        bool lstm = node.OpType == "LSTM";
        int gates = lstm ? 4 : 3;
        var w = Weights(node, 1);
        var r = Weights(node, 2);
        int units = w.Dimensions.Length == 3 ? w.Dimensions[1] / gates : 0;
        RequireForwardCell(node, lstm);
        if (w.Dimensions is not [1, _, _] || w.Dimensions[1] != gates * units || w.Dimensions[2] != _shape[1] || units == 0)
            throw new NotSupportedException($"{Describe(node)}: W [{string.Join(", ", w.Dimensions)}] is not [1, {gates}·hidden, {_shape[1]}] for steps of {_shape[1]} features.");
        if (r.Dimensions is not [1, _, _] || r.Dimensions[1] != gates * units || r.Dimensions[2] != units)
            throw new NotSupportedException($"{Describe(node)}: R [{string.Join(", ", r.Dimensions)}] is not [1, {gates * units}, {units}].");
        if (Int(node, "hidden_size", units) != units)
            throw new NotSupportedException($"{Describe(node)}: hidden_size {Int(node, "hidden_size", units)} disagrees with the weights' {units}.");
        float[] biases = node.Inputs.Count > 3 && node.Inputs[3].Length > 0 ? RowVector(node, 3, 2 * gates * units) : new float[2 * gates * units];
        int width = gates * units;
        var parameters = lstm
            ? new Dictionary<string, float[]>
            {
                [".weight_ih"] = Transposed(w.Floats!, width, _shape[1]), [".weight_hh"] = Transposed(r.Floats!, width, units),
                [".bias"] = [.. biases.Take(width).Zip(biases.Skip(width), (input, recurrent) => input + recurrent)],
            }
            : new Dictionary<string, float[]>
            {
                [".weight_ih"] = Transposed(w.Floats!, width, _shape[1]), [".weight_hh"] = Transposed(r.Floats!, width, units),
                [".bias_ih"] = biases[..width], [".bias_hh"] = biases[width..],
            };
        return (parameters, units);
    }

    /// <summary>The Concat (axis 0) that alone reads <paramref name="lastState"/>: h_n of a stack of layers, or null.</summary>
    private OnnxNode? StackedLastStates(string lastState) =>
        SoleReader(lastState) is { OpType: "Concat" } concat && Int(concat, "axis", 0) == 0 ? concat : null;

    /// <summary>Whether <paramref name="lastState"/> is read only into h_n of a stack of layers (a Concat on the layer axis).</summary>
    private bool IsGathered(string lastState) => StackedLastStates(lastState) != null;

    /// <summary>
    /// The node that reads h_n[-1], the last layer's last state: a Gather or Squeeze of Y_h's direction axis for one layer;
    /// for a stack, a Gather (index −1 or L − 1) of the Concat of every layer's Y_h in order.
    /// </summary>
    private OnnxNode LastLayersState(OnnxNode node, List<OnnxNode> stack)
    {
        string last = node.Outputs[1];
        OnnxNode? pick;
        long[] lastIndex;
        if (stack.Count == 1)
        {
            pick = SoleReader(last);
            lastIndex = [0, -1];
            if (pick is { OpType: "Squeeze" } && Axes(pick) is [0]) return pick;
        }
        else
        {
            var concat = StackedLastStates(last);
            if (concat == null || !concat.Inputs.SequenceEqual(stack.Select(n => n.Outputs[1])))
                throw new NotSupportedException($"{Describe(node)}: the last states of the {stack.Count} stacked layers are read other than as h_n (a Concat of each layer's Y_h).");
            pick = SoleReader(concat.Outputs[0]);
            lastIndex = [stack.Count - 1, -1];
        }
        if (pick is { OpType: "Gather" } && Int(pick, "axis", 0) == 0 && Constant(pick, 1) is { Dimensions: [], Longs: [var index] } && lastIndex.Contains(index))
            return pick;
        throw new NotSupportedException($"{Describe(node)}: its last state is read other than as h_n[-1], the last layer's (a Gather of index -1 or a Squeeze of the layer axis).");
    }

    /// <summary>Refuses what the engine's LSTM and GRU layers do not compute (see the remarks).</summary>
    private void RequireForwardCell(OnnxNode node, bool lstm)
    {
        string direction = String(node, "direction", "forward");
        if (direction != "forward")
            throw new NotSupportedException($"{Describe(node)}: direction '{direction}'{(direction == "bidirectional" ? $" (nn.{node.OpType}(bidirectional=True))" : "")}; " +
                $"the engine's {(lstm ? "lstm" : "gru")} layer runs forward in time only.");
        if (Int(node, "layout", 0) != 0) throw new NotSupportedException($"{Describe(node)}: layout 1 (batch-major) is not how PyTorch writes it and does not import.");
        if (node.TryGetAttribute("clip", out _)) throw new NotSupportedException($"{Describe(node)}: clip limits the gates' inputs, which the engine's cells do not.");
        if (lstm && Int(node, "input_forget", 0) != 0) throw new NotSupportedException($"{Describe(node)}: input_forget = 1 couples the input and forget gates, which the engine's lstm does not.");
        if (!lstm && Int(node, "linear_before_reset", 0) != 1)
            throw new NotSupportedException($"{Describe(node)}: linear_before_reset = 0 applies the reset gate before the recurrent product; the engine's gru " +
                "applies it after, as PyTorch's nn.GRU (linear_before_reset = 1) does.");
        string[] standard = lstm ? ["Sigmoid", "Tanh", "Tanh"] : ["Sigmoid", "Tanh"];
        if (node.TryGetAttribute("activations", out var activations))
        {
            var names = activations.Proto.Strings.Select(s => s.ToStringUtf8()).ToArray();
            if (!names.SequenceEqual(standard, StringComparer.OrdinalIgnoreCase))
                throw new NotSupportedException($"{Describe(node)}: activations [{string.Join(", ", names)}]; the engine's cells use [{string.Join(", ", standard)}].");
        }
        if (node.Inputs.Count > 4 && node.Inputs[4].Length > 0)
            throw new NotSupportedException($"{Describe(node)}: sequence_lens gives rows of different lengths (a packed sequence); the engine's windows all have T steps.");
        string[] states = lstm ? ["initial_h", "initial_c"] : ["initial_h"];
        for (int i = 0; i < states.Length; i++)
            if (node.Inputs.Count > 5 + i && node.Inputs[5 + i].Length > 0 && !IsZero(node.Inputs[5 + i]))
                throw new NotSupportedException($"{Describe(node)}: {states[i]} ('{node.Inputs[5 + i]}') is not zero, as when a state (h0, c0) is given to the module; " +
                    "the engine's recurrent layers start from zeros.");
        if (lstm && node.Inputs.Count > 7 && node.Inputs[7].Length > 0 && !IsZero(node.Inputs[7]))
            throw new NotSupportedException($"{Describe(node)}: peephole weights P, which the engine's lstm does not have.");
    }

    /// <summary>
    /// Whether <paramref name="tensor"/> is zeros: a constant, a ConstantOfShape of 0 (PyTorch's zero state with a dynamic
    /// batch), a 0 expanded (its zero state with a fixed batch), or a slice of zeros (num_layers &gt; 1 slices each layer's).
    /// </summary>
    private bool IsZero(string tensor)
    {
        if (_constants.TryGetValue(tensor, out var constant)) return constant.Floats is { } values && values.All(v => v == 0f);
        var producer = _graph.Nodes.FirstOrDefault(n => n.Outputs.Contains(tensor));
        return producer switch
        {
            { OpType: "ConstantOfShape" } => !producer.TryGetAttribute("value", out var value) || value.Proto.T is not { } t
                || ((TensorProto.Types.DataType)t.DataType == TensorProto.Types.DataType.Float && OnnxTensorData.ReadFloats(t, 1)[0] == 0f),
            { OpType: "Expand" or "Slice" } => IsZero(producer.Inputs[0]), // a 0 made as large as the state; one layer's share of a zero state
            _ => false,
        };
    }

    /// <summary>x.unsqueeze(1) of a flat code: [W] read as [1, W] until a Tile or Expand repeats it over the steps.</summary>
    private string AddStepAxis(OnnxNode node)
    {
        // Time-major, the steps go first: x.unsqueeze(0) of the code [N, W] is [1, N, W].
        if (_shape.Rank != 1 || !_batchAxis || (_timeMajor ? Axes(node) is not ([0] or [-3]) : Axes(node) is not ([1] or [-2])))
            throw new NotSupportedException($"{Describe(node)} adds an axis to rows of {_shape}; the engine takes an Unsqueeze only as the step axis " +
                (_timeMajor ? "(time-major, x.unsqueeze(0) of a flat code [N, W])" : "(x.unsqueeze(1) of a flat code)") + " that a repeat over the steps follows.");
        _stepAxisPending = true;
        _layerOfTensor[node.Outputs[0]] = _layers.Count;
        return node.Outputs[0];
    }

    /// <summary>
    /// Tile or Expand of the code [1, W] to [T, W]: the engine's repeat vector. An Expand that changes nothing (PyTorch
    /// writes one before the Tile of x.repeat) passes through.
    /// </summary>
    private string AddRepeat(OnnxNode node)
    {
        var target = Constant(node, 1).Longs ?? throw new NotSupportedException($"{Describe(node)}: its shape or repeats must be int64.");
        long[] rows = ChainFullShape;
        int batch = Array.IndexOf(rows, OnnxShapeFolding.Batch), steps = _timeMajor ? 0 : 1;
        long[] result;
        if (node.OpType == "Tile")
        {
            if (target.Length != rows.Length || target[batch] != 1)
                throw new NotSupportedException($"{Describe(node)}: repeats [{string.Join(", ", target)}] must keep the batch and name every axis of [{Shown(rows)}].");
            result = [.. rows.Zip(target, (d, k) => d == OnnxShapeFolding.Batch ? d : d * k)];
        }
        else result = Broadcast(node, rows, target);
        if (result.SequenceEqual(rows))
        {
            _layerOfTensor[node.Outputs[0]] = _layers.Count;
            return node.Outputs[0];
        }
        if (!_stepAxisPending || result.Length != 3 || result[2] != rows[2] || result[batch] != OnnxShapeFolding.Batch)
            throw new NotSupportedException($"{Describe(node)} makes [{Shown(result)}] from [{Shown(rows)}]; the engine's only repeat " +
                (_timeMajor ? "of time-major steps is a flat code over the steps (x.unsqueeze(0).repeat(T, 1, 1) or .expand(T, -1, -1))."
                    : "is a flat code over the steps (x.unsqueeze(1).repeat(1, T, 1) or .expand(-1, T, -1))."));
        _stepAxisPending = false;
        return AddLayer(node, new RepeatVectorSpec((int)result[steps]), []);
    }

    /// <summary>ONNX's (numpy's) broadcast of the rows [N, ...] against Expand's shape.</summary>
    private static long[] Broadcast(OnnxNode node, long[] rows, long[] shape)
    {
        int rank = Math.Max(rows.Length, shape.Length);
        var result = new long[rank];
        for (int i = 0; i < rank; i++)
        {
            long a = i - (rank - rows.Length) is var ai && ai >= 0 ? rows[ai] : 1, b = i - (rank - shape.Length) is var bi && bi >= 0 ? shape[bi] : 1;
            result[i] = a == b || b == 1 ? a : a == 1 ? b
                : throw new NotSupportedException($"{Describe(node)}: shape [{string.Join(", ", shape)}] does not broadcast with the rows.");
        }
        return result;
    }

    /// <summary>output[:, -1] of an LSTM or GRU's states: the layer gives its last state instead of every one.</summary>
    private string TakeLastStep(OnnxNode node)
    {
        string x = node.Inputs[0];
        var index = Constant(node, 1);
        // output[:, -1] batch-first; output[-1] time-major, where the steps come first.
        bool lastStep = IsSequence && Int(node, "axis", 0) == (_timeMajor ? 0 : 1) && index is { Dimensions: [], Longs: [var i] } && (i == -1 || i == _shape[0] - 1);
        if (!lastStep || _layers.Count == 0 || _layers[^1].Output != x || _layers[^1].Spec is not (LstmSpec { ReturnSequences: true } or GruSpec { ReturnSequences: true }))
            throw new NotSupportedException($"{Describe(node)} computes on the rows themselves; the engine takes a Gather only as output[:, -1], the last " +
                "state of an nn.LSTM or nn.GRU. The graph can still be scored as it is with mlContext.Transforms.OnnxAutoencoder (ONNX Runtime).");
        var layer = _layers[^1];
        LayerSpec spec = layer.Spec switch
        {
            LstmSpec l => l with { ReturnSequences = false },
            GruSpec g => g with { ReturnSequences = false },
            _ => throw new InvalidOperationException(),
        };
        _layers.RemoveAt(_layers.Count - 1);
        _layerOfTensor.Remove(x); // every state is no longer a tensor of the network
        _shape = layer.Spec.InputShape!;
        return AddLayer(node, spec, layer.Parameters);
    }

    /// <summary>nn.Linear over a sequence [T, H] (MatMul with [H, F']): a dense layer on every step.</summary>
    private string AddTimeDistributedDense(OnnxNode node)
    {
        var m = Weights(node, 1);
        if (m.Dimensions is not [var inputs, var units] || inputs != _shape[1])
            throw new NotSupportedException($"{Describe(node)}: weights [{string.Join(", ", m.Dimensions)}] do not map the {_shape[1]} values of each step.");
        return AddLayer(node, new TimeDistributedDenseSpec(units), new() { [".weight"] = [.. m.Floats!], [".bias"] = new float[units] });
    }

    /// <summary>The per-step bias of nn.Linear over a sequence, into the time-distributed dense layer just before it.</summary>
    private bool TryAddStepBias(OnnxNode node, int constantIndex)
    {
        if (_layers.Count == 0 || _layers[^1] is not { Spec: TimeDistributedDenseSpec spec } layer || layer.Output != node.Inputs[1 - constantIndex] || _pendingOffset != null)
            return false;
        var (dims, values, _) = Weights(node, constantIndex);
        if (values!.Length != spec.Units && values.Length != 1) return false;
        if (!IsRowShaped(dims, spec.Units))
            throw new NotSupportedException($"{Describe(node)}: the constant '{node.Inputs[constantIndex]}' added per step {RowShapeMismatch(dims, values.Length, spec.Units)} (one per feature).");
        var bias = layer.Parameters[".bias"];
        float sign = node.OpType == "Sub" ? -1f : 1f;
        for (int j = 0; j < bias.Length; j++) bias[j] += sign * values[values.Length == 1 ? 0 : j];
        _layerOfTensor[node.Outputs[0]] = _layers.Count;
        return true;
    }

    /// <summary>Whether another node or the graph's outputs read <paramref name="tensor"/>.</summary>
    private bool IsRead(string tensor) => _consumerIndex.IsRead(tensor);

    /// <summary>The one node that reads <paramref name="tensor"/>, or null when none or several do (or it is a graph output too).</summary>
    private OnnxNode? SoleReader(string tensor) => _consumerIndex.SoleReader(tensor);

    /// <summary>
    /// The one node other than Shape nodes that reads <paramref name="tensor"/> (null when none or several do, or it is a
    /// graph output); the Shape nodes read <paramref name="fullShape"/>, the tensor's shape with the batch as a placeholder.
    /// </summary>
    private OnnxNode? SoleReaderBesidesShapes(string tensor, long[] fullShape)
    {
        var readers = _consumers.GetValueOrDefault(tensor) ?? [];
        var others = readers.Where(n => n.OpType != "Shape").ToList();
        if (others.Count != 1 || _consumerIndex.IsGraphOutput(tensor)) return null;
        foreach (var shape in readers.Where(n => n.OpType == "Shape")) _shapes.ReadShape(shape, fullShape);
        return others[0];
    }

    /// <summary>Squeeze's or Unsqueeze's axes: an attribute before opset 13, a constant input from it.</summary>
    private long[] Axes(OnnxNode node) =>
        node.TryGetAttribute("axes", out var attribute) ? attribute.GetInts()
        : node.Inputs.Count > 1 && node.Inputs[1].Length > 0 ? Constant(node, 1).Longs ?? []
        : [];
}
