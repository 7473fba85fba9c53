using System.Diagnostics.CodeAnalysis;
using Google.Protobuf;
using Microsoft.ML.Autoencoders.Onnx.Protos;
using DataType = Microsoft.ML.Autoencoders.Onnx.Protos.TensorProto.Types.DataType;

namespace Microsoft.ML.Autoencoders.Onnx;

/// <summary>
/// Reads an ONNX model file: its metadata, graph inputs and outputs, nodes, and FLOAT/INT64
/// initializers. Everything is parsed and checked when the model is read, so a damaged file fails at
/// once with an <see cref="InvalidDataException"/> that says what is wrong.
/// </summary>
internal sealed class OnnxModelReader
{
    private readonly Dictionary<string, TensorProto> _initializers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, OnnxTensor<float>> _floatInitializers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, OnnxTensor<long>> _int64Initializers = new(StringComparer.Ordinal);

    private OnnxModelReader(ModelProto model)
    {
        if (!model.HasIrVersion || model.IrVersion <= 0)
            throw new InvalidDataException("Not an ONNX model: it has no IR version.");
        if (model.Graph is null)
            throw new InvalidDataException("Not an ONNX model: it has no graph.");

        IrVersion = model.IrVersion;
        ProducerName = model.ProducerName;
        ProducerVersion = model.ProducerVersion;
        GraphName = model.Graph.Name;
        OpsetImports = ReadOpsetImports(model);
        Metadata = ReadMetadata(model);
        Inputs = [.. model.Graph.Input.Select(ReadValueInfo)];
        Outputs = [.. model.Graph.Output.Select(ReadValueInfo)];
        Nodes = [.. model.Graph.Node.Select((node, index) => new OnnxNode(node, index))];
        foreach (TensorProto tensor in model.Graph.Initializer)
            ReadInitializer(tensor);
    }

    /// <summary>The ONNX IR (file format) version of the model.</summary>
    public long IrVersion { get; }

    /// <summary>The operator sets the model imports: domain (empty for ai.onnx) to version.</summary>
    public IReadOnlyDictionary<string, long> OpsetImports { get; }

    /// <summary>The version of the default ai.onnx operator set the nodes follow.</summary>
    /// <exception cref="InvalidDataException">The model imports no ai.onnx operator set.</exception>
    public long DefaultOpsetVersion =>
        OpsetImports.TryGetValue("", out long version)
            ? version
            : throw new InvalidDataException("The ONNX model imports no version of the default ai.onnx operator set.");

    /// <summary>The tool that wrote the model.</summary>
    public string ProducerName { get; }

    /// <summary>The version of the tool that wrote the model.</summary>
    public string ProducerVersion { get; }

    /// <summary>The graph's name.</summary>
    public string GraphName { get; }

    /// <summary>The model's metadata entries (ONNX <c>metadata_props</c>).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The graph inputs, in file order.</summary>
    public IReadOnlyList<OnnxValueInfo> Inputs { get; }

    /// <summary>The graph outputs, in file order.</summary>
    public IReadOnlyList<OnnxValueInfo> Outputs { get; }

    /// <summary>The nodes, in file (topological) order.</summary>
    public IReadOnlyList<OnnxNode> Nodes { get; }

    /// <summary>The names of all initializers, of every element type.</summary>
    public IReadOnlyCollection<string> InitializerNames => _initializers.Keys;

    /// <summary>Reads a model from its bytes.</summary>
    /// <param name="bytes">The content of an .onnx file.</param>
    /// <returns>The parsed model.</returns>
    /// <exception cref="InvalidDataException">The bytes are not a well-formed ONNX model.</exception>
    public static OnnxModelReader Parse(ReadOnlySpan<byte> bytes)
    {
        ModelProto model;
        try
        {
            model = ModelProto.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidDataException($"Not a readable ONNX model: the protobuf data is damaged ({e.Message}).", e);
        }
        return new OnnxModelReader(model);
    }

