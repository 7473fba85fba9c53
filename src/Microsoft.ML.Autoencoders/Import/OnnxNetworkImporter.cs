using Microsoft.ML.Autoencoders.Engine;
using Microsoft.ML.Autoencoders.Engine.Kernels;
using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Autoencoders.Engine.Specs;
using Microsoft.ML.Autoencoders.Onnx;
using Microsoft.ML.Autoencoders.Onnx.Protos;

namespace Microsoft.ML.Autoencoders;

/// <summary>
/// Turns an ONNX autoencoder made elsewhere into an engine network that the library can fine-tune and export again: the
/// graph is read as a chain from its one input to its reconstruction, each operator becoming the layer kind that computes
/// the same thing, its constant tensors the layer's weights.
/// </summary>
/// <remarks>
/// <para>Operators (ai.onnx, semantics per the ONNX operator docs): Gemm (alpha and beta scale the weights and bias;
/// either transB, not transA) and MatMul with a following Add become dense layers; an Add or Sub of a constant row next to
/// a dense layer is folded into its bias (x − mean before a MatMul, as a PCA graph has it); Relu, Sigmoid, Tanh,
/// LeakyRelu, Elu (alpha 1), Softplus, Clip (nn.ReLU6, nn.Hardtanh), Gelu (opset 20, exact) become activations, and so do
/// PyTorch's forks for SiLU and GELU (OnnxSelfGatedActivations); PRelu becomes a prelu with its slopes, shared, per channel or per feature of each step (OnnxNetworkImporter.PRelu.cs); Conv (group 1; after a Pad of zeros too) and ConvTranspose
/// (group 1; pads, output_shape or auto_pad) over images [N, C, H, W] or sequences [N, C, L] (PyTorch's Conv1d,
/// ConvTranspose1d) where their windows are those of the engine's "same", "valid" or equal padding
/// (OnnxNetworkImporter.Padding.cs), MaxPool (no padding; over sequences padded too: OnnxNetworkImporter.SequencePooling.cs), AveragePool (padding counted, alone or after a Pad of zeros:
/// OnnxNetworkImporter.AveragePool.cs),
/// BatchNormalization (inference; over [N, C] as a batch norm of [C, 1, 1] images), LayerNormalization over the last axis and
/// the nodes PyTorch writes for nn.LayerNorm before opset 17 (OnnxNetworkImporter.LayerNorm.cs), Resize/Upsample by a whole factor
/// (nearest, or linear with half-pixel centres; over sequences nearest) become the image layers; Reshape and Flatten become reshapes; a Transpose
/// that moves the channels (channels-last rows as Keras keeps them, [N, H, W, C] or [N, L, C]) becomes a transpose layer
/// between two reshapes (OnnxNetworkImporter.ChannelsLast.cs); Identity and
/// Dropout (inference) pass through; LSTM and GRU as PyTorch writes a batch-first or time-major (OnnxNetworkImporter.TimeMajor.cs) module, with Tile or Expand repeating
/// the code over the steps and MatMul over a sequence, become the engine's recurrent, repeat-vector and time-distributed
/// dense layers (OnnxNetworkImporter.Recurrent.cs). Square kernels with equal strides and dilations on both axes only, as the
/// engine's layers have them. Shape computations around a reshape (PyTorch's x.view(x.size(0), -1) with a dynamic batch)
/// are worked out as the chain is read (<see cref="OnnxShapeFolding"/>): a Shape node is no branch.</para>
/// <para>The code is the tensor the caller names; else a graph output met along the chain before the reconstruction
/// (a graph that exports its code says so); a variational model's latent mean (OnnxNetworkImporter.Variational.cs); else the first narrowest layer output, carried through the layers after it that
/// keep its values (its activation, a batch norm; not a transposed convolution that happens to keep its size).</para>
/// <para>Anything else fails before any layer is built, naming every operator the engine has no layer for.</para>
/// </remarks>
internal sealed partial class OnnxNetworkImporter
{
    private static readonly HashSet<string> Supported = new(StringComparer.Ordinal)
    {
        "Gemm", "MatMul", "Add", "Sub", "Relu", "Sigmoid", "Tanh", "LeakyRelu", "PRelu", "Elu", "Softplus", "Clip", "Gelu", "Conv", "ConvTranspose", "MaxPool",
        "AveragePool", "Pad", "BatchNormalization", "LayerNormalization", "Resize", "Upsample", "Reshape", "Flatten", "Transpose", "Identity", "Dropout", "LSTM", "GRU", "Tile", "Expand", "Constant",
    };

    private readonly OnnxModelReader _graph;
    private readonly Dictionary<string, (int[] Dimensions, float[]? Floats, long[]? Longs)> _constants = new(StringComparer.Ordinal);
    private readonly OnnxConsumerIndex _consumerIndex; // shared with the fork search, so both read "the only reader" alike
    private readonly IReadOnlyDictionary<string, List<OnnxNode>> _consumers; // tensor → the nodes reading it (no constants)
    private readonly List<ImportedLayer> _layers = [];
    private readonly Dictionary<string, int> _layerOfTensor = new(StringComparer.Ordinal); // tensor → layers before it
    private readonly bool _batchAxis;
    private readonly long _fixedBatch; // the input's declared batch size, or 1 when the batch axis is free
    private readonly TensorShape _inputShape;
    private TensorShape _shape;
    private float[]? _pendingOffset; // a constant added to the rows, waiting to be folded into the next dense layer's bias
    private OnnxShapeFolding _shapes = null!; // made once the constants are read, in Build

