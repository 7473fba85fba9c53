using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders.Tests;

/// <summary>
/// mlContext.Model.Save writes the autoencoder as ONNX inside a chain of ML.NET transformers; a fresh MLContext
/// loads it back and scores with ONNX Runtime, while the original scores with our engine. Both must agree.
/// </summary>
public class SaveLoadTests
{
    [Fact]
    public void SavedAutoencoderLoadsInFreshContextWithSameOutputs()
    {
        var ml = new MLContext(seed: 1);
        var data = SyntheticData.DataView(ml, 300);
        var transformer = TestAutoencoders.Fit(ml, data);
        using var file = new TemporaryFile();
        ml.Model.Save(transformer, data.Schema, file.Path);

        var loaded = new MLContext().Model.Load(file.Path, out var savedInputSchema);

        Assert.Equal(data.Schema.Select(c => c.Name), savedInputSchema.Select(c => c.Name));
        Assert.IsNotType<AutoencoderTransformer>(loaded); // a plain ML.NET chain: that is what makes it loadable anywhere
        var expected = transformer.Transform(data);
        var actual = loaded.Transform(data);
        ColumnValues.AssertClose(ColumnValues.Vectors(expected, "Encoded"), ColumnValues.Vectors(actual, "Encoded"), "Encoded");
        ColumnValues.AssertClose(ColumnValues.Vectors(expected, "Reconstruction"), ColumnValues.Vectors(actual, "Reconstruction"), "Reconstruction");
        ColumnValues.AssertClose(ColumnValues.Scalars(expected, "Error"), ColumnValues.Scalars(actual, "Error"), "Error");
    }

    [Fact]
    public void SavedPipelineWithClassifierLoadsWithSamePredictions()
    {
        var ml = new MLContext(seed: 1);
        var data = SyntheticData.DataView(ml, 300);
        var pipeline = ml.Transforms.Autoencoder(TestAutoencoders.Options(epochs: 15))
            .Append(ml.Transforms.Conversion.MapValueToKey("Label"))
            .Append(ml.MulticlassClassification.Trainers.SdcaMaximumEntropy(featureColumnName: "Encoded"));
        var model = pipeline.Fit(data);
        using var file = new TemporaryFile();
        ml.Model.Save(model, data.Schema, file.Path);

        var loaded = new MLContext().Model.Load(file.Path, out _);

        var expected = model.Transform(data);
        var actual = loaded.Transform(data);
        Assert.Equal(expected.GetColumn<uint>("PredictedLabel"), actual.GetColumn<uint>("PredictedLabel"));
        ColumnValues.AssertClose(ColumnValues.Vectors(expected, "Score"), ColumnValues.Vectors(actual, "Score"), "Score");
        ColumnValues.AssertClose(ColumnValues.Scalars(expected, "Error"), ColumnValues.Scalars(actual, "Error"), "Error");
    }

    [Fact]
    public void LoadFromModelFileRebuildsTypedTransformer()
    {
        var ml = new MLContext(seed: 1);
        var data = SyntheticData.DataView(ml, 200);
        var transformer = TestAutoencoders.Fit(ml, data, o => o.HiddenLayerSizes = [10, 6]);
        using var file = new TemporaryFile();
        ml.Model.Save(transformer, data.Schema, file.Path);

        var reloaded = AutoencoderTransformer.LoadFromModelFile(file.Path);

        Assert.Equal(transformer.InputColumnName, reloaded.InputColumnName);
        Assert.Equal(transformer.EncodedColumnName, reloaded.EncodedColumnName);
        Assert.Equal(transformer.ReconstructionColumnName, reloaded.ReconstructionColumnName);
        Assert.Equal(transformer.ReconstructionErrorColumnName, reloaded.ReconstructionErrorColumnName);
        Assert.Equal([12, 10, 6, 3, 6, 10, 12], reloaded.Model.LayerWidths);
        Assert.Null(reloaded.Model.TrainingHistory);
        // The same weights in the same engine: bit-identical outputs.
        var expected = transformer.Transform(data);
        var actual = reloaded.Transform(data);
        Assert.Equal(ColumnValues.Vectors(expected, "Encoded"), ColumnValues.Vectors(actual, "Encoded"));
        Assert.Equal(ColumnValues.Vectors(expected, "Reconstruction"), ColumnValues.Vectors(actual, "Reconstruction"));
        Assert.Equal(ColumnValues.Scalars(expected, "Error"), ColumnValues.Scalars(actual, "Error"));
    }

