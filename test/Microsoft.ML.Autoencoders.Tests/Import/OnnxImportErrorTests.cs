using Microsoft.ML.Autoencoders.Onnx;
using Xunit.Abstractions;

namespace Microsoft.ML.Autoencoders.Tests.Import;

/// <summary>
/// A graph that cannot be an autoencoder's, or names that are not the graph's, fail when the estimator is made, with a
/// message that says what is wrong and lists what the graph has; the library's own loaders, handed a foreign file, point
/// to the import API.
/// </summary>
public sealed class OnnxImportErrorTests(ITestOutputHelper output)
{
    [Fact]
    public void IntegerInputIsRefusedByNameAndType()
    {
        if (PythonOnnxModels.FolderOrExplain(output) is not { } folder) return;
        var e = Assert.Throws<ArgumentException>(() => new MLContext().Transforms.OnnxAutoencoder(PythonOnnxModels.Path(folder, "int64_input"), "ids", "reconstruction"));
        Assert.Contains("'ids'", e.Message);
        Assert.Contains("Int64", e.Message);
        Assert.Contains("float (Single)", e.Message);
    }

    [Fact]
    public void ReconstructionOfAnotherShapeIsRefused()
    {
        if (PythonOnnxModels.FolderOrExplain(output) is not { } folder) return;
        var e = Assert.Throws<ArgumentException>(() => new MLContext().Transforms.OnnxAutoencoder(PythonOnnxModels.Path(folder, "narrowing"), "x", "y"));
        Assert.Contains("'y' gives 3 values per row", e.Message);
        Assert.Contains("takes 6", e.Message);
    }

    [Fact]
    public void MissingOutputsAreListedWithTheOnesThatExist()
    {
        if (PythonOnnxModels.FolderOrExplain(output) is not { } folder) return;
        string path = PythonOnnxModels.Path(folder, "pca");
        var e = Assert.Throws<ArgumentException>(() => new MLContext().Transforms.OnnxAutoencoder(path, "x", "decoded"));
        Assert.Contains("no output 'decoded'", e.Message);
        Assert.Contains("'reconstruction' (Float [?, 8])", e.Message);
        Assert.Contains("'code' (Float [?, 3])", e.Message);

        var code = Assert.Throws<ArgumentException>(() => new MLContext().Transforms.OnnxAutoencoder(path, "x", "reconstruction", codeOutputName: "bottleneck"));
        Assert.Contains("no output 'bottleneck'", code.Message);
        Assert.Contains("CodeOutputName", code.Message);
    }

    [Fact]
    public void MissingInputIsListedWithTheOneThatExists()
    {
        if (PythonOnnxModels.FolderOrExplain(output) is not { } folder) return;
        var e = Assert.Throws<ArgumentException>(() => new MLContext().Transforms.OnnxAutoencoder(PythonOnnxModels.Path(folder, "pca"), "input", "reconstruction"));
        Assert.Contains("no input 'input'", e.Message);
        Assert.Contains("'x' (Float [?, 8])", e.Message);
    }