    /// <summary>One layer found in the graph: its spec, and its parameters by suffix (".weight", ".bias", ...).</summary>
    private sealed record ImportedLayer(LayerSpec Spec, Dictionary<string, float[]> Parameters, string Output);

    private OnnxNetworkImporter(OnnxModelReader graph, string input, int[] rowShape, bool batchAxis, long fixedBatch,
        OnnxConsumerIndex consumers, Dictionary<string, OnnxSelfGatedActivations.Match> gatedActivations,
        Dictionary<string, OnnxLayerNormalizations.Match> layerNorms, bool timeMajor)
    {
        _layerNorms = layerNorms;
        _timeMajor = timeMajor;
        _graph = graph;
        _consumerIndex = consumers;
        _consumers = consumers.Readers;
        _gatedActivations = gatedActivations;
        _batchAxis = batchAxis;
        _fixedBatch = fixedBatch;
        _inputShape = _shape = new TensorShape(rowShape);
        InputName = input;
        _layerOfTensor[input] = 0;
    }

    private string InputName { get; }

    /// <summary>
    /// For a whole network written by this library's SaveAsOnnx, whose error output (a ReduceMean) has no layer here: how
    /// that file is read back, trainable, instead. Empty for any other graph.
    /// </summary>
    private static string OwnFileAdvice(OnnxModelReader graph) =>
        !graph.Metadata.ContainsKey(Persistence.AutoencoderOnnx.FormatKey) || graph.Metadata.ContainsKey(Persistence.AutoencoderOnnx.PartKey) ? ""
        : graph.Metadata.TryGetValue(AnomalyDetectorOnnx.KindKey, out var kind) && kind == "anomaly_detector"
            ? " This file is an anomaly detector written by this library's SaveAsOnnx: AutoencoderTransformer.LoadOnnx reads its " +
              "network back (trainable as AutoencoderOptions.InitialModel), but not the detector's standardization or threshold; " +
              "the detector itself comes back from its model zip with AutoencoderAnomalyTransformer.LoadFromModelFile."
            : " This file was written by this library's SaveAsOnnx: read it with AutoencoderTransformer.LoadOnnx, whose Model is the " +
              "same network, weights and all, and trains further as AutoencoderOptions.InitialModel.";

    /// <summary>The engine network (spec and weights) of the ONNX graph <paramref name="onnx"/>.</summary>
    public static AutoencoderNetwork Import(ReadOnlySpan<byte> onnx, string? codeTensorName)
    {
        var graph = OnnxModelReader.Parse(onnx);
        var consumers = new OnnxConsumerIndex(graph);
        var gatedActivations = OnnxSelfGatedActivations.Find(consumers);
        var layerNorms = OnnxLayerNormalizations.Find(graph, consumers);
        var inGatedActivations = gatedActivations.Values.SelectMany(m => m.Nodes).Concat(layerNorms.Values.SelectMany(m => m.Nodes)).ToHashSet();
        var missing = graph.Nodes.Where(n => !inGatedActivations.Contains(n))
            .Where(n => !(Supported.Contains(n.OpType) || OnnxShapeFolding.IsShapeOperator(n.OpType)) || (n.Domain is not ("" or "ai.onnx")))
            .Select(n => n.Domain is "" or "ai.onnx" ? n.OpType : $"{n.Domain}.{n.OpType}").Distinct().ToList();
        if (missing.Count > 0)
            throw new NotSupportedException(
                $"The graph uses operators the engine has no layer for: {string.Join(", ", missing)}{OnnxImportHints.ModulesWriting(missing)}. " +
                $"The engine's layers come from {string.Join(", ", Supported.Where(o => o != "Constant"))} and the shape computations around a " +
                "Reshape. The graph can still be scored as it is with mlContext.Transforms.OnnxAutoencoder (ONNX Runtime), but not trained here." +
                OwnFileAdvice(graph));

        var inputs = graph.Inputs.Where(i => !graph.InitializerNames.Contains(i.Name)).ToList();
        if (inputs.Count != 1)
            throw new NotSupportedException($"The graph has {inputs.Count} inputs ({string.Join(", ", inputs.Select(i => $"'{i.Name}'"))}); an autoencoder network reads one.");
        var input = inputs[0];
        if (input.ElementType != TensorProto.Types.DataType.Float)
            throw new NotSupportedException($"Graph input '{input.Name}' holds {input.ElementType} values; the engine trains on float rows.");
        var dims = input.Dimensions;
        // [N, ...] leads with the batch; so does a fixed [B, ...] (torch.onnx.export of a dummy batch without dynamic_axes):
        // the engine's dense and image layers come from Gemm, MatMul and Conv, which read their input's first axis as the
        // rows, so a rank-2 or higher input with no batch axis could not reach any of them unreshaped anyway.
        // Windows [T, N, F] read by an LSTM or GRU as they come (batch_first=False) have their batch second.
        bool timeMajor = ReadsTimeMajorWindows(consumers, input.Name, dims);
        bool batchAxis = dims.Length >= 2 && dims[0] != 0;
        int[] row = timeMajor ? [dims[0], dims[2]] : batchAxis ? dims[1..] : dims;
        long batch = timeMajor ? dims[1] : dims[0];
        if (row.Length == 0 || row.Any(d => d <= 0))
            throw new NotSupportedException($"Graph input '{input.Name}' has shape [{string.Join(", ", dims)}]: the per-row shape must be fixed to build layers." +
                (dims is [> 0, <= 0, > 0] ? $" Its open axis is the second, as when windows [T, N, F] go into an nn.LSTM or nn.GRU with batch_first=False; " +
                    "the engine imports such a graph when the recurrent layer reads the input as it comes." + TimeMajorRuntimeShape(dims) : ""));

        var importer = new OnnxNetworkImporter(graph, input.Name, row, batchAxis, fixedBatch: batchAxis && batch > 0 ? batch : 1, consumers, gatedActivations, layerNorms, timeMajor);
        try
        {
            return importer.Build(codeTensorName);
        }
        catch (NotSupportedException e)
        {
            // Past the input checks, what the engine refuses is a graph ONNX Runtime runs as it is (a branch, a layer the engine
            // lacks): every such refusal says where else it scores, not only those that name an operator, and for windows
            // [T, N, F] with an open batch, the shape that route needs.
            string elsewhere = e.Message.Contains("mlContext.Transforms.OnnxAutoencoder", StringComparison.Ordinal) ? "" : $" {ScoredAsItIs} (ONNX Runtime), but not trained here.";
            string runtimeShape = timeMajor && batch <= 0 ? TimeMajorRuntimeShape(dims) : "";
            if (elsewhere.Length == 0 && runtimeShape.Length == 0) throw;
            throw new NotSupportedException(e.Message + elsewhere + runtimeShape, e);
        }
    }

