using System.Text;
using Google.Protobuf;
using Microsoft.ML.Autoencoders.Onnx;
using Microsoft.ML.Autoencoders.Onnx.Protos;

namespace Microsoft.ML.Autoencoders.Tests.Onnx;

/// <summary>A damaged or foreign file fails with an <see cref="InvalidDataException"/> that says what is wrong.</summary>
public sealed class OnnxModelReaderCorruptFileTests
{
    private static readonly byte[] ValidModel = new TwoLayerMlpModel(seed: 9).CreateBuilder(batched: true).ToByteArray();

    [Fact]
    public void EmptyFileIsNotAModel()
    {
        var error = Assert.Throws<InvalidDataException>(() => OnnxModelReader.Parse([]));
        Assert.Contains("IR version", error.Message);
    }

    [Fact]
    public void TextFileIsNotAModel()
    {
        byte[] text = Encoding.UTF8.GetBytes("This is a CSV file, not a model.\n1,2,3\n");
        Assert.Throws<InvalidDataException>(() => OnnxModelReader.Parse(text));
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.9)]
    [InlineData(0.999)]
    public void TruncatedModelIsReportedAsDamaged(double keptFraction)
    {
        byte[] truncated = ValidModel[..(int)(ValidModel.Length * keptFraction)];

        var error = Assert.Throws<InvalidDataException>(() => OnnxModelReader.Parse(truncated));
        Assert.Contains("damaged", error.Message);
        Assert.IsType<InvalidProtocolBufferException>(error.InnerException);
    }

    [Fact]
    public void RandomBytesAreRejected()
    {
        var random = new Random(1234);
        for (int trial = 0; trial < 200; trial++)
        {
            var bytes = new byte[random.Next(1, 300)];
            random.NextBytes(bytes);
            Assert.Throws<InvalidDataException>(() => OnnxModelReader.Parse(bytes));
        }
    }

    [Fact]
    public void AnyDamagedByteGivesAReadableModelOrInvalidDataException()
    {
        // Corrupting each byte in turn must never surface another exception type (index, overflow,
        // out of memory): either protobuf still reads a consistent model, or the reader says why not.
        for (int position = 0; position < ValidModel.Length; position++)
        {
            byte[] damaged = (byte[])ValidModel.Clone();
            damaged[position] ^= 0xA5;
            try
            {
                OnnxModelReader.Parse(damaged);
            }
            catch (InvalidDataException)
            {
            }
        }
    }

    [Fact]
    public void InitializerWhoseDataDoesNotMatchItsShapeIsNamed()
    {
        ModelProto model = ModelProto.Parser.ParseFrom(ValidModel);
        model.Graph.Initializer.Single(t => t.Name == "W2").Dims[0] = 4; // [4, 5] needs 80 bytes, 60 are stored

        var error = Assert.Throws<InvalidDataException>(() => OnnxModelReader.Parse(model.ToByteArray()));
        Assert.Contains("'W2'", error.Message);
        Assert.Contains("80", error.Message);
    }

    [Fact]
    public void ExternalTensorDataIsRefusedClearly()
    {
        ModelProto model = ModelProto.Parser.ParseFrom(ValidModel);
        TensorProto weights = model.Graph.Initializer.Single(t => t.Name == "W1");
        weights.ClearRawData();
        weights.DataLocation = TensorProto.Types.DataLocation.External;
        weights.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = "weights.bin" });

        var error = Assert.Throws<InvalidDataException>(() => OnnxModelReader.Parse(model.ToByteArray()));
        Assert.Contains("external", error.Message);
    }

    [Fact]
    public void ModelWithoutGraphIsRejected()
    {
        ModelProto model = ModelProto.Parser.ParseFrom(ValidModel);
        model.Graph = null;

        var error = Assert.Throws<InvalidDataException>(() => OnnxModelReader.Parse(model.ToByteArray()));
        Assert.Contains("no graph", error.Message);
    }
}
