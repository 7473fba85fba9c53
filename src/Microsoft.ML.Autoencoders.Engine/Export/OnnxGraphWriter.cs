namespace Microsoft.ML.Autoencoders.Engine.Export;

/// <summary>
/// The part of an ONNX graph that layers write themselves into: named float initializers and nodes. The engine holds no
/// protobuf code; a host (the ML.NET glue's model file, a command-line tool) implements this over its ONNX builder, so
/// every layer's export lives beside its forward and backward and works in every host.
/// </summary>
public abstract class OnnxGraphWriter
{
    /// <summary>True when tensors carry a leading batch dimension ([N, ...]); false for one row at a time ([...]).</summary>
    public abstract bool Batched { get; }

    /// <summary>Adds a float initializer (a constant tensor, e.g. a weight matrix) named <paramref name="name"/>.</summary>
    public abstract void AddInitializer(string name, IReadOnlyList<int> shape, ReadOnlySpan<float> values);

    /// <summary>Adds an int64 initializer (e.g. a Reshape's target shape).</summary>
    public abstract void AddInt64Initializer(string name, IReadOnlyList<int> shape, ReadOnlySpan<long> values);

    /// <summary>
    /// Adds a node running <paramref name="operatorType"/> (an ONNX operator at the writer's opset) on named tensors; an
    /// empty name skips an optional input or output, as ONNX allows.
    /// </summary>
    public abstract void AddNode(string operatorType, IReadOnlyList<string> inputs, IReadOnlyList<string> outputs, string name,
        params IReadOnlyList<OnnxNodeAttribute> attributes);

    /// <summary>Adds a parameter's current values as an initializer under the parameter's own name.</summary>
    public void AddInitializer(Tensors.Parameter parameter)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        AddInitializer(parameter.Name, parameter.Shape, parameter.Values);
    }
}