    /// <summary>
    /// What ONNX Runtime's route needs for windows [T, N, F] with an open batch: it reads a row's shape from the options and
    /// puts the batch first, so such a graph scores one window per run, given as [T, 1, F].
    /// </summary>
    private static string TimeMajorRuntimeShape(int[] dims) =>
        $" Scored with ONNX Runtime, this time-major input needs InputShape = [{dims[0]}, 1, {dims[2]}] ([T, 1, F]: one window per run).";

    /// <summary>Where a graph the engine refuses still scores.</summary>
    private const string ScoredAsItIs = "The graph can still be scored as it is with mlContext.Transforms.OnnxAutoencoder";

    private AutoencoderNetwork Build(string? codeTensorName)
    {
        foreach (var name in _graph.InitializerNames)
        {
            if (_graph.TryGetFloatInitializer(name, out var f)) _constants[name] = (f.Dimensions, f.Values, null);
            else
            {
                try { var l = _graph.GetInt64Initializer(name); _constants[name] = (l.Dimensions, null, l.Values); }
                catch (InvalidDataException) { } // another element type: only a node that reads it would care, and it names it
            }
        }
        foreach (var node in _graph.Nodes.Where(n => n.OpType == "Constant")) ReadConstantNode(node);

        _shapes = new OnnxShapeFolding(_graph.Nodes, _graph.DefaultOpsetVersion, _constants);
        _shapes.FoldKnown();

        string current = InputName;
        while (_consumers.TryGetValue(current, out var readers))
        {
            // A Shape node reads only the tensor's shape, known here but for the batch size: it folds to a constant
            // (x.view(x.size(0), -1)) and is no branch of the chain.
            foreach (var shape in readers.Where(n => n.OpType == "Shape")) ReadChainShape(shape);
            var next = readers.Where(n => n.OpType != "Shape").ToList();
            if (next.Count == 0) break;
            if (_gatedActivations.TryGetValue(current, out var gated))
            {
                current = AddSelfGatedActivation(gated);
                continue;
            }
            if (_layerNorms.TryGetValue(current, out var layerNorm))
            {
                current = AddDecomposedLayerNorm(layerNorm);
                continue;
            }
            if (TryAddGaussianHeads(current, next) is { } mean)
            {
                current = mean;
                continue;
            }
            if (next.Count != 1)
            {
                string[] operators = [.. next.Select(n => n.OpType)];
                string? activation = OnnxImportHints.ActivationWrittenAsAFork(operators);
                throw new NotSupportedException($"Tensor '{current}' feeds {next.Count} nodes ({string.Join(", ", next.Select(Describe))}); the engine imports chains of layers, not branches." +
                    (activation ?? OnnxImportHints.DenseHeads(operators)));
            }
            current = Apply(next[0], current);
        }
        if (_stepAxisPending)
            throw new NotSupportedException($"The graph ends with an Unsqueeze after '{_layers.LastOrDefault()?.Output}' that no repeat over the steps follows.");
        if (_pendingOffset != null)
            throw new NotSupportedException($"The graph ends with an Add or Sub of a constant after '{_layers.LastOrDefault()?.Output}' that no dense layer can take into its bias.");
        if (!_graph.Outputs.Any(o => o.Name == current))
            throw new NotSupportedException($"The chain from '{InputName}' ends in '{current}', which is not a graph output.");
        if (_layers.Count < 2)
            throw new NotSupportedException($"The graph has {_layers.Count} layer(s); an autoencoder needs an encoder and a decoder.");

        int codeAfter = CodeBoundary(codeTensorName, current);
        var spec = new NetworkSpec { InputShape = _inputShape, Encoder = [.. _layers.Take(codeAfter).Select(l => l.Spec)], Decoder = [.. _layers.Skip(codeAfter).Select(l => l.Spec)] };
        try
        {
            spec = spec.Resolve();
        }
        catch (ArgumentException e)
        {
            throw new NotSupportedException($"The graph's layers do not form an autoencoder the engine can build: {e.Message}", e);
        }
        var network = AutoencoderNetwork.CreateUninitialized(spec);
        var resolved = spec.Layers.ToArray();
        var values = new Dictionary<string, float[]>(StringComparer.Ordinal);
        for (int i = 0; i < resolved.Length; i++)
            foreach (var (suffix, tensor) in _layers[i].Parameters) values[resolved[i].Name + suffix] = tensor;
        foreach (var parameter in network.Parameters.Parameters)
        {
            if (!values.TryGetValue(parameter.Name, out var tensor) || tensor.Length != parameter.Length)
                throw new InvalidOperationException($"The imported layer behind parameter '{parameter.Name}' has {tensor?.Length ?? 0} values for its {parameter.Length}.");
            tensor.CopyTo(parameter.Values);
        }
        return network;
    }

