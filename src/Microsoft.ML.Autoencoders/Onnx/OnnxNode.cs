using System.Diagnostics.CodeAnalysis;
using Microsoft.ML.Autoencoders.Onnx.Protos;

namespace Microsoft.ML.Autoencoders.Onnx;

/// <summary>One operator call of an ONNX graph, as read from a model file.</summary>
internal sealed class OnnxNode
{
    private readonly Dictionary<string, OnnxAttribute> _attributesByName;

    /// <summary>Reads a parsed node, checking what the library relies on.</summary>
    /// <param name="proto">The parsed node.</param>
    /// <param name="index">Its position in the graph, for error messages.</param>
    /// <exception cref="InvalidDataException">The node has no operator type, or repeats an attribute.</exception>
    internal OnnxNode(NodeProto proto, int index)
    {
        if (string.IsNullOrEmpty(proto.OpType))
            throw new InvalidDataException($"Node {index} ('{proto.Name}') of the ONNX graph has no operator type.");

        OpType = proto.OpType;
        Name = proto.Name;
        Domain = proto.Domain;
        Inputs = [.. proto.Input];
        Outputs = [.. proto.Output];
        Attributes = [.. proto.Attribute.Select(OnnxAttribute.FromProto)];
        _attributesByName = new Dictionary<string, OnnxAttribute>(StringComparer.Ordinal);
        foreach (OnnxAttribute attribute in Attributes)
        {
            if (!_attributesByName.TryAdd(attribute.Name, attribute))
                throw new InvalidDataException($"Node '{Name}' ({OpType}) has attribute '{attribute.Name}' twice.");
        }
    }

    /// <summary>The operator, e.g. <c>MatMul</c>.</summary>
    public string OpType { get; }

    /// <summary>The node's name; may be empty, since ONNX makes it optional.</summary>
    public string Name { get; }

    /// <summary>The operator set domain; empty for the default ai.onnx domain.</summary>
    public string Domain { get; }

    /// <summary>The names of the values the node reads, in operator order (an empty name skips an optional input).</summary>
    public IReadOnlyList<string> Inputs { get; }

    /// <summary>The names of the values the node produces, in operator order.</summary>
    public IReadOnlyList<string> Outputs { get; }

    /// <summary>The node's attributes, in file order.</summary>
    public IReadOnlyList<OnnxAttribute> Attributes { get; }

    /// <summary>The attribute named <paramref name="name"/>.</summary>
    /// <param name="name">The attribute's name.</param>
    /// <exception cref="InvalidDataException">The node has no such attribute.</exception>
    public OnnxAttribute GetAttribute(string name) =>
        TryGetAttribute(name, out OnnxAttribute? attribute)
            ? attribute
            : throw new InvalidDataException($"Node '{Name}' ({OpType}) has no attribute '{name}'.");

    /// <summary>Looks up an optional attribute.</summary>
    /// <param name="name">The attribute's name.</param>
    /// <param name="attribute">The attribute, when present.</param>
    /// <returns>Whether the node has the attribute.</returns>
    public bool TryGetAttribute(string name, [NotNullWhen(true)] out OnnxAttribute? attribute) =>
        _attributesByName.TryGetValue(name, out attribute);

    /// <inheritdoc/>
    public override string ToString() =>
        $"{Name}: {OpType}({string.Join(", ", Inputs)}) -> {string.Join(", ", Outputs)}";
}
