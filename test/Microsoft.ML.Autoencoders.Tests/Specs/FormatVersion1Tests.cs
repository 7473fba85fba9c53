using System.Text.Json;
using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders.Tests.Specs;

/// <summary>
/// Model files written by the library before the layer specification (format 1: a dense architecture in the metadata,
/// committed under Fixtures/FormatVersion1 with the outputs they scored then) still load and score the same.
/// </summary>
public class FormatVersion1Tests
{
    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "FormatVersion1", name);

    private sealed record Expected(float[][] Inputs, JsonElement Outputs);

    private static Expected Read(string name) =>
        JsonSerializer.Deserialize<Expected>(File.ReadAllText(Fixture(name + ".expected.json")), new JsonSerializerOptions { PropertyNameCaseInsensitive = true })!;

    private static float[][] Vectors(JsonElement outputs, string name) => outputs.GetProperty(name).Deserialize<float[][]>()!;

    private static float[] Scalars(JsonElement outputs, string name) => outputs.GetProperty(name).Deserialize<float[]>()!;

    private sealed class Row
    {
        [VectorType(10)]
        public float[] Features { get; set; } = [];
    }

    private static IDataView Inputs(MLContext ml, Expected expected) =>
        ml.Data.LoadFromEnumerable(expected.Inputs.Select(f => new Row { Features = f }), SchemaDefinition.Create(typeof(Row)));

    [Theory]
    [InlineData("dense-dropout-v1")]
    [InlineData("tied-leaky-tanh-v1")]
    public void AutoencoderFilesLoadAndScoreAsWhenWritten(string name)
    {
        var expected = Read(name);
        var ml = new MLContext();
        var data = Inputs(ml, expected);
        using var onnx = File.OpenRead(Fixture(name + ".onnx"));
        var scorers = new (string How, IDataView Scored, double Tolerance)[]
        {
            ("LoadOnnx", AutoencoderTransformer.LoadOnnx(onnx).Transform(data), 1e-6),
            ("LoadFromModelFile", AutoencoderTransformer.LoadFromModelFile(Fixture(name + ".zip")).Transform(data), 1e-6),
            ("Model.Load", ml.Model.Load(Fixture(name + ".zip"), out _).Transform(data), 1e-5),
        };
        foreach (var (how, scored, tolerance) in scorers)
        {
            ColumnValues.AssertClose(Vectors(expected.Outputs, "encoded"), ColumnValues.Vectors(scored, "Encoded"), $"{name} Encoded via {how}", tolerance);
            ColumnValues.AssertClose(Vectors(expected.Outputs, "reconstruction"), ColumnValues.Vectors(scored, "Reconstruction"), $"{name} Reconstruction via {how}", tolerance);
            ColumnValues.AssertClose(Scalars(expected.Outputs, "error"), ColumnValues.Scalars(scored, "Error"), $"{name} Error via {how}", tolerance);
        }
    }

    [Fact]
    public void TiedFileRebuildsTheTiedSpec()
    {
        var typed = AutoencoderTransformer.LoadFromModelFile(Fixture("tied-leaky-tanh-v1.zip"));
        Assert.Contains(typed.Model.Spec.Decoder, l => l.Kind == "tied_dense");
        Assert.Equal([10, 7, 5, 2, 5, 7, 10], typed.Model.LayerWidths);
    }

    [Fact]
    public void AnomalyDetectorFileLoadsAndScoresAsWhenWritten()
    {
        var expected = Read("anomaly-v1");
        var ml = new MLContext();
        var data = Inputs(ml, expected);
        foreach (var (how, scored) in new[]
        {
            ("LoadFromModelFile", AutoencoderAnomalyTransformer.LoadFromModelFile(Fixture("anomaly-v1.zip")).Transform(data)),
            ("Model.Load", ml.Model.Load(Fixture("anomaly-v1.zip"), out _).Transform(data)),
        })
        {
            ColumnValues.AssertClose(Scalars(expected.Outputs, "score"), ColumnValues.Scalars(scored, "Score"), $"Score via {how}");
            Assert.Equal(expected.Outputs.GetProperty("predictedLabel").Deserialize<bool[]>(), scored.GetColumn<bool>("PredictedLabel").ToArray());
            ColumnValues.AssertClose(Vectors(expected.Outputs, "featureErrors"), ColumnValues.Vectors(scored, "FeatureErrors"), $"FeatureErrors via {how}");
        }
    }
}