    /// <summary>How many layers make the encoder (see the remarks on the code).</summary>
    private int CodeBoundary(string? codeTensorName, string reconstruction)
    {
        // A variational model's code is its latent, the mean at inference: the engine's VAE ends its encoder there.
        int sampling = _layers.FindIndex(l => l.Spec is GaussianSamplingSpec);
        if (sampling >= 0)
        {
            if (codeTensorName != null && codeTensorName != _layers[sampling].Output)
                throw new ArgumentException($"'{codeTensorName}' cannot be the code of this variational autoencoder: its code is the latent mean '{_layers[sampling].Output}'.");
            return sampling + 1;
        }
        if (codeTensorName != null)
        {
            if (!_layerOfTensor.TryGetValue(codeTensorName, out int after) || after == 0 || after == _layers.Count)
                throw new ArgumentException(
                    $"'{codeTensorName}' is not a tensor between the input and the reconstruction of the chain. Tensors that can be the code: " +
                    $"{string.Join(", ", _layerOfTensor.Where(p => p.Value > 0 && p.Value < _layers.Count).Select(p => $"'{p.Key}'"))}.");
            return after;
        }
        var exported = _graph.Outputs.Select(o => o.Name).Where(n => n != reconstruction && _layerOfTensor.TryGetValue(n, out int a) && a > 0 && a < _layers.Count).ToList();
        if (exported.Count == 1) return _layerOfTensor[exported[0]];
        // The first narrowest output, carried through the layers after it that only transform it value by value or
        // rearrange it (an activation, a batch norm, the reshapes around one, a move of the channels): the code is what the
        // encoder's last step gives.
        // A layer with weights that happens to keep the size (a transposed convolution from 4×4×4 to 1×8×8) is the decoder.
        int best = 1;
        for (int after = 2; after < _layers.Count; after++)
            if (_layers[after - 1].Spec.OutputShape!.Size < _layers[best - 1].Spec.OutputShape!.Size) best = after;
        while (best + 1 < _layers.Count && FinishesTheCode(_layers[best].Spec) && _layers[best].Spec.OutputShape!.Size == _layers[best - 1].Spec.OutputShape!.Size) best++;
        return best;
    }

    /// <summary>Whether <paramref name="layer"/>, right after the narrowest output, is still the encoder's last step.</summary>
    private static bool FinishesTheCode(LayerSpec layer) => layer is ActivationSpec or ClippedLinearSpec or PReluSpec or BatchNorm2dSpec or DropoutSpec or ReshapeSpec or FlattenSpec or TransposeSpec;

    /// <summary>Adds the layer <paramref name="node"/> computes from <paramref name="x"/> and returns the tensor it gives.</summary>
    private string Apply(OnnxNode node, string x)
    {
        // b + x is x + b: PyTorch's nn.Linear over a sequence writes its bias first (Add(bias, MatMul(x, W))).
        bool commuted = node.OpType == "Add" && node.Inputs.Count == 2 && node.Inputs[1] == x && node.Inputs[0] != x;
        if (node.Inputs.Count == 0 || (node.Inputs[0] != x && !commuted))
            throw new NotSupportedException($"{Describe(node)} reads '{x}' as other than its first input; the engine imports chains of layers.");
        if (_stepAxisPending && node.OpType is not ("Tile" or "Expand"))
            throw new NotSupportedException($"{Describe(node)} reads the code with a step axis put in front of it (Unsqueeze); the engine takes that only " +
                "as the start of a repeat over the steps (" + (_timeMajor ? "time-major, x.unsqueeze(0).repeat(T, 1, 1) or .expand(T, -1, -1))."
                    : "x.unsqueeze(1).repeat(1, T, 1) or .expand(-1, T, -1))."));
        RequireBatchFirstOrRecurrent(node);
        string y = node.Outputs[0];
        switch (node.OpType)
        {
            case "Identity":
            case "Dropout":
                if (node.Outputs.Count > 1 && _consumers.ContainsKey(node.Outputs[1]))
                    throw new NotSupportedException($"{Describe(node)}: the dropout mask is read by another node.");
                _layerOfTensor[y] = _layers.Count;
                return y;
            case "Gemm":
                var (w, units, c) = GemmAsDense(node);
                return AddDense(node, w, units, c);
            case "MatMul":
                if (IsSequence) return AddTimeDistributedDense(node);
                RequireFlat(node);
                var m = Weights(node, 1);
                if (m.Dimensions.Length != 2) throw new NotSupportedException($"{Describe(node)}: the weights must be a 2-D constant.");
                return AddDense(node, m.Floats!, m.Dimensions[1], new float[m.Dimensions[1]]);
            case "Add":
            case "Sub":
                return AddOffset(node, commuted ? 0 : 1);
            case "Relu":
                return AddLayer(node, new ActivationSpec(Activation.Relu), []);
            case "Sigmoid":
                return AddLayer(node, new ActivationSpec(Activation.Sigmoid), []);
            case "Tanh":
                return AddLayer(node, new ActivationSpec(Activation.Tanh), []);
            case "LeakyRelu":
                return AddLayer(node, new ActivationSpec(Activation.LeakyRelu, Float(node, "alpha", 0.01f)), []);
            case "PRelu":
                return AddPRelu(node);
            case "Elu":
                if (Float(node, "alpha", 1f) != 1f)
                    throw new NotSupportedException($"{Describe(node)}: alpha {Float(node, "alpha", 1f)}; the engine's ELU has alpha 1 (nn.ELU()'s default).");
                return AddLayer(node, new ActivationSpec(Activation.Elu), []);
            case "Softplus":
                return AddLayer(node, new ActivationSpec(Activation.Softplus), []);
            case "Clip":
                return AddClip(node);
            case "Gelu": // opset 20's operator, which newer exporters write for nn.GELU
                if (String(node, "approximate", "none") != "none")
                    throw new NotSupportedException($"{Describe(node)}: approximate '{String(node, "approximate", "none")}' is another function than the exact GELU the engine has (nn.GELU()'s default).");
                return AddLayer(node, new ActivationSpec(Activation.Gelu), []);
            case "Conv":
                return AddConv(node);
            case "ConvTranspose":
                return AddConvTranspose(node);
            case "MaxPool":
                return AddMaxPool(node);
            case "AveragePool":
                return AddAveragePool(node);
            case "Pad":
                return AddPad(node);
            case "BatchNormalization":
                return AddBatchNorm(node);
            case "LayerNormalization":
                return AddLayerNormalization(node);
            case "Resize":
            case "Upsample":
                return AddUpsample(node);
            case "Flatten":
                if (_batchAxis && Int(node, "axis", 1) != 1)
                    throw new NotSupportedException($"{Describe(node)}: only axis 1 (keep the batch, flatten each row) maps to a layer.");
                return AddLayer(node, new FlattenSpec(), []);
            case "Reshape":
                return AddReshape(node);
            case "Transpose":
                return AddTranspose(node);
            case "LSTM":
            case "GRU":
                if (_timeMajor && IsSequence && node.Inputs[0] == x) return AddRecurrentStack(node);
                throw new NotSupportedException($"{Describe(node)} reads the rows as they come, time-major [T, N, F] (batch_first=False); the engine's " +
                    "recurrent layers read windows [N, T, F]: export the module with batch_first=True, whose graph transposes the input first.");
            case "Unsqueeze":
                return AddStepAxis(node);
            case "Tile":
            case "Expand":
                return AddRepeat(node);
            case "Gather":
                return TakeLastStep(node);
            case var shapeOperator when OnnxShapeFolding.IsShapeOperator(shapeOperator):
                throw new NotSupportedException(
                    $"{Describe(node)} computes on the rows themselves; the engine has no layer for it and folds {node.OpType} only where it " +
                    "works out a shape. The graph can still be scored as it is with mlContext.Transforms.OnnxAutoencoder (ONNX Runtime).");
            default:
                throw new NotSupportedException($"{Describe(node)} has no engine layer.");
        }
    }

