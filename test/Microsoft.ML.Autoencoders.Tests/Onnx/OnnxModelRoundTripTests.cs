using Google.Protobuf;
using Microsoft.ML.Autoencoders.Onnx;
using Microsoft.ML.Autoencoders.Onnx.Protos;
using DataType = Microsoft.ML.Autoencoders.Onnx.Protos.TensorProto.Types.DataType;

namespace Microsoft.ML.Autoencoders.Tests.Onnx;

/// <summary>What <see cref="OnnxModelBuilder"/> writes, <see cref="OnnxModelReader"/> reads back unchanged.</summary>
public sealed class OnnxModelRoundTripTests
{
    [Fact]
    public void InitializersKeepShapesAndExactValues()
    {
        var model = new TwoLayerMlpModel(seed: 42);
        OnnxModelReader reader = OnnxModelReader.Parse(model.CreateBuilder(batched: true).ToByteArray());

        Assert.Equal(["W1", "W2", "b1", "b2"], reader.InitializerNames.Order(StringComparer.Ordinal));
        AssertTensor(reader.GetFloatInitializer("W1"), [5, 3], model.W1);
        AssertTensor(reader.GetFloatInitializer("b1"), [3], model.B1);
        AssertTensor(reader.GetFloatInitializer("W2"), [3, 5], model.W2);
        AssertTensor(reader.GetFloatInitializer("b2"), [5], model.B2);
    }