    [Fact]
    public void LoadAllFromModelFileReturnsStackedAutoencodersInPipelineOrder()
    {
        var ml = new MLContext(seed: 1);
        var data = SyntheticData.DataView(ml, 200);
        // The second autoencoder compresses the first one's code, so the order is visible in the input columns and widths.
        var pipeline = ml.Transforms.Autoencoder(new AutoencoderOptions { InputColumnName = "Features", EncodedColumnName = "Code6", CodeSize = 6, Epochs = 2, NumberOfThreads = 1 })
            .Append(ml.Transforms.Autoencoder(new AutoencoderOptions { InputColumnName = "Code6", EncodedColumnName = "Code2", CodeSize = 2, Epochs = 2, NumberOfThreads = 1 }));
        var model = pipeline.Fit(data);
        using var file = new TemporaryFile();
        ml.Model.Save(model, data.Schema, file.Path);

        var all = AutoencoderTransformer.LoadAllFromModelFile(file.Path);

        Assert.Equal(2, all.Count);
        Assert.Equal(("Features", "Code6"), (all[0].InputColumnName, all[0].EncodedColumnName));
        Assert.Equal(("Code6", "Code2"), (all[1].InputColumnName, all[1].EncodedColumnName));
        Assert.Equal([12, 6, 12], all[0].Model.LayerWidths);
        Assert.Equal([6, 2, 6], all[1].Model.LayerWidths);
        var oneOfTwo = Assert.Throws<InvalidDataException>(() => AutoencoderTransformer.LoadFromModelFile(file.Path));
        Assert.Contains("LoadAllFromModelFile", oneOfTwo.Message);
    }

    [Fact]
    public void LoadFromModelFileWithoutAutoencoderThrowsInvalidData()
    {
        var ml = new MLContext(seed: 1);
        var data = SyntheticData.DataView(ml, 50);
        var normalizer = ml.Transforms.NormalizeMinMax("Features").Fit(data);
        using var file = new TemporaryFile();
        ml.Model.Save(normalizer, data.Schema, file.Path);

        var error = Assert.Throws<InvalidDataException>(() => AutoencoderTransformer.LoadFromModelFile(file.Path));

        Assert.Contains(file.Path, error.Message);
        Assert.Contains("no autoencoder", error.Message);
        Assert.Empty(AutoencoderTransformer.LoadAllFromModelFile(file.Path));
    }

    [Fact]
    public void SaveAsOnnxRoundTripsThroughLoadOnnx()
    {
        var ml = new MLContext(seed: 1);
        var data = SyntheticData.DataView(ml, 200);
        var transformer = TestAutoencoders.Fit(ml, data, o => o.HiddenActivation = AutoencoderActivation.LeakyRelu);
        using var onnx = new MemoryStream();
        transformer.SaveAsOnnx(onnx);
        onnx.Position = 0;

        var reloaded = AutoencoderTransformer.LoadOnnx(onnx);

        Assert.Equal(
            (transformer.InputColumnName, transformer.EncodedColumnName, transformer.ReconstructionColumnName, transformer.ReconstructionErrorColumnName),
            (reloaded.InputColumnName, reloaded.EncodedColumnName, reloaded.ReconstructionColumnName, reloaded.ReconstructionErrorColumnName));
        Assert.Equal(transformer.Model.LayerWidths, reloaded.Model.LayerWidths);
        var expected = transformer.Transform(data);
        var actual = reloaded.Transform(data);
        Assert.Equal(ColumnValues.Vectors(expected, "Encoded"), ColumnValues.Vectors(actual, "Encoded"));
        Assert.Equal(ColumnValues.Vectors(expected, "Reconstruction"), ColumnValues.Vectors(actual, "Reconstruction"));
        Assert.Equal(ColumnValues.Scalars(expected, "Error"), ColumnValues.Scalars(actual, "Error"));
    }