    /// <summary>A Gemm reading the chain's flat rows as a dense layer: its weights [inputs × units] and bias.</summary>
    private (float[] Weights, int Units, float[] Bias) GemmAsDense(OnnxNode node)
    {
        RequireFlat(node);
        if (Int(node, "transA", 0) != 0)
            throw new NotSupportedException($"{Describe(node)}: transA = 1 transposes the batch of rows, which no dense layer does.");
        var b = Weights(node, 1);
        if (b.Dimensions.Length != 2) throw new NotSupportedException($"{Describe(node)}: B must be a 2-D constant.");
        bool transB = Int(node, "transB", 0) != 0;
        var w = transB ? Transposed(b.Floats!, b.Dimensions[0], b.Dimensions[1]) : [.. b.Floats!];
        int units = transB ? b.Dimensions[0] : b.Dimensions[1];
        var c = node.Inputs.Count > 2 && node.Inputs[2].Length > 0 ? RowVector(node, 2, units) : new float[units];
        // Y = alpha·X·B + beta·C is a dense layer with weights alpha·B and bias beta·C.
        float alpha = Float(node, "alpha", 1f), beta = Float(node, "beta", 1f);
        if (alpha != 1f) for (int i = 0; i < w.Length; i++) w[i] *= alpha;
        if (beta != 1f) for (int i = 0; i < c.Length; i++) c[i] *= beta;
        return (w, units, c);
    }

    /// <summary>
    /// Clip (nn.ReLU6, nn.Hardtanh, x.clamp) as a clipped-linear activation: its bounds are constant inputs from opset 11
    /// on, attributes before; a missing one is unbounded.
    /// </summary>
    private string AddClip(OnnxNode node)
    {
        float Bound(int index, string attribute, float unbounded)
        {
            if (node.Inputs.Count > index && node.Inputs[index].Length > 0)
                return Weights(node, index).Floats is [var value] ? value
                    : throw new NotSupportedException($"{Describe(node)}: input {index} must be a single value, the bound for every element.");
            return Float(node, attribute, unbounded);
        }
        float lower = Bound(1, "min", float.NegativeInfinity), upper = Bound(2, "max", float.PositiveInfinity);
        if (!(lower < upper))
            throw new NotSupportedException($"{Describe(node)}: bounds [{lower}, {upper}] leave no range between them, which no engine activation computes.");
        return AddLayer(node, new ClippedLinearSpec(lower, upper), []);
    }

    private string AddDense(OnnxNode node, float[] weights, int units, float[] bias, string? output = null)
    {
        int inputs = _shape.Size;
        if (weights.Length != inputs * units)
            throw new NotSupportedException($"{Describe(node)}: weights of {weights.Length} values do not map {inputs} inputs to {units} units.");
        if (_pendingOffset is { } offset)
        {
            // (x + c)·W + b = x·W + (c·W + b)
            for (int j = 0; j < units; j++)
            {
                double sum = bias[j];
                for (int i = 0; i < inputs; i++) sum += (double)offset[i] * weights[i * units + j];
                bias[j] = (float)sum;
            }
            _pendingOffset = null;
        }
        return AddLayer(node, new DenseSpec(units), new() { [".weight"] = weights, [".bias"] = bias }, output ?? node.Outputs[0]);
    }

