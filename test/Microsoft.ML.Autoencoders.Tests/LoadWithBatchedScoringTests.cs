using Microsoft.ML.Autoencoders.Tests.AnomalyDetection;
using Microsoft.ML.Autoencoders.Tests.Import;
using Microsoft.ML.Data;
using Xunit.Abstractions;

namespace Microsoft.ML.Autoencoders.Tests;

/// <summary>
/// <c>mlContext.Model.LoadWithBatchedScoring</c> gives what <c>Model.Load</c> gives, scoring the same, with the library's
/// components back as their typed, batched transformers and everything else as ML.NET loaded it.
/// </summary>
public sealed class LoadWithBatchedScoringTests(ITestOutputHelper output)
{
    [Fact]
    public void AutoencoderInsideAPipelineComesBackBatched()
    {
        var ml = new MLContext(seed: 1);
        var data = SyntheticData.DataView(ml, 300);
        var model = ml.Transforms.CopyColumns("Raw", "Features")
            .Append(ml.Transforms.Autoencoder(TestAutoencoders.Options(epochs: 10)))
            .Append(ml.Transforms.Conversion.MapValueToKey("Label"))
            .Append(ml.MulticlassClassification.Trainers.SdcaMaximumEntropy(featureColumnName: "Encoded"))
            .Fit(data);
        using var file = new TemporaryFile();
        ml.Model.Save(model, data.Schema, file.Path);

        var plain = new MLContext().Model.Load(file.Path, out _);
        var batched = new MLContext().Model.LoadWithBatchedScoring(file.Path, out var schema);

        Assert.Equal(data.Schema.Select(c => c.Name), schema.Select(c => c.Name));
        Assert.Empty(Leaves(plain).OfType<AutoencoderTransformer>());
        Assert.Single(Leaves(batched).OfType<AutoencoderTransformer>());
        Assert.Equal(Leaves(plain).Count - 5, Leaves(batched).Count); // the saved chain's 6 leaves became one
        var expected = plain.Transform(data);
        var actual = batched.Transform(data);
        Assert.Equal(expected.GetColumn<uint>("PredictedLabel"), actual.GetColumn<uint>("PredictedLabel"));
        ColumnValues.AssertClose(ColumnValues.Scalars(expected, "Error"), ColumnValues.Scalars(actual, "Error"), "Error");
        ColumnValues.AssertClose(ColumnValues.Vectors(expected, "Reconstruction"), ColumnValues.Vectors(actual, "Reconstruction"), "Reconstruction");
        Assert.Equal(expected.Schema.Where(c => !c.IsHidden).Select(c => c.Name), actual.Schema.Where(c => !c.IsHidden).Select(c => c.Name));
    }

    /// <summary>
    /// An encoder file scored by ApplyOnnxModel is a plain ONNX model to ML.NET; it carries a key that contains one of the
    /// library's own ("autoencoders.spec.of_whole_network"), and must not be taken for a damaged component of ours.
    /// </summary>
    [Fact]
    public void EncoderFileScoredByApplyOnnxModelComesBackAsMlNetLoadedIt()
    {
        var ml = new MLContext(seed: 1);
        var data = SyntheticData.DataView(ml, 100);
        var transformer = TestAutoencoders.Fit(ml, data);
        using var encoderFile = new TemporaryFile();
        using (var stream = File.Create(encoderFile.Path)) transformer.SaveEncoderAsOnnx(stream);
        var pipeline = ml.Transforms.CopyColumns("input", "Features")
            .Append(ml.Transforms.ApplyOnnxModel(["encoded"], ["input"], encoderFile.Path))
            .Fit(data);
        using var file = new TemporaryFile();
        ml.Model.Save(pipeline, data.Schema, file.Path);

        var batched = new MLContext().Model.LoadWithBatchedScoring(file.Path, out _);

        ColumnValues.AssertClose(ColumnValues.Vectors(pipeline.Transform(data), "encoded"), ColumnValues.Vectors(batched.Transform(data), "encoded"), "encoded");
    }

