using Xunit.Abstractions;

namespace Microsoft.ML.Autoencoders.Tests.Import;

/// <summary>
/// Graphs made with python3-onnx read into the engine as trainable networks (<see cref="AutoencoderModel.ImportOnnx(string, string?)"/>):
/// the engine scores them as ONNX Runtime does, fine-tunes them, and exports them again.
/// </summary>
public sealed class OnnxNetworkImportTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("mlp_gemm", "input", "output", "dense 16→8, relu, dense 8→4, relu | dense, relu, dense, sigmoid")]
    [InlineData("matmul_add", "features", "restored", "dense 12→5, tanh | dense, leaky relu")]
    [InlineData("pca", "x", "reconstruction", "x − mean folded into the encoder's bias, + mean into the decoder's")]
    [InlineData("conv", "image", "decoded", "conv, relu, max pool, conv, relu | nearest resize, conv, sigmoid")]
    [InlineData("conv_flat", "pixels", "reconstruction", "reshape, strided conv, batch norm, relu | conv transpose, sigmoid, flatten")]
    public void ImportedNetworkScoresAsOnnxRuntimeAndNumpy(string name, string input, string reconstruction, string layers)
    {
        if (PythonOnnxModels.FolderOrExplain(output) is not { } folder) return;
        output.WriteLine(layers);
        var expected = PythonOnnxModels.ExpectedFor(folder, name);
        string path = PythonOnnxModels.Path(folder, name);
        var model = AutoencoderModel.ImportOnnx(path);
        using var runtime = OnnxAutoencoderModel.Load(path, input, reconstruction);
        float[] rows = expected.FlatInput;

        float[] engine = model.Reconstruct(rows, expected.Rows);

        ColumnValues.AssertClose(runtime.Reconstruct(rows, expected.Rows), engine, "engine vs ONNX Runtime");
        ColumnValues.AssertClose([.. expected.Reconstruction.SelectMany(r => r)], engine, "engine vs numpy");
        if (expected.Code != null)
            ColumnValues.AssertClose([.. expected.Code.SelectMany(r => r)], model.Encode(rows, expected.Rows), "code vs numpy");
    }

    [Fact]
    public void CodeIsTheTensorTheUserNames()
    {
        if (PythonOnnxModels.FolderOrExplain(output) is not { } folder) return;
        string path = PythonOnnxModels.Path(folder, "mlp_gemm");

        Assert.Equal(4, AutoencoderModel.ImportOnnx(path).CodeSize);          // the narrowest layer, after its ReLU
        Assert.Equal(8, AutoencoderModel.ImportOnnx(path, "act0_out").CodeSize);
        var e = Assert.Throws<ArgumentException>(() => AutoencoderModel.ImportOnnx(path, "output"));
        Assert.Contains("'act1_out'", e.Message);
    }

    [Fact]
    public void MissingOperatorsAreNamed()
    {
        if (PythonOnnxModels.FolderOrExplain(output) is not { } folder) return;
        var e = Assert.Throws<NotSupportedException>(() => AutoencoderModel.ImportOnnx(PythonOnnxModels.Path(folder, "softsign_mlp")));
        Assert.Contains("no layer for: Softsign, Erf", e.Message);
        Assert.Contains("mlContext.Transforms.OnnxAutoencoder", e.Message);
    }

    [Fact]
    public void ImportedMlpFineTunesAndExportsAgain()
    {
        if (PythonOnnxModels.FolderOrExplain(output) is not { } folder) return;
        var expected = PythonOnnxModels.ExpectedFor(folder, "mlp_gemm");
        var imported = AutoencoderModel.ImportOnnx(PythonOnnxModels.Path(folder, "mlp_gemm"));
        float[] rows = expected.FlatInput;
        float before = imported.ReconstructionErrors(rows, expected.Rows).Average();
        var ml = new MLContext(seed: 1);
        var data = ImportData.Of(ml, expected.Input, 16);

        var tuned = ml.Transforms.Autoencoder(new AutoencoderOptions
        {
            InitialModel = imported, ReconstructionErrorColumnName = "Error", Epochs = 30, BatchSize = 32, LearningRate = 3e-3f, NumberOfThreads = 1,
        }).Fit(data);

        var losses = tuned.Model.TrainingHistory!.Epochs.Select(e => e.TrainingLoss).ToArray();
        float after = tuned.Model.ReconstructionErrors(rows, expected.Rows).Average();
        output.WriteLine($"imported MSE {before:G6}; epoch losses {losses[0]:G6} … {losses[^1]:G6}; tuned MSE {after:G6}");
        // It starts where the imported weights are (not from a fresh draw) and goes down from there.
        Assert.InRange(losses[0], before * 0.5, before * 1.05);
        Assert.True(after < 0.9 * before, $"Fine-tuning took the MSE from {before} to {after} only.");
        Assert.Equal(before, imported.ReconstructionErrors(rows, expected.Rows).Average()); // the imported model is untouched

        using var exported = new MemoryStream();
        tuned.SaveAsOnnx(exported);
        using var again = OnnxAutoencoderModel.Load(exported.ToArray(), "input", "reconstruction", "encoded");
        ColumnValues.AssertClose(tuned.Model.Reconstruct(rows, expected.Rows), again.Reconstruct(rows, expected.Rows), "exported vs engine");
    }
}
