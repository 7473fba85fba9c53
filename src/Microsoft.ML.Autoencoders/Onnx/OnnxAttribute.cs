using System.Text;
using Google.Protobuf;
using Microsoft.ML.Autoencoders.Onnx.Protos;
using AttributeType = Microsoft.ML.Autoencoders.Onnx.Protos.AttributeProto.Types.AttributeType;

namespace Microsoft.ML.Autoencoders.Onnx;

/// <summary>
/// A named attribute of an ONNX node holding one value of one type (float, int, string, or a list of
/// floats or ints), such as LeakyRelu's <c>alpha</c> or ReduceMean's <c>axes</c>. Create one with the
/// <c>From...</c> factories when building a model; read its value with the <c>Get...</c> accessors,
/// which check the type, when reading one.
/// </summary>
internal sealed class OnnxAttribute
{
    private OnnxAttribute(AttributeProto proto) => Proto = proto;

    /// <summary>The attribute's name, e.g. <c>alpha</c>.</summary>
    public string Name => Proto.Name;

    /// <summary>Which kind of value the attribute holds.</summary>
    public AttributeType Type => Proto.Type;

    /// <summary>The message written to, or read from, the model file.</summary>
    internal AttributeProto Proto { get; }

    /// <summary>An attribute holding one float.</summary>
    /// <param name="name">The attribute's name.</param>
    /// <param name="value">Its value.</param>
    public static OnnxAttribute FromFloat(string name, float value) =>
        Create(name, AttributeType.Float, a => a.F = value);

    /// <summary>An attribute holding one 64-bit integer (ONNX's INT).</summary>
    /// <param name="name">The attribute's name.</param>
    /// <param name="value">Its value.</param>
    public static OnnxAttribute FromInt(string name, long value) =>
        Create(name, AttributeType.Int, a => a.I = value);

    /// <summary>An attribute holding one string, stored as UTF-8.</summary>
    /// <param name="name">The attribute's name.</param>
    /// <param name="value">Its value.</param>
    public static OnnxAttribute FromString(string name, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return Create(name, AttributeType.String, a => a.S = ByteString.CopyFromUtf8(value));
    }

    /// <summary>An attribute holding a list of floats.</summary>
    /// <param name="name">The attribute's name.</param>
    /// <param name="values">Its values.</param>
    public static OnnxAttribute FromFloats(string name, params ReadOnlySpan<float> values)
    {
        var proto = NewProto(name, AttributeType.Floats);
        foreach (float value in values)
            proto.Floats.Add(value);
        return new OnnxAttribute(proto);
    }

    /// <summary>An attribute holding a list of 64-bit integers, e.g. <c>axes</c>.</summary>
    /// <param name="name">The attribute's name.</param>
    /// <param name="values">Its values.</param>
    public static OnnxAttribute FromInts(string name, params ReadOnlySpan<long> values)
    {
        var proto = NewProto(name, AttributeType.Ints);
        foreach (long value in values)
            proto.Ints.Add(value);
        return new OnnxAttribute(proto);
    }

    /// <summary>Wraps an attribute read from a model file.</summary>
    /// <param name="proto">The parsed attribute.</param>
    /// <exception cref="InvalidDataException">The attribute has no name.</exception>
    internal static OnnxAttribute FromProto(AttributeProto proto)
    {
        if (string.IsNullOrEmpty(proto.Name))
            throw new InvalidDataException("An ONNX node attribute has no name.");
        return new OnnxAttribute(proto);
    }

    /// <summary>The value of a FLOAT attribute.</summary>
    /// <exception cref="InvalidDataException">The attribute holds another type.</exception>
    public float GetFloat() => Require(AttributeType.Float).F;

    /// <summary>The value of an INT attribute.</summary>
    /// <exception cref="InvalidDataException">The attribute holds another type.</exception>
    public long GetInt() => Require(AttributeType.Int).I;

    /// <summary>The value of a STRING attribute, decoded from UTF-8.</summary>
    /// <exception cref="InvalidDataException">The attribute holds another type.</exception>
    public string GetString() => Encoding.UTF8.GetString(Require(AttributeType.String).S.Span);

    /// <summary>The values of a FLOATS attribute.</summary>
    /// <exception cref="InvalidDataException">The attribute holds another type.</exception>
    public float[] GetFloats() => [.. Require(AttributeType.Floats).Floats];

    /// <summary>The values of an INTS attribute.</summary>
    /// <exception cref="InvalidDataException">The attribute holds another type.</exception>
    public long[] GetInts() => [.. Require(AttributeType.Ints).Ints];

    /// <inheritdoc/>
    public override string ToString() => Type switch
    {
        AttributeType.Float => $"{Name}={GetFloat()}",
        AttributeType.Int => $"{Name}={GetInt()}",
        AttributeType.String => $"{Name}=\"{GetString()}\"",
        AttributeType.Floats => $"{Name}=[{string.Join(", ", Proto.Floats)}]",
        AttributeType.Ints => $"{Name}=[{string.Join(", ", Proto.Ints)}]",
        _ => $"{Name} ({Type})",
    };

    private AttributeProto Require(AttributeType expected)
    {
        if (Proto.Type != expected)
            throw new InvalidDataException($"ONNX attribute '{Name}' holds {Proto.Type}, not {expected}.");
        return Proto;
    }

    private static OnnxAttribute Create(string name, AttributeType type, Action<AttributeProto> setValue)
    {
        var proto = NewProto(name, type);
        setValue(proto);
        return new OnnxAttribute(proto);
    }

    private static AttributeProto NewProto(string name, AttributeType type)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        // IR version 2 and later require the type discriminator to be written.
        return new AttributeProto { Name = name, Type = type };
    }
}