    [Fact]
    public void AutoencoderSavedAloneComesBackAsItsTransformer()
    {
        var ml = new MLContext(seed: 1);
        var data = SyntheticData.DataView(ml, 100);
        var transformer = TestAutoencoders.Fit(ml, data);
        using var file = new TemporaryFile();
        ml.Model.Save(transformer, data.Schema, file.Path);

        var loaded = Assert.IsType<AutoencoderTransformer>(new MLContext().Model.LoadWithBatchedScoring(file.Path, out _));

        ColumnValues.AssertClose(ColumnValues.Scalars(transformer.Transform(data), "Error"), ColumnValues.Scalars(loaded.Transform(data), "Error"), "Error");
    }

    [Theory]
    [InlineData(InvalidRowPolicy.FlagAsAnomaly)]
    [InlineData(InvalidRowPolicy.Throw)]
    public void AnomalyDetectorComesBackBatched(InvalidRowPolicy policy)
    {
        var ml = new MLContext(seed: 1);
        var train = AnomalyData.Train(ml, 300);
        var detector = ml.AnomalyDetection.Trainers.Autoencoder(new AutoencoderAnomalyOptions
        {
            Autoencoder = AnomalyData.Network(), FeatureErrorsColumnName = "FeatureErrors", PValueColumnName = "PValue", InvalidRowPolicy = policy,
        }).Fit(train);
        var test = AnomalyData.Test(ml);
        using var file = new TemporaryFile();
        ml.Model.Save(detector, train.Schema, file.Path);

        var loaded = Assert.IsType<AutoencoderAnomalyTransformer>(new MLContext().Model.LoadWithBatchedScoring(file.Path, out _));

        Assert.Equal(detector.Threshold, loaded.Threshold);
        Assert.Equal(policy, loaded.InvalidRowPolicy);
        var expected = detector.Transform(test);
        var actual = loaded.Transform(test);
        ColumnValues.AssertClose(ColumnValues.Scalars(expected, "Score"), ColumnValues.Scalars(actual, "Score"), "Score");
        ColumnValues.AssertClose(ColumnValues.Vectors(expected, "FeatureErrors"), ColumnValues.Vectors(actual, "FeatureErrors"), "FeatureErrors");
    }

    /// <summary>
    /// From a stream, as <c>Model.Load(stream, out schema)</c> reads one: a file stream, one that cannot seek and one whose
    /// zip starts past other bytes (both copied first) give the same batched pipeline as the path.
    /// </summary>
    [Fact]
    public void PipelineComesBackBatchedFromAStream()
    {
        var ml = new MLContext(seed: 1);
        var train = AnomalyData.Train(ml, 300);
        var model = ml.Transforms.CopyColumns("Raw", "Features")
            .Append(ml.AnomalyDetection.Trainers.Autoencoder(new AutoencoderAnomalyOptions { Autoencoder = AnomalyData.Network() }))
            .Fit(train);
        using var file = new TemporaryFile();
        ml.Model.Save(model, train.Schema, file.Path);
        byte[] zip = File.ReadAllBytes(file.Path);
        var test = AnomalyData.Test(ml);
        var expected = ColumnValues.Scalars(new MLContext().Model.LoadWithBatchedScoring(file.Path, out _).Transform(test), "Score");

        using var fileStream = File.OpenRead(file.Path);
        using var forwardOnly = new ForwardOnlyStream(zip);
        // The zip after other bytes, the stream positioned where it starts: its offsets count from there, so it is copied.
        using var prefixed = new MemoryStream([.. new byte[5], .. zip]) { Position = 5 };
        foreach (Stream stream in new Stream[] { fileStream, forwardOnly, prefixed })
        {
            var loaded = new MLContext().Model.LoadWithBatchedScoring(stream, out var schema);
            Assert.Equal(train.Schema.Select(c => c.Name), schema.Select(c => c.Name));
            Assert.Single(Leaves(loaded).OfType<AutoencoderAnomalyTransformer>());
            Assert.Equal(expected, ColumnValues.Scalars(loaded.Transform(test), "Score"));
        }
    }

