using Google.Protobuf;
using Microsoft.ML.Autoencoders.Onnx.Protos;
using DataType = Microsoft.ML.Autoencoders.Onnx.Protos.TensorProto.Types.DataType;

namespace Microsoft.ML.Autoencoders.Onnx;

/// <summary>
/// Builds an ONNX model file: graph inputs and outputs, constant tensors (initializers), operator
/// nodes and metadata, written against one version of the default ai.onnx operator set.
/// </summary>
/// <remarks>
/// <para>
/// Add nodes in topological order (every node input must be a graph input, an initializer or the
/// output of an earlier node); <see cref="ToByteArray"/> and <see cref="WriteTo"/> check this, so a
/// mistake fails here with the value's name instead of later inside ONNX Runtime.
/// </para>
/// <para>
/// In shapes, a negative entry is a dimension of unknown size. ONNX names such dimensions: axis 0 is
/// named <see cref="BatchDimensionName"/> in every input and output, which tells runtimes that all
/// of them share one batch size; any other axis gets a name of its own (<c>{value}_dim{axis}</c>).
/// </para>
/// </remarks>
internal sealed class OnnxModelBuilder
{
    /// <summary>The operator set version used unless another is asked for. Opset 17 is the last in which ReduceMean takes <c>axes</c> as an attribute.</summary>
    public const int DefaultOpsetVersion = 17;

    /// <summary>The name given to a symbolic axis 0, the batch size.</summary>
    public const string BatchDimensionName = "N";

    private readonly ModelProto _model;
    private readonly GraphProto _graph;
    // Every name a node can read: graph inputs, initializers and node outputs. ONNX requires them to be unique.
    private readonly HashSet<string> _definedValues = new(StringComparer.Ordinal);
    private readonly HashSet<string> _outputNames = new(StringComparer.Ordinal);