    /// <summary>
    /// An Add or Sub of a constant row (input <paramref name="constantIndex"/>): into the bias of the dense layer just
    /// before, or of the next one; over a sequence, into the bias of the time-distributed dense layer just before.
    /// </summary>
    private string AddOffset(OnnxNode node, int constantIndex)
    {
        if (node.Inputs.Count != 2 || !_constants.ContainsKey(node.Inputs[constantIndex]))
            throw new NotSupportedException($"{Describe(node)} adds two computed tensors (a branch); only a constant row folds into a dense layer's bias.");
        if (IsSequence && TryAddStepBias(node, constantIndex)) return node.Outputs[0];
        RequireFlat(node);
        float[] c = RowVector(node, constantIndex, _shape.Size);
        if (node.OpType == "Sub") c = [.. c.Select(v => -v)];
        string y = node.Outputs[0];
        var last = _layers.Count > 0 ? _layers[^1] : null;
        if (last is { Spec: DenseSpec } && _pendingOffset is null && _layerOfTensor.GetValueOrDefault(node.Inputs[1 - constantIndex]) == _layers.Count)
        {
            var bias = last.Parameters[".bias"];
            for (int j = 0; j < bias.Length; j++) bias[j] += c[j];
        }
        else
        {
            if (_pendingOffset is { } pending) for (int i = 0; i < c.Length; i++) c[i] += pending[i];
            _pendingOffset = c;
        }
        _layerOfTensor[y] = _layers.Count;
        return y;
    }

    /// <summary>A Conv over images, after the zeros <paramref name="padded"/> of a Pad in front of it (none: null).</summary>
    private string AddConv(OnnxNode node, (long Before, long After)[]? padded = null)
    {
        if (IsSequence) return AddConv1d(node, padded);
        RequireImage(node);
        if (Int(node, "group", 1) != 1) throw new NotSupportedException($"{Describe(node)}: grouped convolutions have no engine layer.");
        var w = Weights(node, 1);
        if (w.Dimensions.Length != 4 || w.Dimensions[1] != _shape[0])
            throw new NotSupportedException($"{Describe(node)}: weights [{string.Join(", ", w.Dimensions)}] do not fit an input of {_shape[0]} channels.");
        int filters = w.Dimensions[0], k = SquareKernel(node, w.Dimensions[2], w.Dimensions[3]);
        int stride = Square(node, "strides", 1), dilation = Square(node, "dilations", 1);
        var (padding, explicitPadding, sides) = ConvPadding(node, [_shape[1], _shape[2]], k, stride, dilation, padded);
        var spec = new Conv2dSpec(filters, k, stride, padding, dilation, explicitPadding, ExplicitPads: ImagePads(sides));
        return AddLayer(node, spec, new() { [".weight"] = w.Floats!, [".bias"] = node.Inputs.Count > 2 && node.Inputs[2].Length > 0 ? RowVector(node, 2, filters) : new float[filters] });
    }

    private string AddConvTranspose(OnnxNode node)
    {
        if (IsSequence) return AddConvTranspose1d(node);
        RequireImage(node);
        if (Int(node, "group", 1) != 1) throw new NotSupportedException($"{Describe(node)}: grouped transposed convolutions have no engine layer.");
        var w = Weights(node, 1);
        if (w.Dimensions.Length != 4 || w.Dimensions[0] != _shape[0])
            throw new NotSupportedException($"{Describe(node)}: weights [{string.Join(", ", w.Dimensions)}] do not fit an input of {_shape[0]} channels.");
        int filters = w.Dimensions[1], k = SquareKernel(node, w.Dimensions[2], w.Dimensions[3]);
        int stride = Square(node, "strides", 1), dilation = Square(node, "dilations", 1), outputPadding = Square(node, "output_padding", 0);
        var (padding, explicitPadding, engineOutputPadding, sides) = TransposedConvPadding(node, [_shape[1], _shape[2]], k, stride, dilation, outputPadding);
        var spec = new ConvTranspose2dSpec(filters, k, stride, padding, dilation, explicitPadding, engineOutputPadding, ExplicitPads: ImagePads(sides));
        return AddLayer(node, spec, new() { [".weight"] = w.Floats!, [".bias"] = node.Inputs.Count > 2 && node.Inputs[2].Length > 0 ? RowVector(node, 2, filters) : new float[filters] });
    }

    private string AddMaxPool(OnnxNode node)
    {
        if (IsSequence) return AddMaxPool1d(node);
        RequireImage(node);
        if (node.Outputs.Count > 1 && _consumers.ContainsKey(node.Outputs[1]))
            throw new NotSupportedException($"{Describe(node)}: its indices output is read, which the engine's pooling does not give.");
        var kernel = node.GetAttribute("kernel_shape").GetInts();
        if (kernel.Length != 2 || kernel[0] != kernel[1]) throw new NotSupportedException($"{Describe(node)}: only square 2-D windows map to the engine's pooling.");
        if (Square(node, "dilations", 1) != 1 || SymmetricPads(node) != 0 || String(node, "auto_pad", "NOTSET") is not ("NOTSET" or "VALID") || Int(node, "storage_order", 0) != 0)
            throw new NotSupportedException($"{Describe(node)}: padded, dilated or auto-padded pooling has no engine layer.");
        int stride = Square(node, "strides", 1); // ONNX's default stride is 1, not the window
        return AddLayer(node, new MaxPool2dSpec((int)kernel[0], stride, Int(node, "ceil_mode", 0) != 0), []);
    }