    /// <summary>Reads a model from a stream, to its end.</summary>
    /// <param name="stream">A readable stream holding an .onnx file; it is left open.</param>
    /// <returns>The parsed model.</returns>
    /// <exception cref="InvalidDataException">The data is not a well-formed ONNX model.</exception>
    public static OnnxModelReader Read(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return Parse(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
    }

    /// <summary>The FLOAT initializer named <paramref name="name"/>.</summary>
    /// <param name="name">The initializer's name.</param>
    /// <exception cref="InvalidDataException">There is no such initializer, or it is not FLOAT.</exception>
    public OnnxTensor<float> GetFloatInitializer(string name) =>
        TryGetFloatInitializer(name, out OnnxTensor<float>? tensor) ? tensor : throw MissingInitializer(name, DataType.Float);

    /// <summary>Looks up a FLOAT initializer.</summary>
    /// <param name="name">The initializer's name.</param>
    /// <param name="tensor">The tensor, when the model has a FLOAT initializer of that name.</param>
    /// <returns>Whether it was found.</returns>
    public bool TryGetFloatInitializer(string name, [NotNullWhen(true)] out OnnxTensor<float>? tensor) =>
        _floatInitializers.TryGetValue(name, out tensor);

    /// <summary>The INT64 initializer named <paramref name="name"/>.</summary>
    /// <param name="name">The initializer's name.</param>
    /// <exception cref="InvalidDataException">There is no such initializer, or it is not INT64.</exception>
    public OnnxTensor<long> GetInt64Initializer(string name) =>
        _int64Initializers.TryGetValue(name, out OnnxTensor<long>? tensor) ? tensor : throw MissingInitializer(name, DataType.Int64);

    private InvalidDataException MissingInitializer(string name, DataType wanted) =>
        _initializers.TryGetValue(name, out TensorProto? tensor)
            ? new InvalidDataException($"ONNX initializer '{name}' holds {(DataType)tensor.DataType}, not {wanted}.")
            : new InvalidDataException($"The ONNX model has no initializer named '{name}'.");

    private void ReadInitializer(TensorProto tensor)
    {
        if (string.IsNullOrEmpty(tensor.Name))
            throw new InvalidDataException("An ONNX initializer has no name.");
        if (!_initializers.TryAdd(tensor.Name, tensor))
            throw new InvalidDataException($"The ONNX model has two initializers named '{tensor.Name}'.");

        int[] dimensions = new int[tensor.Dims.Count];
        long elementCount = 1;
        for (int axis = 0; axis < dimensions.Length; axis++)
        {
            long dimension = tensor.Dims[axis];
            if (dimension < 0 || dimension > int.MaxValue)
                throw new InvalidDataException($"ONNX initializer '{tensor.Name}' has an invalid dimension {dimension}.");
            dimensions[axis] = (int)dimension;
            elementCount *= dimension;
            if (elementCount > Array.MaxLength)
                throw new InvalidDataException($"ONNX initializer '{tensor.Name}' is too large to read ([{string.Join(", ", tensor.Dims)}]).");
        }

        // Only the element types the library writes are decoded; others stay listed by name.
        switch ((DataType)tensor.DataType)
        {
            case DataType.Float:
                _floatInitializers.Add(tensor.Name, new OnnxTensor<float>(tensor.Name, dimensions, OnnxTensorData.ReadFloats(tensor, elementCount)));
                break;
            case DataType.Int64:
                _int64Initializers.Add(tensor.Name, new OnnxTensor<long>(tensor.Name, dimensions, OnnxTensorData.ReadInt64s(tensor, elementCount)));
                break;
            case DataType.Undefined:
                throw new InvalidDataException($"ONNX initializer '{tensor.Name}' has no data type.");
        }
    }

    private static Dictionary<string, long> ReadOpsetImports(ModelProto model)
    {
        var imports = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (OperatorSetIdProto opset in model.OpsetImport)
        {
            // "ai.onnx" is the default domain's long name; files may use either spelling.
            string domain = opset.Domain == "ai.onnx" ? "" : opset.Domain;
            if (!imports.TryAdd(domain, opset.Version))
                throw new InvalidDataException($"The ONNX model imports operator set domain '{domain}' twice.");
        }
        if (imports.Count == 0)
            throw new InvalidDataException("Not a valid ONNX model: it imports no operator set.");
        return imports;
    }

    private static Dictionary<string, string> ReadMetadata(ModelProto model)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (StringStringEntryProto entry in model.MetadataProps)
        {
            if (!metadata.TryAdd(entry.Key, entry.Value))
                throw new InvalidDataException($"The ONNX model has metadata key '{entry.Key}' twice.");
        }
        return metadata;
    }

    private static OnnxValueInfo ReadValueInfo(ValueInfoProto value)
    {
        if (string.IsNullOrEmpty(value.Name))
            throw new InvalidDataException("An ONNX graph input or output has no name.");
        TypeProto.Types.Tensor? tensorType = value.Type?.TensorType;
        if (tensorType is null)
            throw new InvalidDataException($"ONNX graph value '{value.Name}' is not a tensor; only tensors are supported.");
        if (tensorType.Shape is null)
            throw new InvalidDataException($"ONNX graph value '{value.Name}' has no shape; only tensors of known rank are supported.");

        var dimensions = new int[tensorType.Shape.Dim.Count];
        for (int axis = 0; axis < dimensions.Length; axis++)
        {
            TensorShapeProto.Types.Dimension dimension = tensorType.Shape.Dim[axis];
            if (!dimension.HasDimValue)
            {
                dimensions[axis] = -1; // symbolic (dim_param) or unknown
                continue;
            }
            if (dimension.DimValue < 0 || dimension.DimValue > int.MaxValue)
                throw new InvalidDataException($"ONNX graph value '{value.Name}' has an invalid dimension {dimension.DimValue} on axis {axis}.");
            dimensions[axis] = (int)dimension.DimValue;
        }
        return new OnnxValueInfo(value.Name, (DataType)tensorType.ElemType, dimensions);
    }
}