    /// <summary>A stream that reads forward only, as a network response does.</summary>
    private sealed class ForwardOnlyStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }

    private sealed class SeriesPoint
    {
        public float Cpu { get; set; }
        public float Memory { get; set; }
    }

    /// <summary>
    /// A sequence detector's network is saved as an autoencoder graph under reserved names; it must come back as the
    /// detector, not be left as ML.NET loaded it, whose Score refuses to be read (a point's score needs its neighbours).
    /// </summary>
    [Fact]
    public void SequenceDetectorInsideAPipelineComesBackAsItsTransformer()
    {
        var ml = new MLContext(seed: 1);
        var series = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 200).Select(t => new SeriesPoint
        {
            Cpu = (float)Math.Sin(t / 4.0), Memory = (float)Math.Cos(t / 6.0),
        }));
        var model = ml.Transforms.CopyColumns("CpuCopy", "Cpu")
            .Append(ml.AnomalyDetection.Trainers.SequenceAutoencoder(new SequenceAnomalyOptions
            {
                ChannelColumnNames = ["Cpu", "Memory"],
                Architecture = Engine.Models.SequenceArchitecture.LstmAutoencoder(8, channels: 2, hiddenUnits: 8, codeSize: 3),
                Autoencoder = new AutoencoderOptions { Epochs = 2, NumberOfThreads = 1 },
            }))
            .Fit(series);
        using var file = new TemporaryFile();
        ml.Model.Save(model, series.Schema, file.Path);

        var batched = new MLContext().Model.LoadWithBatchedScoring(file.Path, out _);

        var detector = Assert.Single(Leaves(batched).OfType<SequenceAnomalyTransformer>());
        Assert.Equal(model.LastTransformer.Threshold, detector.Threshold);
        var expected = model.Transform(series);
        var actual = batched.Transform(series);
        Assert.Equal(ColumnValues.Scalars(expected, "Score"), ColumnValues.Scalars(actual, "Score"));
        Assert.Equal(expected.GetColumn<bool>("PredictedLabel"), actual.GetColumn<bool>("PredictedLabel"));
        Assert.Equal(ColumnValues.Scalars(expected, "CpuCopy"), ColumnValues.Scalars(actual, "CpuCopy"));
    }

    [Fact]
    public void ImportedAutoencoderComesBackBatched()
    {
        if (PythonOnnxModels.FolderOrExplain(output) is not { } folder) return;
        var expected = PythonOnnxModels.ExpectedFor(folder, "mlp_gemm");
        var ml = new MLContext(seed: 1);
        var data = ImportData.Of(ml, expected.Input, 16);
        var model = ml.Transforms.OnnxAutoencoder(PythonOnnxModels.Path(folder, "mlp_gemm"), "input", "output")
            .Append(ml.Transforms.CopyColumns("Copy", "ReconstructionError")).Fit(data);
        using var file = new TemporaryFile();
        ml.Model.Save(model, data.Schema, file.Path);

        var batched = new MLContext().Model.LoadWithBatchedScoring(file.Path, out _);
        var imported = Assert.Single(Leaves(batched).OfType<OnnxAutoencoderTransformer>());
        float[] errors = ColumnValues.Scalars(batched.Transform(data), "Copy");

        ColumnValues.AssertClose(expected.Error, errors, "ReconstructionError");
        Assert.Equal(9, imported.Model.Runs); // 300 rows in look-ahead batches (1, 2, …, 256), not 300 runs
    }

    private static List<ITransformer> Leaves(ITransformer node) =>
        node is TransformerChain<ITransformer> chain ? [.. chain.SelectMany(Leaves)] : [node];
}