    [Fact]
    public void SpecialFloatValuesSurviveBitForBit()
    {
        float[] values = [0f, -0f, float.Epsilon, float.MaxValue, float.MinValue, float.PositiveInfinity, float.NegativeInfinity, float.NaN, 1e-38f, 3.14159274f];
        byte[] bytes = NewSingleOutputBuilder().AddInitializer("special", [2, 5], values).AddNode("Identity", ["special"], ["read"]).ToByteArray();

        float[] read = OnnxModelReader.Parse(bytes).GetFloatInitializer("special").Values;

        Assert.Equal(values.Select(BitConverter.SingleToInt32Bits), read.Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void Int64AndScalarInitializersRoundTrip()
    {
        byte[] bytes = NewSingleOutputBuilder()
            .AddInt64Initializer("shape", [4], [-1, 1, 28, 28])
            .AddInitializer("scale", [], [0.5f])
            .AddNode("Reshape", ["x", "shape"], ["reshaped"])
            .AddNode("Mul", ["x", "scale"], ["scaled"])
            .ToByteArray();
        OnnxModelReader reader = OnnxModelReader.Parse(bytes);

        OnnxTensor<long> shape = reader.GetInt64Initializer("shape");
        Assert.Equal([4], shape.Dimensions);
        Assert.Equal([-1L, 1, 28, 28], shape.Values);
        OnnxTensor<float> scale = reader.GetFloatInitializer("scale");
        Assert.Empty(scale.Dimensions);
        Assert.Equal([0.5f], scale.Values);
    }

    [Fact]
    public void AskingForTheWrongElementTypeOrAMissingNameSaysSo()
    {
        OnnxModelReader reader = OnnxModelReader.Parse(
            NewSingleOutputBuilder().AddInt64Initializer("shape", [2], [1, 2]).AddNode("Reshape", ["x", "shape"], ["reshaped"]).ToByteArray());

        Assert.False(reader.TryGetFloatInitializer("shape", out _));
        var wrongType = Assert.Throws<InvalidDataException>(() => reader.GetFloatInitializer("shape"));
        Assert.Contains("Int64", wrongType.Message);
        var missing = Assert.Throws<InvalidDataException>(() => reader.GetFloatInitializer("nothing"));
        Assert.Contains("'nothing'", missing.Message);
    }

    [Fact]
    public void MetadataProducerAndVersionsRoundTrip()
    {
        OnnxModelBuilder builder = new TwoLayerMlpModel(seed: 1).CreateBuilder(batched: true)
            .SetMetadata("threshold", "0.25")
            .SetMetadata("threshold", "0.5") // replaces, keys stay distinct
            .SetMetadata("unicode", "Grüße, 世界");
        builder.ProducerVersion = "9.8.7";

        OnnxModelReader reader = OnnxModelReader.Parse(builder.ToByteArray());

        Assert.Equal(
            new Dictionary<string, string> { ["model.kind"] = "test-mlp", ["threshold"] = "0.5", ["unicode"] = "Grüße, 世界" },
            reader.Metadata);
        Assert.Equal("Microsoft.ML.Autoencoders", reader.ProducerName);
        Assert.Equal("9.8.7", reader.ProducerVersion);
        Assert.Equal("two_layer_mlp", reader.GraphName);
        Assert.Equal(8, reader.IrVersion);
        Assert.Equal(17, reader.DefaultOpsetVersion);
        Assert.Equal(new Dictionary<string, long> { [""] = 17 }, reader.OpsetImports);
    }

    [Fact]
    public void InputAndOutputShapesRoundTripWithMinusOneForSymbolicDimensions()
    {
        OnnxModelReader batched = OnnxModelReader.Parse(new TwoLayerMlpModel(seed: 1).CreateBuilder(batched: true).ToByteArray());
        OnnxModelReader single = OnnxModelReader.Parse(new TwoLayerMlpModel(seed: 1).CreateBuilder(batched: false).ToByteArray());

        OnnxValueInfo input = Assert.Single(batched.Inputs);
        Assert.Equal(TwoLayerMlpModel.InputName, input.Name);
        Assert.Equal(DataType.Float, input.ElementType);
        Assert.Equal([-1, 5], input.Dimensions);
        Assert.Equal([TwoLayerMlpModel.ReconstructionName, TwoLayerMlpModel.ErrorName], batched.Outputs.Select(o => o.Name));
        Assert.Equal([-1, 5], batched.Outputs[0].Dimensions);
        Assert.Equal([-1, 1], batched.Outputs[1].Dimensions);

        Assert.Equal([5], Assert.Single(single.Inputs).Dimensions);
        Assert.Equal([1], single.Outputs[1].Dimensions);
    }

    [Fact]
    public void NodesKeepOrderConnectionsAndAttributes()
    {
        OnnxModelBuilder builder = NewSingleOutputBuilder()
            .AddNode("LeakyRelu", ["x"], ["leaky"], "act", OnnxAttribute.FromFloat("alpha", 0.2f))
            .AddNode("Identity", ["leaky"], ["tagged"], attributes:
            [
                OnnxAttribute.FromString("note", "ok"),
                OnnxAttribute.FromFloats("weights", 1.5f, -2f),
                OnnxAttribute.FromInt("count", long.MaxValue),
            ]);
        OnnxModelReader reader = OnnxModelReader.Parse(builder.ToByteArray());

        Assert.Equal(["Identity", "LeakyRelu", "Identity"], reader.Nodes.Select(n => n.OpType));
        OnnxNode leaky = reader.Nodes[1];
        Assert.Equal("act", leaky.Name);
        Assert.Equal("", leaky.Domain);
        Assert.Equal(["x"], leaky.Inputs);
        Assert.Equal(["leaky"], leaky.Outputs);
        Assert.Equal(0.2f, leaky.GetAttribute("alpha").GetFloat());

        OnnxNode tagged = reader.Nodes[2];
        Assert.Equal("Identity_2", tagged.Name); // default name: op type and position
        Assert.Equal("ok", tagged.GetAttribute("note").GetString());
        Assert.Equal([1.5f, -2f], tagged.GetAttribute("weights").GetFloats());
        Assert.Equal(long.MaxValue, tagged.GetAttribute("count").GetInt());
        Assert.False(tagged.TryGetAttribute("alpha", out _));
        Assert.Throws<InvalidDataException>(() => tagged.GetAttribute("alpha"));
        Assert.Throws<InvalidDataException>(() => tagged.GetAttribute("note").GetFloat());

        OnnxNode reduce = OnnxModelReader.Parse(new TwoLayerMlpModel(seed: 1).CreateBuilder(batched: true).ToByteArray()).Nodes[^1];
        Assert.Equal("row_mse", reduce.Name);
        Assert.Equal([-1L], reduce.GetAttribute("axes").GetInts());
        Assert.Equal(1, reduce.GetAttribute("keepdims").GetInt());
    }

    [Fact]
    public void StreamAndByteArrayFormsAreIdentical()
    {
        OnnxModelBuilder builder = new TwoLayerMlpModel(seed: 3).CreateBuilder(batched: true);
        using var stream = new MemoryStream();
        builder.WriteTo(stream);

        Assert.Equal(builder.ToByteArray(), stream.ToArray());
        stream.Position = 0;
        Assert.Equal(4, OnnxModelReader.Read(stream).InitializerNames.Count);
    }

    [Fact]
    public void BuilderRejectsGraphsThatCannotRun()
    {
        var duplicate = NewSingleOutputBuilder();
        Assert.Throws<ArgumentException>(() => duplicate.AddInitializer("x", [1], [1f]));
        Assert.Throws<ArgumentException>(() => duplicate.AddNode("Relu", ["x"], ["y"]));
        Assert.Throws<ArgumentException>(() => duplicate.AddInitializer("w", [2, 2], [1f, 2f, 3f]));
        Assert.Throws<ArgumentException>(() => duplicate.AddInitializer("w", [-1], [1f]));

        var unknownInput = NewSingleOutputBuilder().AddNode("Add", ["x", "bias"], ["z"]);
        Assert.Contains("'bias'", Assert.Throws<InvalidOperationException>(unknownInput.ToByteArray).Message);

        var unproducedOutput = NewSingleOutputBuilder().AddOutput("missing", [-1, 2]);
        Assert.Contains("'missing'", Assert.Throws<InvalidOperationException>(unproducedOutput.ToByteArray).Message);

        var noOutput = new OnnxModelBuilder().AddInput("x", [2]);
        Assert.Throws<InvalidOperationException>(noOutput.ToByteArray);

        var unreadConstant = NewSingleOutputBuilder().AddInitializer("forgotten", [2], [1f, 2f]);
        Assert.Contains("'forgotten'", Assert.Throws<InvalidOperationException>(unreadConstant.ToByteArray).Message);
        var constantAsOutput = NewSingleOutputBuilder().AddInitializer("returned", [2], [1f, 2f]).AddOutput("returned", [2]);
        Assert.NotEmpty(constantAsOutput.ToByteArray());
    }

    [Theory]
    [InlineData(13, 7)]
    [InlineData(17, 8)]
    [InlineData(18, 8)]
    [InlineData(21, 10)]
    public void IrVersionFollowsTheOpsetVersion(int opset, long expectedIrVersion)
    {
        OnnxModelReader reader = OnnxModelReader.Parse(new OnnxModelBuilder(opsetVersion: opset)
            .AddInput("x", [2]).AddNode("Relu", ["x"], ["y"]).AddOutput("y", [2]).ToByteArray());

        Assert.Equal(expectedIrVersion, reader.IrVersion);
        Assert.Equal(opset, reader.DefaultOpsetVersion);
    }

    [Fact]
    public void FloatDataFieldIsReadLikeRawData()
    {
        // Other writers (and ONNX's own helpers) often use float_data instead of raw_data.
        byte[] validModel = new TwoLayerMlpModel(seed: 9).CreateBuilder(batched: true).ToByteArray();
        ModelProto model = ModelProto.Parser.ParseFrom(validModel);
        TensorProto bias = model.Graph.Initializer.Single(t => t.Name == "b1");
        float[] expected = OnnxModelReader.Parse(validModel).GetFloatInitializer("b1").Values;
        bias.ClearRawData();
        bias.FloatData.Add(expected);

        Assert.Equal(expected, OnnxModelReader.Parse(model.ToByteArray()).GetFloatInitializer("b1").Values);
    }

    // A graph y = Identity(x) with x, y of shape [-1, 2], to which tests add what they examine.
    private static OnnxModelBuilder NewSingleOutputBuilder() => new OnnxModelBuilder()
        .AddInput("x", [-1, 2])
        .AddNode("Identity", ["x"], ["y"])
        .AddOutput("y", [-1, 2]);

    private static void AssertTensor(OnnxTensor<float> tensor, int[] dimensions, float[] values)
    {
        Assert.Equal(dimensions, tensor.Dimensions);
        Assert.Equal(values, tensor.Values); // exact: raw_data stores the bits
    }
}
