using Microsoft.ML.Autoencoders.Onnx.Protos;
using DataType = Microsoft.ML.Autoencoders.Onnx.Protos.TensorProto.Types.DataType;

namespace Microsoft.ML.Autoencoders.Onnx;

/// <summary>
/// Joins two ONNX models into one: a front graph (e.g. ML.NET's converter output for the transforms ahead of the
/// autoencoder) whose tensor <c>frontOutput</c> feeds the back graph's input <c>backInput</c> (the library's own graph).
/// </summary>
/// <remarks>
/// <para>What the composed model holds:</para>
/// <list type="bullet">
/// <item>Only the part of the front graph that <c>frontOutput</c> depends on: its other outputs, the nodes that compute
/// them, and raw inputs nothing needed reads are dropped (a runtime would otherwise ask callers to feed them).</item>
/// <item>Inputs: the front's remaining inputs, then the back's inputs other than <c>backInput</c> (e.g. the detector's
/// threshold). Outputs: the back's. The front's output tensor keeps its type as a <c>value_info</c> entry.</item>
/// <item>Names: the back graph's names stay as they are, so the library's loaders still find its weights, unless a
/// front input (a raw column) has the same name; then the back's value becomes <c>autoencoder/{name}</c>. A front value
/// other than an input that clashes with a back name becomes <c>preprocessing/{name}</c>. Sub-graphs are renamed with
/// their parents.</item>
/// <item>Operator sets: the back's ai.onnx version (the front's nodes are upgraded to it: see
/// <see cref="UpgradeNodes"/>) and every other domain from whichever graph imports it; the IR version is the larger.</item>
/// <item>Shapes: a negative <c>dim_value</c> (ML.NET's converter writes -1 for "any") becomes, in a graph input, a named
/// dimension (axis 0 the shared batch axis <see cref="OnnxModelBuilder.BatchDimensionName"/>, as the library's own graphs
/// name it) and elsewhere an unknown one (see <see cref="NameNegativeDimensions"/>).</item>
/// <item>Metadata: the back's entries, then the front's under a <c>preprocessing.</c> prefix.</item>
/// </list>
/// Every message is copied whole (attributes of any type, domains, doc strings, unknown fields); only names, dimensions
/// and the upgraded nodes' attributes change.
/// </remarks>
internal static class OnnxGraphComposer
{
    public const string BackPrefix = "autoencoder/";
    public const string FrontPrefix = "preprocessing/";
    public const string FrontMetadataPrefix = "preprocessing.";

    /// <summary>
    /// ai.onnx operators whose meaning at opset 11 is the meaning they still have at 17: later versions only added element
    /// types, or optional attributes and inputs whose defaults keep the old behaviour. A front node of one of these runs
    /// unchanged under the back graph's opset.
    /// </summary>
    private static readonly HashSet<string> UnchangedSinceOpset11 = new(StringComparer.Ordinal)
    {
        "Abs", "Acos", "Add", "And", "ArgMax", "ArgMin", "Asin", "Atan", "Cast", "Ceil", "Clip", "Concat", "Constant",
        "ConstantOfShape", "Cos", "CumSum", "Div", "Elu", "Equal", "Erf", "Exp", "Expand", "Flatten", "Floor", "Gather",
        "Gemm", "Greater", "GreaterOrEqual", "HardSigmoid", "Identity", "IsInf", "IsNaN", "LeakyRelu", "Less", "LessOrEqual",
        "Log", "MatMul", "Max", "Mean", "Min", "Mod", "Mul", "Neg", "NonZero", "Not", "OneHot", "Or", "Pad", "Pow", "Range",
        "Reciprocal", "ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceMax", "ReduceMean", "ReduceMin",
        "ReduceProd", "ReduceSumSquare", "Relu", "Reshape", "Round", "Selu", "Shape", "Sigmoid", "Sign", "Sin", "Size",
        "Slice", "Softplus", "Softsign", "Sqrt", "Sub", "Sum", "Tanh", "Tile", "TopK", "Transpose", "Where", "Xor",
    };

    /// <summary>
    /// ai.onnx operators whose attribute became an input at opset 13 (the attribute's name, read as an int64 tensor): a
    /// front node from an older opset is rewritten to pass it as a constant input.
    /// </summary>
    private static readonly Dictionary<string, string> AttributeBecameInputAt13 = new(StringComparer.Ordinal)
    {
        ["ReduceSum"] = "axes", ["Squeeze"] = "axes", ["Unsqueeze"] = "axes", ["Split"] = "split",
    };