    [Fact]
    public void ColumnOfAnotherWidthIsRefusedAtFit()
    {
        if (PythonOnnxModels.FolderOrExplain(output) is not { } folder) return;
        var ml = new MLContext();
        var estimator = ml.Transforms.OnnxAutoencoder(PythonOnnxModels.Path(folder, "pca"), "x", "reconstruction");
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => estimator.Fit(ImportData.Of(ml, [new float[5]], 5)));
        Assert.Contains("5 values per row", e.Message);
    }

    [Fact]
    public void LoadOnnxOnAForeignGraphPointsToTheImport()
    {
        if (PythonOnnxModels.FolderOrExplain(output) is not { } folder) return;
        using var stream = File.OpenRead(PythonOnnxModels.Path(folder, "pca"));
        var e = Assert.Throws<InvalidDataException>(() => AutoencoderTransformer.LoadOnnx(stream));
        Assert.Contains("not written by Microsoft.ML.Autoencoders", e.Message);
        Assert.Contains("mlContext.Transforms.OnnxAutoencoder(modelPath, graphInputName: \"x\", reconstructionOutputName: \"reconstruction\")", e.Message);
        Assert.Contains("AutoencoderModel.ImportOnnx", e.Message);
    }

    [Fact]
    public void ForeignGraphAdviceNamesTheOutputAsWideAsTheInputWhenTheCodeIsListedFirst()
    {
        // PyTorch modules that return (code, reconstruction) export the code as the first output; the advice's call must
        // still name the reconstruction, or copying it fails with "gives 2 values per row ... takes 4".
        var g = new OnnxModelBuilder().AddInput("x", [-1, 4]).AddOutput("code", [-1, 2]).AddOutput("reconstruction", [-1, 4]);
        g.AddInitializer("w_in", [4, 2], [1, 0, 0, 1, 1, 0, 0, 1]).AddInitializer("w_out", [2, 4], [1, 0, 1, 0, 0, 1, 0, 1]);
        g.AddNode("MatMul", ["x", "w_in"], ["code"]).AddNode("MatMul", ["code", "w_out"], ["reconstruction"]);
        using var stream = new MemoryStream(g.ToByteArray());

        var e = Assert.Throws<InvalidDataException>(() => AutoencoderTransformer.LoadOnnx(stream));

        Assert.Contains("mlContext.Transforms.OnnxAutoencoder(modelPath, graphInputName: \"x\", reconstructionOutputName: \"reconstruction\")", e.Message);
    }

    [Fact]
    public void LoadFromModelFileOnAPlainOnnxFileSaysWhatItIs()
    {
        if (PythonOnnxModels.FolderOrExplain(output) is not { } folder) return;
        string path = PythonOnnxModels.Path(folder, "mlp_gemm");
        var e = Assert.Throws<InvalidDataException>(() => AutoencoderTransformer.LoadFromModelFile(path));
        Assert.Contains("is an ONNX model, not an ML.NET model zip", e.Message);
        Assert.Contains("graphInputName: \"input\", reconstructionOutputName: \"output\"", e.Message);
        Assert.DoesNotContain("Central Directory", e.Message);
        var detector = Assert.Throws<InvalidDataException>(() => AutoencoderAnomalyTransformer.LoadFromModelFile(path));
        Assert.Contains("is an ONNX model, not an ML.NET model zip", detector.Message);
    }

    [Fact]
    public void LoadFromModelFileOnOurOwnOnnxFilePointsToLoadOnnx()
    {
        var ml = new MLContext(seed: 1);
        var data = SyntheticData.DataView(ml, 64);
        var transformer = TestAutoencoders.Fit(ml, data);
        using var file = new TemporaryFile(".onnx");
        using (var stream = File.Create(file.Path)) transformer.SaveAsOnnx(stream);

        var e = Assert.Throws<InvalidDataException>(() => AutoencoderTransformer.LoadFromModelFile(file.Path));
        Assert.Contains("written by this library's SaveAsOnnx", e.Message);
        Assert.Contains("AutoencoderTransformer.LoadOnnx", e.Message);
    }

    [Fact]
    public void ImportOnnxOnOurOwnOnnxFilePointsToLoadOnnx()
    {
        // The file's reconstruction_error output is a ReduceMean, which the import has no layer for: the refusal must not
        // stop at blaming it (and nn.LayerNorm) but say how this file is read back as a trainable model.
        var ml = new MLContext(seed: 1);
        var transformer = TestAutoencoders.Fit(ml, SyntheticData.DataView(ml, 64));
        using var onnx = new MemoryStream();
        transformer.SaveAsOnnx(onnx);

        var e = Assert.Throws<NotSupportedException>(() => AutoencoderModel.ImportOnnx(onnx.ToArray()));

        Assert.Contains("written by this library's SaveAsOnnx", e.Message);
        Assert.Contains("AutoencoderTransformer.LoadOnnx", e.Message);
        onnx.Position = 0;
        var model = AutoencoderTransformer.LoadOnnx(onnx).Model;
        Assert.Equal(transformer.Model.Spec, model.Spec);
    }

    [Fact]
    public void ImportOnnxOnOurOwnDetectorFileSaysWhatLoadOnnxLeavesOut()
    {
        // LoadOnnx reads the detector file's network, but not its standardization or threshold: the hint must say so and
        // name the loader of the detector itself.
        var ml = new MLContext(seed: 1);
        var options = new AutoencoderOptions { HiddenLayerSizes = [4], CodeSize = 2, Epochs = 1, NumberOfThreads = 1 };
        var detector = ml.AnomalyDetection.Trainers.Autoencoder(new AutoencoderAnomalyOptions { Autoencoder = options, StandardizeFeatures = true })
            .Fit(SyntheticData.DataView(ml, 64));
        using var onnx = new MemoryStream();
        detector.SaveAsOnnx(onnx);

        var e = Assert.Throws<NotSupportedException>(() => AutoencoderModel.ImportOnnx(onnx.ToArray()));

        Assert.Contains("anomaly detector", e.Message);
        Assert.Contains("not the detector's standardization or threshold", e.Message);
        Assert.Contains("AutoencoderAnomalyTransformer.LoadFromModelFile", e.Message);
    }
}
