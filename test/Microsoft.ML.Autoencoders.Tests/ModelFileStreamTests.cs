using Microsoft.ML.Autoencoders.Tests.AnomalyDetection;
using Microsoft.ML.Autoencoders.Tests.Import;

namespace Microsoft.ML.Autoencoders.Tests;

/// <summary>
/// Every typed loader reads a model zip from a stream as <c>mlContext.Model.Load(stream, out schema)</c> does: a file
/// stream, one that cannot seek (copied first), and one whose zip starts past other bytes (read from its position) give
/// what the path gives, and the caller's stream stays open.
/// </summary>
public class ModelFileStreamTests
{
    [Fact]
    public void AutoencoderComesBackFromEveryKindOfStream()
    {
        var ml = new MLContext(seed: 1);
        var train = AnomalyData.Train(ml, 200);
        var options = AnomalyData.Network();
        options.Epochs = 2;
        options.ReconstructionColumnName = "Reconstruction";
        var model = ml.Transforms.Autoencoder(options).Fit(train);
        AssertEveryStreamGivesWhatThePathGives(ml, model, train,
            path => Flat(AutoencoderTransformer.LoadFromModelFile(path).Transform(train)),
            stream => Flat(AutoencoderTransformer.LoadFromModelFile(stream).Transform(train)));
        AssertEveryStreamGivesWhatThePathGives(ml, model, train,
            path => Flat(AutoencoderTransformer.LoadAllFromModelFile(path).Single().Transform(train)),
            stream => Flat(AutoencoderTransformer.LoadAllFromModelFile(stream).Single().Transform(train)));
    }

    [Fact]
    public void AnomalyDetectorComesBackFromEveryKindOfStream()
    {
        var ml = new MLContext(seed: 1);
        var train = AnomalyData.Train(ml, 200);
        var options = AnomalyData.Network();
        options.Epochs = 2;
        var detector = ml.AnomalyDetection.Trainers.Autoencoder(new AutoencoderAnomalyOptions { Autoencoder = options }).Fit(train);
        var test = AnomalyData.Test(ml);
        AssertEveryStreamGivesWhatThePathGives(ml, detector, train,
            path => ColumnValues.Scalars(AutoencoderAnomalyTransformer.LoadFromModelFile(path).Transform(test), "Score"),
            stream => ColumnValues.Scalars(AutoencoderAnomalyTransformer.LoadFromModelFile(stream).Transform(test), "Score"));
    }

    [Fact]
    public void SequenceDetectorComesBackFromEveryKindOfStream()
    {
        string fixture = Path.Combine(AppContext.BaseDirectory, "Fixtures", "SequenceDetectorV1", "sequence-detector-v1.zip");
        float[] Read(SequenceAnomalyTransformer detector) => [detector.Threshold, detector.Model.InputSize];
        AssertEveryStreamGivesWhatThePathGives(File.ReadAllBytes(fixture),
            path => Read(SequenceAnomalyTransformer.LoadFromModelFile(path)), stream => Read(SequenceAnomalyTransformer.LoadFromModelFile(stream)));
    }

    [Fact]
    public void ImportedAutoencoderComesBackFromEveryKindOfStream()
    {
        var ml = new MLContext(seed: 1);
        var train = AnomalyData.Train(ml, 200);
        var options = AnomalyData.Network();
        options.Epochs = 2;
        var trained = ml.Transforms.Autoencoder(options).Fit(train);
        using var onnx = new TemporaryFile();
        using (var file = File.Create(onnx.Path)) trained.SaveAsOnnx(file);
        var rows = ColumnValues.Vectors(train, "Features").Take(40).ToList();
        var data = ImportData.Of(ml, rows, trained.Model.InputSize);
        var imported = ml.Transforms.OnnxAutoencoder(onnx.Path, "input", "reconstruction", "encoded").Fit(data);
        AssertEveryStreamGivesWhatThePathGives(ml, imported, data,
            path => Flat(OnnxAutoencoderTransformer.LoadFromModelFile(path).Transform(data)),
            stream => Flat(OnnxAutoencoderTransformer.LoadFromModelFile(stream).Transform(data)));
    }

    [Fact]
    public void AnOnnxFileGivenAsTheStreamIsNamedAndSentToItsLoader()
    {
        var ml = new MLContext(seed: 1);
        var options = AnomalyData.Network();
        options.Epochs = 1;
        var trained = ml.Transforms.Autoencoder(options).Fit(AnomalyData.Train(ml, 100));
        using var onnx = new MemoryStream();
        trained.SaveAsOnnx(onnx);
        onnx.Position = 0;
        var error = Assert.Throws<InvalidDataException>(() => AutoencoderTransformer.LoadFromModelFile(onnx));
        Assert.StartsWith("The model stream is an ONNX file written by this library's SaveAsOnnx", error.Message);
    }

    private static float[] Flat(IDataView scored) => [.. ColumnValues.Vectors(scored, "Reconstruction").SelectMany(row => row)];

    private static void AssertEveryStreamGivesWhatThePathGives(MLContext ml, ITransformer model, IDataView data,
        Func<string, float[]> fromPath, Func<Stream, float[]> fromStream)
    {
        using var file = new TemporaryFile();
        ml.Model.Save(model, data.Schema, file.Path);
        AssertEveryStreamGivesWhatThePathGives(File.ReadAllBytes(file.Path), fromPath, fromStream);
    }

    private static void AssertEveryStreamGivesWhatThePathGives(byte[] zip, Func<string, float[]> fromPath, Func<Stream, float[]> fromStream)
    {
        using var file = new TemporaryFile();
        File.WriteAllBytes(file.Path, zip);
        float[] expected = fromPath(file.Path);

        using var fileStream = File.OpenRead(file.Path);
        using var forwardOnly = new ForwardOnlyStream(zip);
        // The zip after 7 other bytes, the stream positioned where it starts (a zip inside a larger resource).
        var prefixed = new MemoryStream([.. new byte[7], .. zip]) { Position = 7 };
        foreach (var (how, stream) in new[] { ("file stream", fileStream), ("forward-only stream", forwardOnly), ("stream past other bytes", (Stream)prefixed) })
        {
            Assert.Equal(expected, fromStream(stream));
            Assert.True(stream.CanRead, $"the {how} was closed");
        }
    }

    /// <summary>A stream that reads forward only, as a network response does.</summary>
    private sealed class ForwardOnlyStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
