using Microsoft.ML.Autoencoders.Persistence;
using Microsoft.ML.Autoencoders.Tests.Onnx;
using Xunit.Abstractions;

namespace Microsoft.ML.Autoencoders.Tests.Import;

/// <summary>
/// An imported autoencoder saved with <c>mlContext.Model.Save</c> carries the graph's bytes: a fresh context's plain
/// <c>Model.Load</c> scores the same through ML.NET's OnnxTransformer, and <see cref="OnnxAutoencoderTransformer.LoadFromModelFile"/>
/// brings back the batched transformer.
/// </summary>
public sealed class OnnxImportSaveLoadTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("pca", "x", "reconstruction", "code")]
    [InlineData("conv", "image", "decoded", "encoded")]
    [InlineData("mlp_gemm", "input", "output", null)]
    public void SavedImportLoadsInAFreshContextWithTheSameScores(string name, string input, string reconstruction, string? code)
    {
        if (PythonOnnxModels.FolderOrExplain(output) is not { } folder) return;
        var expected = PythonOnnxModels.ExpectedFor(folder, name);
        var ml = new MLContext(seed: 1);
        var data = ImportData.Of(ml, expected.Input.Take(40), expected.Input[0].Length);
        var transformer = ml.Transforms.OnnxAutoencoder(PythonOnnxModels.Path(folder, name), input, reconstruction, code).Fit(data);
        using var file = new TemporaryFile();
        ml.Model.Save(transformer, data.Schema, file.Path);

        var loaded = new MLContext().Model.Load(file.Path, out _);
        var typed = OnnxAutoencoderTransformer.LoadFromModelFile(file.Path);

        Assert.IsNotType<OnnxAutoencoderTransformer>(loaded);
        Assert.Equal(transformer.Model.ScoresInBatches, typed.Model.ScoresInBatches);
        foreach (var scored in new[] { loaded.Transform(data), typed.Transform(data) })
        {
            ColumnValues.AssertClose([.. expected.Reconstruction.Take(40)], ColumnValues.Vectors(scored, "Reconstruction"), "Reconstruction");
            ColumnValues.AssertClose([.. expected.Error.Take(40)], ColumnValues.Scalars(scored, "ReconstructionError"), "ReconstructionError");
            if (code != null) ColumnValues.AssertClose([.. expected.Code!.Take(40)], ColumnValues.Vectors(scored, "Encoded"), "Encoded");
            Assert.DoesNotContain(scored.Schema, c => !c.IsHidden && (c.Name.StartsWith("__", StringComparison.Ordinal) || c.Name == reconstruction));
        }
    }

    [Fact]
    public void AdapterGraphPassesTheOnnxChecker()
    {
        if (PythonOnnxModels.FolderOrExplain(output) is not { } folder) return;
        using var model = OnnxAutoencoderModel.Load(PythonOnnxModels.Path(folder, "conv"), "image", "decoded", "encoded");
        var columns = new AutoencoderColumns("Features", "Encoded", "Reconstruction", "Error");
        using var file = new TemporaryFile(".onnx");
        File.WriteAllBytes(file.Path, OnnxImportAdapter.ToBytes(model, columns, ErrorVectorToScalar.VectorColumn));

        var checker = OnnxPythonChecker.Find(out _)!; // FolderOrExplain found Python with onnx
        var (passed, text) = checker.Check(file.Path);
        Assert.True(passed, $"onnx.checker rejected the import adapter: {text}");
    }

    [Fact]
    public void TheTrainedModelLoaderPointsToTheImportLoader()
    {
        if (PythonOnnxModels.FolderOrExplain(output) is not { } folder) return;
        var ml = new MLContext(seed: 1);
        var data = ImportData.Of(ml, [new float[8]], 8);
        var transformer = ml.Transforms.OnnxAutoencoder(PythonOnnxModels.Path(folder, "pca"), "x", "reconstruction").Fit(data);
        using var file = new TemporaryFile();
        ml.Model.Save(transformer, data.Schema, file.Path);

        var e = Assert.Throws<InvalidDataException>(() => AutoencoderTransformer.LoadFromModelFile(file.Path));
        Assert.Contains("OnnxAutoencoderTransformer.LoadFromModelFile", e.Message);
    }
}