    private string AddBatchNorm(OnnxNode node)
    {
        // Over rows [C] (PyTorch's BatchNorm1d after a Linear) each feature is a channel of one pixel: the statistics
        // over N·1·1 values are the statistics over the batch, so a [C, 1, 1] view around the image layer computes it.
        bool features = _shape.Rank == 1 && _batchAxis;
        if (!features) RequireImage(node);
        if (Int(node, "training_mode", 0) != 0 || node.Outputs.Count > 1)
            throw new NotSupportedException($"{Describe(node)}: only inference-mode batch normalization imports (training_mode 0, one output).");
        int c = _shape[0];
        if (features) AddLayer(node, new ReshapeSpec(new TensorShape([c, 1, 1])), []);
        // ONNX's momentum weighs the running statistics (default 0.9); the engine's, as PyTorch's, weighs the batch.
        var spec = new BatchNorm2dSpec(1 - Float(node, "momentum", 0.9f), Float(node, "epsilon", 1e-5f));
        string y = AddLayer(node, spec, new()
        {
            [".weight"] = RowVector(node, 1, c), [".bias"] = RowVector(node, 2, c),
            [".running_mean"] = RowVector(node, 3, c), [".running_var"] = RowVector(node, 4, c),
        });
        return features ? AddLayer(node, new FlattenSpec(), []) : y;
    }