    /// <summary>Starts an empty model.</summary>
    /// <param name="graphName">The graph's name, stored in the file.</param>
    /// <param name="opsetVersion">The ai.onnx operator set version the nodes follow; the IR version is derived from it.</param>
    /// <exception cref="ArgumentOutOfRangeException">The opset version is not one this builder knows the IR version for.</exception>
    public OnnxModelBuilder(string graphName = "main", int opsetVersion = DefaultOpsetVersion)
    {
        ArgumentException.ThrowIfNullOrEmpty(graphName);
        OpsetVersion = opsetVersion;
        _graph = new GraphProto { Name = graphName };
        _model = new ModelProto
        {
            IrVersion = IrVersionForOpset(opsetVersion),
            ProducerName = "Microsoft.ML.Autoencoders",
            ProducerVersion = typeof(OnnxModelBuilder).Assembly.GetName().Version?.ToString() ?? "0.0.0.0",
            Graph = _graph,
        };
        _model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opsetVersion });
    }

    /// <summary>The ai.onnx operator set version the model imports.</summary>
    public int OpsetVersion { get; }

    /// <summary>The ONNX IR (file format) version written, the one that belongs to <see cref="OpsetVersion"/>.</summary>
    public long IrVersion => _model.IrVersion;

    /// <summary>The tool that wrote the model; defaults to this library's name.</summary>
    public string ProducerName
    {
        get => _model.ProducerName;
        set => _model.ProducerName = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>The version of the tool that wrote the model; defaults to this library's assembly version.</summary>
    public string ProducerVersion
    {
        get => _model.ProducerVersion;
        set => _model.ProducerVersion = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>
    /// The IR version ONNX pairs with an ai.onnx opset version (the release table in the ONNX
    /// specification's helper module): a runtime rejects a file whose IR version is older than the
    /// one its opset needs.
    /// </summary>
    /// <param name="opsetVersion">An ai.onnx opset version, 1 to 23.</param>
    /// <returns>The IR version of the ONNX release that introduced that opset.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The opset version is outside 1..23.</exception>
    public static long IrVersionForOpset(int opsetVersion) => opsetVersion switch
    {
        >= 1 and <= 8 => 3,
        9 => 4,
        10 => 5,
        11 => 6,
        >= 12 and <= 14 => 7,
        >= 15 and <= 18 => 8,
        >= 19 and <= 20 => 9,
        >= 21 and <= 22 => 10,
        23 => 11,
        _ => throw new ArgumentOutOfRangeException(nameof(opsetVersion), opsetVersion, "Only ai.onnx opset versions 1 to 23 are known."),
    };

    /// <summary>Declares a graph input (a tensor the caller feeds).</summary>
    /// <param name="name">The input's name.</param>
    /// <param name="dimensions">Its shape; a negative entry is a symbolic dimension (see the remarks on the class).</param>
    /// <param name="elementType">Its element type.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentException">The name is empty or already used by another input, initializer or node output.</exception>
    public OnnxModelBuilder AddInput(string name, ReadOnlySpan<int> dimensions, DataType elementType = DataType.Float)
    {
        Define(name);
        _graph.Input.Add(CreateValueInfo(name, dimensions, elementType));
        return this;
    }

    /// <summary>Declares a graph output (a tensor the model returns); some node, input or initializer must produce it.</summary>
    /// <param name="name">The output's name.</param>
    /// <param name="dimensions">Its shape; a negative entry is a symbolic dimension (see the remarks on the class).</param>
    /// <param name="elementType">Its element type.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentException">The name is empty or already declared as an output.</exception>
    public OnnxModelBuilder AddOutput(string name, ReadOnlySpan<int> dimensions, DataType elementType = DataType.Float)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (!_outputNames.Add(name))
            throw new ArgumentException($"The graph already has an output named '{name}'.", nameof(name));
        _graph.Output.Add(CreateValueInfo(name, dimensions, elementType));
        return this;
    }

    /// <summary>Whether a graph input, an initializer or a node output already has <paramref name="name"/>.</summary>
    public bool Defines(string name) => _definedValues.Contains(name);

    /// <summary>Adds a constant float tensor (e.g. a weight matrix), stored as little-endian <c>raw_data</c>.</summary>
    /// <param name="name">The name nodes use to read it.</param>
    /// <param name="dimensions">Its shape; every entry must be non-negative. Empty for a scalar.</param>
    /// <param name="values">Its elements, row-major; as many as the product of <paramref name="dimensions"/>.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentException">The name is taken, a dimension is negative, or the value count does not match the shape.</exception>
    public OnnxModelBuilder AddInitializer(string name, ReadOnlySpan<int> dimensions, ReadOnlySpan<float> values)
    {
        var tensor = CreateConstantTensor(name, dimensions, values.Length, DataType.Float);
        tensor.RawData = OnnxTensorData.ToLittleEndianRawData(values);
        Define(name);
        _graph.Initializer.Add(tensor);
        return this;
    }

    /// <summary>
    /// Adds a float tensor that is both an initializer and a graph input: its value is the default, and a caller may feed
    /// another (ONNX IR 4 and later; ONNX Runtime lists it among the session's overridable initializers).
    /// </summary>
    /// <param name="name">The input's name.</param>
    /// <param name="dimensions">Its shape; every entry must be non-negative. Empty for a scalar.</param>
    /// <param name="values">The default elements, row-major.</param>
    /// <returns>This builder.</returns>
    public OnnxModelBuilder AddOverridableInitializer(string name, ReadOnlySpan<int> dimensions, ReadOnlySpan<float> values)
    {
        AddInitializer(name, dimensions, values);
        _graph.Input.Add(CreateValueInfo(name, dimensions, DataType.Float));
        return this;
    }

    /// <summary>Adds a constant 64-bit integer tensor, such as the target shape of a Reshape node.</summary>
    /// <param name="name">The name nodes use to read it.</param>
    /// <param name="dimensions">Its shape; every entry must be non-negative. Empty for a scalar.</param>
    /// <param name="values">Its elements, row-major; as many as the product of <paramref name="dimensions"/>.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentException">The name is taken, a dimension is negative, or the value count does not match the shape.</exception>
    public OnnxModelBuilder AddInt64Initializer(string name, ReadOnlySpan<int> dimensions, ReadOnlySpan<long> values)
    {
        var tensor = CreateConstantTensor(name, dimensions, values.Length, DataType.Int64);
        // int64_data is varint-encoded: small integers such as shapes take fewer bytes than raw_data.
        foreach (long value in values)
            tensor.Int64Data.Add(value);
        Define(name);
        _graph.Initializer.Add(tensor);
        return this;
    }

    /// <summary>Adds a constant string tensor, such as names a Gather node picks from (UTF-8 <c>string_data</c>).</summary>
    /// <param name="name">The name nodes use to read it.</param>
    /// <param name="dimensions">Its shape; every entry must be non-negative. Empty for a scalar.</param>
    /// <param name="values">Its elements, row-major; as many as the product of <paramref name="dimensions"/>.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentException">The name is taken, a dimension is negative, or the value count does not match the shape.</exception>
    public OnnxModelBuilder AddStringInitializer(string name, ReadOnlySpan<int> dimensions, IReadOnlyList<string> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var tensor = CreateConstantTensor(name, dimensions, values.Count, DataType.String);
        foreach (string value in values)
            tensor.StringData.Add(Google.Protobuf.ByteString.CopyFromUtf8(value));
        Define(name);
        _graph.Initializer.Add(tensor);
        return this;
    }

    /// <summary>Adds an operator call of the default ai.onnx domain.</summary>
    /// <param name="opType">The operator, e.g. <c>MatMul</c>.</param>
    /// <param name="inputs">The names of the values it reads, in the operator's order (an empty string skips an optional input).</param>
    /// <param name="outputs">The names of the values it produces; each must be new (an empty string skips an optional output, as LSTM's Y when only Y_h is read).</param>
    /// <param name="name">The node's name; <c>{opType}_{index}</c> when null.</param>
    /// <param name="attributes">The operator's attributes, e.g. <c>OnnxAttribute.FromFloat("alpha", 0.01f)</c>.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="ArgumentException">The operator or an output name is empty, an output name is taken, or an attribute repeats.</exception>
    public OnnxModelBuilder AddNode(string opType, IReadOnlyList<string> inputs, IReadOnlyList<string> outputs, string? name = null, params IReadOnlyList<OnnxAttribute> attributes)
    {
        ArgumentException.ThrowIfNullOrEmpty(opType);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(attributes);
        if (!outputs.Any(output => !string.IsNullOrEmpty(output)))
            throw new ArgumentException($"A {opType} node must produce at least one output.", nameof(outputs));

        var node = new NodeProto { OpType = opType, Name = name ?? $"{opType}_{_graph.Node.Count}" };
        foreach (string input in inputs)
            node.Input.Add(input ?? throw new ArgumentException($"Node '{node.Name}' has a null input name.", nameof(inputs)));

        var attributeNames = new HashSet<string>(StringComparer.Ordinal);
        foreach (OnnxAttribute attribute in attributes)
        {
            if (!attributeNames.Add(attribute.Name))
                throw new ArgumentException($"Node '{node.Name}' has attribute '{attribute.Name}' twice.", nameof(attributes));
            // A copy, so one OnnxAttribute may be passed to several nodes.
            node.Attribute.Add(attribute.Proto.Clone());
        }

        foreach (string output in outputs)
        {
            if (output is null) throw new ArgumentException($"Node '{node.Name}' has a null output name.", nameof(outputs));
            if (output.Length > 0) Define(output);
            node.Output.Add(output);
        }

        _graph.Node.Add(node);
        return this;
    }

    /// <summary>Sets a metadata entry (ONNX <c>metadata_props</c>), replacing an earlier value for the same key.</summary>
    /// <param name="key">The key; non-empty.</param>
    /// <param name="value">The value.</param>
    /// <returns>This builder.</returns>
    public OnnxModelBuilder SetMetadata(string key, string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(value);
        StringStringEntryProto? existing = _model.MetadataProps.FirstOrDefault(entry => entry.Key == key);
        if (existing is not null)
            existing.Value = value;
        else
            _model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        return this;
    }

    /// <summary>Checks the graph and serializes the model.</summary>
    /// <returns>The bytes of an .onnx file.</returns>
    /// <exception cref="InvalidOperationException">The graph is incomplete (see <see cref="WriteTo"/>).</exception>
    public byte[] ToByteArray()
    {
        Validate();
        return _model.ToByteArray();
    }

    /// <summary>Checks the graph and writes the model to a stream.</summary>
    /// <param name="stream">A writable stream; it is left open.</param>
    /// <exception cref="InvalidOperationException">
    /// The graph has no output, a node reads a value that no input, initializer or earlier node
    /// defines, an output is produced by nothing, or an initializer is read by nothing.
    /// </exception>
    public void WriteTo(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Validate();
        _model.WriteTo(stream);
    }

    private void Validate()
    {
        if (_graph.Output.Count == 0)
            throw new InvalidOperationException("The ONNX graph has no output: add one with AddOutput.");

        // Walk the nodes in order, so that a node reading a value defined only later is reported too.
        var available = new HashSet<string>(_graph.Input.Select(v => v.Name), StringComparer.Ordinal);
        available.UnionWith(_graph.Initializer.Select(t => t.Name));
        foreach (NodeProto node in _graph.Node)
        {
            foreach (string input in node.Input)
            {
                if (input.Length > 0 && !available.Contains(input))
                    throw new InvalidOperationException(
                        $"Node '{node.Name}' ({node.OpType}) reads '{input}', which no graph input, initializer or earlier node defines.");
            }
            available.UnionWith(node.Output);
        }

        foreach (ValueInfoProto output in _graph.Output)
        {
            if (!available.Contains(output.Name))
                throw new InvalidOperationException($"Graph output '{output.Name}' is produced by no node, input or initializer.");
        }

        // A constant nothing reads is a writer's mistake that ONNX Runtime reports on every load of the file ("Removing
        // initializer"); checked here once for every graph writer rather than at each place that adds constants. An
        // overridable initializer is also a graph input, which a caller may feed whether or not the graph reads it.
        var read = new HashSet<string>(_graph.Node.SelectMany(node => node.Input), StringComparer.Ordinal);
        read.UnionWith(_graph.Output.Select(output => output.Name));
        read.UnionWith(_graph.Input.Select(input => input.Name));
        foreach (TensorProto constant in _graph.Initializer)
        {
            if (!read.Contains(constant.Name))
                throw new InvalidOperationException($"Initializer '{constant.Name}' is read by no node and is no graph output: add it where a node reads it.");
        }
    }

    private void Define(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (!_definedValues.Add(name))
            throw new ArgumentException($"The graph already defines a value named '{name}' (an input, initializer or node output).", nameof(name));
    }

    private static TensorProto CreateConstantTensor(string name, ReadOnlySpan<int> dimensions, int valueCount, DataType elementType)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var tensor = new TensorProto { Name = name, DataType = (int)elementType };
        long expectedCount = 1;
        foreach (int dimension in dimensions)
        {
            if (dimension < 0)
                throw new ArgumentException($"Initializer '{name}' has a negative dimension; constant tensors need fixed sizes.", nameof(dimensions));
            expectedCount *= dimension;
            tensor.Dims.Add(dimension);
        }

        if (expectedCount != valueCount)
            throw new ArgumentException(
                $"Initializer '{name}' has shape [{string.Join(", ", tensor.Dims)}], which holds {expectedCount} values, but {valueCount} were given.");
        return tensor;
    }

    private static ValueInfoProto CreateValueInfo(string name, ReadOnlySpan<int> dimensions, DataType elementType)
    {
        var shape = new TensorShapeProto();
        for (int axis = 0; axis < dimensions.Length; axis++)
        {
            var dimension = new TensorShapeProto.Types.Dimension();
            if (dimensions[axis] >= 0)
                dimension.DimValue = dimensions[axis];
            else
                dimension.DimParam = axis == 0 ? BatchDimensionName : $"{name}_dim{axis}";
            shape.Dim.Add(dimension);
        }

        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)elementType, Shape = shape } },
        };
    }
}