    /// <summary>Composes <paramref name="front"/> and <paramref name="back"/>; neither argument is changed.</summary>
    /// <param name="front">The model that prepares the back's input.</param>
    /// <param name="frontOutput">The front tensor that becomes the back's input.</param>
    /// <param name="back">The model that reads it.</param>
    /// <param name="backInput">The back graph input that <paramref name="frontOutput"/> replaces.</param>
    /// <param name="graphName">The composed graph's name.</param>
    /// <exception cref="ArgumentException">A named tensor is missing, or the two tensors' types or shapes differ.</exception>
    /// <exception cref="NotSupportedException">The front uses an opset or operator that cannot be brought to the back's opset.</exception>
    public static ModelProto Compose(ModelProto front, string frontOutput, ModelProto back, string backInput, string graphName)
    {
        ArgumentNullException.ThrowIfNull(front);
        ArgumentNullException.ThrowIfNull(back);
        if (front.Graph is null || back.Graph is null)
            throw new ArgumentException("Both ONNX models need a graph.");
        GraphProto frontGraph = front.Graph.Clone(), backGraph = back.Graph.Clone();

        ValueInfoProto frontTensor = frontGraph.Output.FirstOrDefault(o => o.Name == frontOutput)
            ?? throw new ArgumentException($"The preprocessing graph has no output '{frontOutput}'; it has {List(frontGraph.Output.Select(o => o.Name))}.", nameof(frontOutput));
        ValueInfoProto backTensor = backGraph.Input.FirstOrDefault(i => i.Name == backInput)
            ?? throw new ArgumentException($"The autoencoder graph has no input '{backInput}'.", nameof(backInput));
        NameNegativeDimensions(frontGraph);
        CheckCompatible(frontTensor, backTensor);

        Slice(frontGraph, frontOutput);
        long frontOpset = DefaultOpset(front), backOpset = DefaultOpset(back);
        UpgradeNodes(frontGraph, frontOpset, backOpset);

        // Names: the front's raw inputs are the file's contract, so the back yields to them; otherwise the front yields.
        var frontInputs = new HashSet<string>(frontGraph.Input.Select(i => i.Name), StringComparer.Ordinal);
        var frontNames = ValueNames(frontGraph);
        var backNames = ValueNames(backGraph);
        backNames.Remove(backInput);
        var taken = new HashSet<string>(frontNames.Concat(backNames), StringComparer.Ordinal);
        var frontRenames = new Dictionary<string, string>(StringComparer.Ordinal);
        var backRenames = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string name in backNames.Where(frontNames.Contains))
        {
            if (frontInputs.Contains(name))
                backRenames[name] = Unique(BackPrefix + name, taken);
            else
                frontRenames[name] = Unique(FrontPrefix + name, taken);
        }
        RenameValues(frontGraph, frontRenames);
        string joined = frontRenames.GetValueOrDefault(frontOutput, frontOutput);
        backRenames[backInput] = joined;
        RenameValues(backGraph, backRenames);

        var nodeNames = new HashSet<string>(frontGraph.Node.Select(n => n.Name), StringComparer.Ordinal);
        foreach (NodeProto node in backGraph.Node.Where(n => n.Name.Length > 0 && nodeNames.Contains(n.Name)))
            node.Name = Unique(BackPrefix + node.Name, nodeNames);

        var graph = new GraphProto
        {
            Name = graphName,
            DocString = string.Join("\n", new[] { frontGraph.DocString, backGraph.DocString }.Where(d => d.Length > 0)),
        };
        graph.Node.Add(frontGraph.Node);
        graph.Node.Add(backGraph.Node);
        graph.Initializer.Add(frontGraph.Initializer);
        graph.Initializer.Add(backGraph.Initializer);
        graph.SparseInitializer.Add(frontGraph.SparseInitializer);
        graph.SparseInitializer.Add(backGraph.SparseInitializer);
        graph.Input.Add(frontGraph.Input);
        graph.Input.Add(backGraph.Input.Where(i => i.Name != joined));
        graph.Output.Add(backGraph.Output);
        graph.ValueInfo.Add(frontGraph.ValueInfo.Where(v => v.Name != joined));
        var joinedInfo = frontTensor.Clone();
        joinedInfo.Name = joined;
        graph.ValueInfo.Add(joinedInfo);
        graph.ValueInfo.Add(backGraph.ValueInfo);
        graph.QuantizationAnnotation.Add(frontGraph.QuantizationAnnotation);
        graph.QuantizationAnnotation.Add(backGraph.QuantizationAnnotation);

