namespace Microsoft.ML.Autoencoders.Engine.Export;

/// <summary>One attribute of an ONNX node (an integer, a float, a string, or a list of integers or floats), as a layer's exporter states it.</summary>
public sealed record OnnxNodeAttribute
{
    private OnnxNodeAttribute(string name, object value)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
        Value = value;
    }

    /// <summary>The attribute's name in the operator's specification (e.g. "alpha", "perm").</summary>
    public string Name { get; }

    /// <summary>A <see cref="long"/>, a <see cref="float"/>, a <see cref="string"/>, a <c>long[]</c> or a <c>float[]</c>.</summary>
    public object Value { get; }

    /// <summary>An INT attribute.</summary>
    public static OnnxNodeAttribute Int(string name, long value) => new(name, value);

    /// <summary>A FLOAT attribute.</summary>
    public static OnnxNodeAttribute Float(string name, float value) => new(name, value);

    /// <summary>A STRING attribute.</summary>
    public static OnnxNodeAttribute String(string name, string value) => new(name, value ?? throw new ArgumentNullException(nameof(value)));

    /// <summary>An INTS attribute.</summary>
    public static OnnxNodeAttribute Ints(string name, params long[] values) => new(name, values.ToArray());

    /// <summary>A FLOATS attribute.</summary>
    public static OnnxNodeAttribute Floats(string name, params float[] values) => new(name, values.ToArray());
}