    public static TheoryData<string?, string?, string?> OutputSubsets => new()
    {
        { "Encoded", null, null },
        { null, "Reconstruction", null },
        { null, null, "Error" },
        { "Encoded", null, "Error" },
    };

    [Theory]
    [MemberData(nameof(OutputSubsets))]
    public void OnlyRequestedOutputsSurviveSaveAndLoad(string? encoded, string? reconstruction, string? error)
    {
        var ml = new MLContext(seed: 1);
        var data = SyntheticData.DataView(ml, 100);
        var transformer = TestAutoencoders.Fit(ml, data, o =>
        {
            o.EncodedColumnName = encoded;
            o.ReconstructionColumnName = reconstruction;
            o.ReconstructionErrorColumnName = error;
        });
        using var file = new TemporaryFile();
        ml.Model.Save(transformer, data.Schema, file.Path);

        var loadedSchema = new MLContext().Model.Load(file.Path, out _).Transform(data).Schema;

        string[] requested = new[] { encoded, reconstruction, error }.OfType<string>().ToArray();
        string[] expectedVisible = [.. data.Schema.Select(c => c.Name), .. requested];
        Assert.Equal(expectedVisible, transformer.Transform(data).Schema.Where(c => !c.IsHidden).Select(c => c.Name));
        Assert.Equal(expectedVisible, loadedSchema.Where(c => !c.IsHidden).Select(c => c.Name));
        // The chain's working columns must not leak, not even as hidden columns.
        Assert.DoesNotContain(loadedSchema, c => c.Name.StartsWith("__autoencoder", StringComparison.Ordinal));
    }

    public static TheoryData<string> OutputsNamedLikeTheInput => ["Reconstruction", "Encoded"];

    /// <summary>
    /// Naming an output after the input replaces the input column, as ML.NET transforms do in place. The error must
    /// still compare the reconstruction with the original input, not with itself.
    /// </summary>
    [Theory]
    [MemberData(nameof(OutputsNamedLikeTheInput))]
    public void OutputNamedLikeInputWorksBeforeAndAfterSaveLoad(string output)
    {
        var ml = new MLContext(seed: 1);
        var data = SyntheticData.DataView(ml, 100);
        var reference = TestAutoencoders.Fit(ml, data);
        var renamed = TestAutoencoders.Fit(ml, data, o =>
        {
            if (output == "Reconstruction") o.ReconstructionColumnName = "Features";
            else o.EncodedColumnName = "Features";
        });
        using var file = new TemporaryFile();
        ml.Model.Save(renamed, data.Schema, file.Path);
        var loaded = new MLContext().Model.Load(file.Path, out _);

        var expected = reference.Transform(data);
        var inProcess = renamed.Transform(data);
        var afterLoad = loaded.Transform(data);

        int width = output == "Reconstruction" ? SyntheticData.Width : TestAutoencoders.CodeSize;
        var featuresType = new VectorDataViewType(NumberDataViewType.Single, width);
        Assert.Equal(featuresType, inProcess.Schema["Features"].Type);
        Assert.Equal(featuresType, afterLoad.Schema["Features"].Type);
        // Same seed and options: the renamed model is the reference model, so its outputs are the reference's.
        ColumnValues.AssertClose(ColumnValues.Vectors(expected, output), ColumnValues.Vectors(inProcess, "Features"), "in process: " + output);
        ColumnValues.AssertClose(ColumnValues.Vectors(expected, output), ColumnValues.Vectors(afterLoad, "Features"), "after load: " + output);
        ColumnValues.AssertClose(ColumnValues.Scalars(expected, "Error"), ColumnValues.Scalars(inProcess, "Error"), "in process: Error");
        ColumnValues.AssertClose(ColumnValues.Scalars(expected, "Error"), ColumnValues.Scalars(afterLoad, "Error"), "after load: Error");
    }
}