        var model = new ModelProto
        {
            IrVersion = Math.Max(front.IrVersion, back.IrVersion),
            ProducerName = back.ProducerName,
            ProducerVersion = back.ProducerVersion,
            Domain = back.Domain,
            ModelVersion = back.ModelVersion,
            DocString = back.DocString,
            Graph = graph,
        };
        model.OpsetImport.Add(MergeOpsets(front, back, backOpset));
        model.MetadataProps.Add(back.MetadataProps.Select(p => p.Clone()));
        foreach (StringStringEntryProto entry in front.MetadataProps)
            model.MetadataProps.Add(new StringStringEntryProto { Key = FrontMetadataPrefix + entry.Key, Value = entry.Value });
        return model;
    }

    /// <summary>The version of the default ai.onnx operator set a model imports (1 when it imports none, as ONNX reads it).</summary>
    public static long DefaultOpset(ModelProto model) =>
        model.OpsetImport.FirstOrDefault(o => o.Domain is "" or "ai.onnx")?.Version ?? 1;

    /// <summary>
    /// Keeps only what <paramref name="output"/> depends on: the nodes on its path (walking back from it, through the
    /// outer-scope names sub-graphs read), the inputs, initializers and value types they read, and that one output.
    /// </summary>
    private static void Slice(GraphProto graph, string output)
    {
        var needed = new HashSet<string>(StringComparer.Ordinal) { output };
        var kept = new List<NodeProto>();
        for (int i = graph.Node.Count - 1; i >= 0; i--)
        {
            NodeProto node = graph.Node[i];
            if (!node.Output.Any(needed.Contains))
                continue;
            kept.Add(node);
            needed.UnionWith(node.Input.Where(n => n.Length > 0));
            foreach (GraphProto subgraph in Subgraphs(node))
                needed.UnionWith(ValueNames(subgraph));
        }
        kept.Reverse();
        Replace(graph.Node, kept);
        Replace(graph.Input, graph.Input.Where(v => needed.Contains(v.Name)).ToList());
        Replace(graph.Initializer, graph.Initializer.Where(t => needed.Contains(t.Name)).ToList());
        Replace(graph.SparseInitializer, graph.SparseInitializer.Where(t => needed.Contains(t.Values?.Name ?? "")).ToList());
        Replace(graph.ValueInfo, graph.ValueInfo.Where(v => needed.Contains(v.Name)).ToList());
        Replace(graph.QuantizationAnnotation, graph.QuantizationAnnotation.Where(a => needed.Contains(a.TensorName)).ToList());
        Replace(graph.Output, graph.Output.Where(v => v.Name == output).ToList());
    }

    /// <summary>
    /// Brings the ai.onnx nodes of a graph written for <paramref name="from"/> to opset <paramref name="to"/>: operators
    /// in <see cref="UnchangedSinceOpset11"/> are kept as they are, those in <see cref="AttributeBecameInputAt13"/> get
    /// their attribute as a constant input, and any other operator is refused with its name (it might mean something
    /// else at <paramref name="to"/>). Nodes of other domains keep their own operator set.
    /// </summary>
    private static void UpgradeNodes(GraphProto graph, long from, long to)
    {
        if (from == to)
            return;
        if (from > to)
            throw new NotSupportedException(
                $"The preprocessing graph uses ai.onnx opset {from}, newer than the autoencoder's {to}; the library cannot lower it.");
        if (from < 11)
            throw new NotSupportedException(
                $"The preprocessing graph uses ai.onnx opset {from}; the library upgrades graphs from opset 11 or later to the autoencoder's {to}.");

        var names = ValueNames(graph);
        var unsupported = new SortedSet<string>(StringComparer.Ordinal);
        foreach (NodeProto node in AllNodes(graph))
        {
            if (node.Domain is not ("" or "ai.onnx"))
                continue;
            if (AttributeBecameInputAt13.TryGetValue(node.OpType, out string? attributeName))
            {
                if (from < 13 && to >= 13)
                    MoveAttributeToInput(graph, node, attributeName, names);
            }
            else if (!UnchangedSinceOpset11.Contains(node.OpType))
            {
                unsupported.Add(node.OpType);
            }
        }
        if (unsupported.Count > 0)
            throw new NotSupportedException(
                $"The preprocessing graph uses ai.onnx operators that the library does not upgrade from opset {from} to {to}: " +
                $"{string.Join(", ", unsupported)}. Use transforms that convert to other operators, or serve the two files separately.");
    }

    private static void MoveAttributeToInput(GraphProto graph, NodeProto node, string attributeName, HashSet<string> names)
    {
        AttributeProto? attribute = node.Attribute.FirstOrDefault(a => a.Name == attributeName);
        if (attribute is null)
            return; // Absent: the opset-13 form without the input means the same (all axes, or equal parts).
        node.Attribute.Remove(attribute);
        string tensorName = Unique($"{(node.Name.Length > 0 ? node.Name : node.OpType)}.{attributeName}", names);
        var tensor = new TensorProto { Name = tensorName, DataType = (int)DataType.Int64 };
        tensor.Dims.Add(attribute.Ints.Count);
        tensor.Int64Data.Add(attribute.Ints);
        graph.Initializer.Add(tensor);
        // The new input is the operator's second; Squeeze, Unsqueeze, ReduceSum and Split read exactly one before it.
        while (node.Input.Count < 1)
            node.Input.Add("");
        node.Input.Insert(1, tensorName);
    }

    private static IEnumerable<OperatorSetIdProto> MergeOpsets(ModelProto front, ModelProto back, long defaultVersion)
    {
        var merged = new Dictionary<string, long>(StringComparer.Ordinal) { [""] = defaultVersion };
        foreach (OperatorSetIdProto opset in back.OpsetImport.Concat(front.OpsetImport))
        {
            string domain = opset.Domain == "ai.onnx" ? "" : opset.Domain;
            if (domain.Length == 0)
                continue;
            if (merged.TryGetValue(domain, out long version) && version != opset.Version)
                throw new NotSupportedException(
                    $"The two graphs import different versions of operator set '{domain}' ({version} and {opset.Version}); the library cannot reconcile them.");
            merged[domain] = opset.Version;
        }
        return merged.Select(p => new OperatorSetIdProto { Domain = p.Key, Version = p.Value });
    }

    private static void CheckCompatible(ValueInfoProto front, ValueInfoProto back)
    {
        var frontType = front.Type?.TensorType;
        var backType = back.Type?.TensorType;
        if (frontType is null || backType is null)
            throw new ArgumentException($"'{front.Name}' and '{back.Name}' must both be tensors.");
        if (frontType.ElemType != backType.ElemType)
            throw new ArgumentException(
                $"The preprocessing's '{front.Name}' holds {(DataType)frontType.ElemType} values, but the autoencoder's input takes {(DataType)backType.ElemType}.");
        if (frontType.Shape is null || backType.Shape is null)
            return;
        bool sameShape = frontType.Shape.Dim.Count == backType.Shape.Dim.Count
            && frontType.Shape.Dim.Zip(backType.Shape.Dim).All(d =>
                !d.First.HasDimValue || !d.Second.HasDimValue || d.First.DimValue == d.Second.DimValue);
        if (!sameShape)
            throw new ArgumentException(
                $"The preprocessing's '{front.Name}' has shape {Describe(frontType.Shape)}, but the autoencoder's input takes {Describe(backType.Shape)}.");
    }

    /// <summary>
    /// Rewrites dimensions written as a negative <c>dim_value</c> (ONNX has no such size): in graph inputs, axis 0 becomes
    /// the shared batch axis and other axes get names of their own; in outputs and <c>value_info</c> they become unknown
    /// dimensions, neither sized nor named.
    /// </summary>
    /// <remarks>
    /// Naming the intermediate values' batch axis too would be more informative, but then ONNX Runtime (1.32) lets
    /// ai.onnx.ml Normalizer (ML.NET's NormalizeLpNorm) write into memory it still reads, and L2 normalization drops every
    /// sign; with unknown dimensions, as the converter meant them, it computes the right values
    /// (<c>PipelineOnnxExportTests</c>, LpNorm case).
    /// </remarks>
    private static void NameNegativeDimensions(GraphProto graph)
    {
        foreach (ValueInfoProto value in graph.Input.Concat(graph.Output).Concat(graph.ValueInfo))
        {
            TensorShapeProto? shape = value.Type?.TensorType?.Shape;
            if (shape is null)
                continue;
            bool input = graph.Input.Contains(value);
            for (int axis = 0; axis < shape.Dim.Count; axis++)
            {
                var dimension = shape.Dim[axis];
                if (!dimension.HasDimValue || dimension.DimValue >= 0)
                    continue;
                if (input)
                    dimension.DimParam = axis == 0 ? OnnxModelBuilder.BatchDimensionName : $"{value.Name}_dim{axis}";
                else
                    dimension.ClearValue();
            }
        }
    }

    /// <summary>Renames values everywhere a graph and its sub-graphs mention them.</summary>
    private static void RenameValues(GraphProto graph, IReadOnlyDictionary<string, string> renames)
    {
        if (renames.Count == 0)
            return;
        string Map(string name) => renames.GetValueOrDefault(name, name);
        foreach (NodeProto node in graph.Node)
        {
            for (int i = 0; i < node.Input.Count; i++) node.Input[i] = Map(node.Input[i]);
            for (int i = 0; i < node.Output.Count; i++) node.Output[i] = Map(node.Output[i]);
            foreach (GraphProto subgraph in Subgraphs(node))
                RenameValues(subgraph, renames);
        }
        foreach (ValueInfoProto value in graph.Input.Concat(graph.Output).Concat(graph.ValueInfo))
            value.Name = Map(value.Name);
        foreach (TensorProto tensor in graph.Initializer)
            tensor.Name = Map(tensor.Name);
        foreach (SparseTensorProto sparse in graph.SparseInitializer)
        {
            if (sparse.Values is not null) sparse.Values.Name = Map(sparse.Values.Name);
        }
        foreach (TensorAnnotation annotation in graph.QuantizationAnnotation)
        {
            annotation.TensorName = Map(annotation.TensorName);
            foreach (StringStringEntryProto entry in annotation.QuantParameterTensorNames)
                entry.Value = Map(entry.Value);
        }
    }

    /// <summary>Every value name a graph and its sub-graphs define or read.</summary>
    private static HashSet<string> ValueNames(GraphProto graph)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        void Add(GraphProto g)
        {
            names.UnionWith(g.Input.Select(v => v.Name));
            names.UnionWith(g.Output.Select(v => v.Name));
            names.UnionWith(g.ValueInfo.Select(v => v.Name));
            names.UnionWith(g.Initializer.Select(t => t.Name));
            names.UnionWith(g.SparseInitializer.Select(t => t.Values?.Name ?? ""));
            foreach (NodeProto node in g.Node)
            {
                names.UnionWith(node.Input);
                names.UnionWith(node.Output);
                foreach (GraphProto subgraph in Subgraphs(node))
                    Add(subgraph);
            }
        }
        Add(graph);
        names.Remove("");
        return names;
    }

    private static IEnumerable<NodeProto> AllNodes(GraphProto graph) =>
        graph.Node.SelectMany(n => Subgraphs(n).SelectMany(AllNodes).Prepend(n));

    private static IEnumerable<GraphProto> Subgraphs(NodeProto node) =>
        node.Attribute.SelectMany(a => a.G is null ? a.Graphs : a.Graphs.Prepend(a.G));

    private static string Unique(string name, HashSet<string> taken)
    {
        string candidate = name;
        for (int i = 1; !taken.Add(candidate); i++)
            candidate = $"{name}_{i}";
        return candidate;
    }

    private static void Replace<T>(Google.Protobuf.Collections.RepeatedField<T> field, List<T> items)
    {
        field.Clear();
        field.Add(items);
    }

    private static string Describe(TensorShapeProto shape) =>
        "[" + string.Join(", ", shape.Dim.Select(d => d.HasDimValue ? d.DimValue.ToString(System.Globalization.CultureInfo.InvariantCulture) : d.DimParam)) + "]";

    private static string List(IEnumerable<string> names) =>
        names.Any() ? string.Join(", ", names.Select(n => $"'{n}'")) : "none";
}
