using Microsoft.ML.Autoencoders.Engine.Export;

namespace Microsoft.ML.Autoencoders.Onnx;

/// <summary>The engine's <see cref="OnnxGraphWriter"/> over this project's protobuf <see cref="OnnxModelBuilder"/>: layers write through it.</summary>
internal sealed class OnnxBuilderGraphWriter(OnnxModelBuilder builder, bool batched) : OnnxGraphWriter
{
    public override bool Batched => batched;

    public override void AddInitializer(string name, IReadOnlyList<int> shape, ReadOnlySpan<float> values) =>
        builder.AddInitializer(name, shape.ToArray(), values);

    public override void AddInt64Initializer(string name, IReadOnlyList<int> shape, ReadOnlySpan<long> values) =>
        builder.AddInt64Initializer(name, shape.ToArray(), values);

    public override void AddNode(string operatorType, IReadOnlyList<string> inputs, IReadOnlyList<string> outputs, string name,
        params IReadOnlyList<OnnxNodeAttribute> attributes) =>
        builder.AddNode(operatorType, inputs, outputs, name, attributes.Select(ToProto).ToArray());

    private static OnnxAttribute ToProto(OnnxNodeAttribute attribute) => attribute.Value switch
    {
        long value => OnnxAttribute.FromInt(attribute.Name, value),
        float value => OnnxAttribute.FromFloat(attribute.Name, value),
        string value => OnnxAttribute.FromString(attribute.Name, value),
        long[] values => OnnxAttribute.FromInts(attribute.Name, values),
        float[] values => OnnxAttribute.FromFloats(attribute.Name, values),
        _ => throw new ArgumentException($"Attribute '{attribute.Name}' has a value of type {attribute.Value.GetType().Name}, which ONNX attributes cannot hold."),
    };
}