    private string AddReshape(OnnxNode node)
    {
        var target = Constant(node, 1).Longs ?? throw new NotSupportedException($"{Describe(node)}: the shape must be an int64 constant.");
        long[] row = _batchAxis ? target[1..] : target;
        string shown = string.Join(", ", target.Select(d => d == OnnxShapeFolding.Batch ? "N" : d.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        // The batch entry may be -1 or 0 (any batch), the input's fixed batch size (1 for a free batch, as single-row
        // exports write it) or the batch size read from a Shape node.
        if (_batchAxis && target[0] != _fixedBatch && target[0] is not (-1 or 0 or OnnxShapeFolding.Batch))
            throw new NotSupportedException($"{Describe(node)}: shape [{shown}] changes the batch axis.");
        if (row.Contains(OnnxShapeFolding.Batch))
            throw new NotSupportedException($"{Describe(node)}: shape [{shown}] moves the batch size into a row, which the engine's rows of fixed size cannot hold.");
        if (Int(node, "allowzero", 0) != 0 && row.Contains(0))
            throw new NotSupportedException($"{Describe(node)}: with allowzero = 1, shape [{shown}] asks for an empty axis.");
        var dims = new int[row.Length];
        int inferred = -1, known = 1;
        for (int i = 0; i < row.Length; i++)
        {
            if (row[i] == -1) { inferred = i; continue; }
            dims[i] = row[i] == 0 ? _shape.Dimensions.ElementAtOrDefault(i) : (int)row[i]; // 0 copies the row's own axis
            known *= dims[i];
        }
        if (inferred >= 0) dims[inferred] = known == 0 ? 0 : _shape.Size / known;
        var shape = new TensorShape(dims);
        if (shape.Size != _shape.Size) throw new NotSupportedException($"{Describe(node)}: shape [{shown}] does not hold a row of {_shape}.");
        return AddLayer(node, shape.Rank == 1 ? new FlattenSpec() : new ReshapeSpec(shape), []);
    }

    private string AddLayer(OnnxNode node, LayerSpec spec, Dictionary<string, float[]> parameters) => AddLayer(node, spec, parameters, node.Outputs[0]);

    /// <summary>Adds the layer <paramref name="spec"/> (read from <paramref name="node"/>), whose output is the tensor <paramref name="output"/>.</summary>
    private string AddLayer(OnnxNode node, LayerSpec spec, Dictionary<string, float[]> parameters, string output)
    {
        if (_pendingOffset != null)
            throw new NotSupportedException($"{Describe(node)} follows an Add or Sub of a constant that is not next to a dense layer; the engine has no layer for it.");
        TensorShape outputShape;
        try
        {
            outputShape = spec.InferOutputShape(_shape);
        }
        catch (ArgumentException e)
        {
            throw new NotSupportedException($"{Describe(node)} as {spec.Kind}: {e.Message}", e);
        }
        _layers.Add(new ImportedLayer(spec with { InputShape = _shape, OutputShape = outputShape }, parameters, output));
        _shape = outputShape;
        _layerOfTensor[output] = _layers.Count;
        return output;
    }

    private int SymmetricPads(OnnxNode node)
    {
        var pads = node.TryGetAttribute("pads", out var attribute) ? attribute.GetInts() : [0, 0, 0, 0];
        if (pads.Length != 4 || pads.Any(p => p != pads[0]))
            throw new NotSupportedException($"{Describe(node)}: pads [{string.Join(", ", pads)}] must be the same on every side.");
        return (int)pads[0];
    }

    private int SquareKernel(OnnxNode node, int height, int width)
    {
        if (height != width) throw new NotSupportedException($"{Describe(node)}: a {height}×{width} kernel is not square, as the engine's are.");
        if (node.TryGetAttribute("kernel_shape", out var attribute) && attribute.GetInts() is var k && (k.Length != 2 || k[0] != height || k[1] != width))
            throw new NotSupportedException($"{Describe(node)}: kernel_shape disagrees with the weights.");
        return height;
    }

    private static int Square(OnnxNode node, string name, int fallback)
    {
        if (!node.TryGetAttribute(name, out var attribute)) return fallback;
        var values = attribute.GetInts();
        if (values.Length != 2 || values[0] != values[1])
            throw new NotSupportedException($"{Describe(node)}: {name} [{string.Join(", ", values)}] differ between height and width; the engine's layers use one value for both.");
        return (int)values[0];
    }

    private void RequireFlat(OnnxNode node)
    {
        if (_shape.Rank != 1) throw new NotSupportedException($"{Describe(node)} reads rows of shape {_shape}; the engine's dense layers read flat rows (flatten first).");
    }

    private void RequireImage(OnnxNode node)
    {
        if (IsSequence)
            throw new NotSupportedException($"{Describe(node)} reads sequences [N, C, L] (rows of {_shape}); of the engine's image layers only Conv, ConvTranspose, " +
                "MaxPool and nearest Resize/Upsample have a 1-D form (conv1d, conv_transpose1d, max_pool1d, upsample1d): average pooling, other upsampling and batch normalization over sequences do not import.");
        if (_shape.Rank != 3 || !_batchAxis)
            throw new NotSupportedException($"{Describe(node)} reads rows of shape {_shape}{(_batchAxis ? "" : " with no batch axis")}; the engine's image layers read [N, C, H, W].");
    }

    private (int[] Dimensions, float[]? Floats, long[]? Longs) Constant(OnnxNode node, int index)
    {
        if (node.Inputs.Count > index && _shapes.TryGetRefusal(node.Inputs[index], out var refusal))
            throw new NotSupportedException(refusal.Message, refusal);
        if (node.Inputs.Count <= index || !_constants.TryGetValue(node.Inputs[index], out var constant))
            throw new NotSupportedException($"{Describe(node)}: input {index} must be a constant (an initializer or a Constant node), not computed.");
        return constant;
    }

    private (int[] Dimensions, float[]? Floats, long[]? Longs) Weights(OnnxNode node, int index)
    {
        var constant = Constant(node, index);
        if (constant.Floats is null) throw new NotSupportedException($"{Describe(node)}: input {index} ('{node.Inputs[index]}') must hold float values.");
        return constant;
    }

    /// <summary>
    /// A constant of <paramref name="length"/> values along the last axis ([length], or leading 1s then length), or one value
    /// for all; any other shape is refused, even one holding as many values (see <see cref="RowShapeMismatch"/>).
    /// </summary>
    private float[] RowVector(OnnxNode node, int index, int length)
    {
        var constant = Weights(node, index);
        var values = constant.Floats!;
        if (!IsRowShaped(constant.Dimensions, length))
            throw new NotSupportedException($"{Describe(node)}: input '{node.Inputs[index]}' {RowShapeMismatch(constant.Dimensions, values.Length, length)} (one per unit or channel).");
        return values.Length == length ? [.. values] : Enumerable.Repeat(values[0], length).ToArray();
    }

    /// <summary>
    /// Whether a constant of shape <paramref name="dims"/> broadcasts as one value per position of the last axis of
    /// <paramref name="length"/>: [length] or leading 1s then length ([1, length], [1, 1, length]), or a single value.
    /// A count alone does not tell: over windows [N, T, F] with T = F, a per-step [T, 1] holds F values but broadcasts
    /// along the steps.
    /// </summary>
    private static bool IsRowShaped(int[] dims, int length) =>
        dims.All(d => d == 1) || (dims.Length > 0 && dims[^1] == length && dims[..^1].All(d => d == 1));

    /// <summary>Says how a constant that is not <see cref="IsRowShaped"/> differs from one value per position of the last axis.</summary>
    private static string RowShapeMismatch(int[] dims, int count, int length) =>
        count == length
            ? $"has shape [{string.Join(", ", dims)}]: {count} values, but ONNX broadcasts them along another axis than the last; [{length}], [1, {length}] (leading 1s then {length}) or a single value were expected"
            : $"has {count} values (shape [{string.Join(", ", dims)}]) where {length} were expected: [{length}], [1, {length}] (leading 1s then {length}) or a single value";

    private void ReadConstantNode(OnnxNode node)
    {
        if (!node.TryGetAttribute("value", out var attribute) || attribute.Proto.T is not { } tensor)
            throw new NotSupportedException($"{Describe(node)}: only Constant nodes with a tensor 'value' import.");
        int[] dims = [.. tensor.Dims.Select(d => (int)d)];
        long count = dims.Aggregate(1L, (a, b) => a * b);
        _constants[node.Outputs[0]] = (TensorProto.Types.DataType)tensor.DataType switch
        {
            TensorProto.Types.DataType.Float => (dims, OnnxTensorData.ReadFloats(tensor, count), null),
            TensorProto.Types.DataType.Int64 => (dims, null, OnnxTensorData.ReadInt64s(tensor, count)),
            var other => throw new NotSupportedException($"{Describe(node)}: a constant of {other} has no use in an engine layer."),
        };
    }

    private static float[] Transposed(float[] values, int rows, int columns)
    {
        var result = new float[values.Length];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++) result[c * rows + r] = values[r * columns + c];
        return result;
    }

    private static float Float(OnnxNode node, string name, float fallback) => node.TryGetAttribute(name, out var a) ? a.GetFloat() : fallback;

    private static long Int(OnnxNode node, string name, long fallback) => node.TryGetAttribute(name, out var a) ? a.GetInt() : fallback;

    private static string String(OnnxNode node, string name, string fallback) => node.TryGetAttribute(name, out var a) ? a.GetString() : fallback;

    /// <summary>How error messages name <paramref name="node"/>: its name (or first output) and operator.</summary>
    internal static string Describe(OnnxNode node) => $"Node '{(node.Name.Length > 0 ? node.Name : node.Outputs.FirstOrDefault())}' ({node.OpType})";
}
