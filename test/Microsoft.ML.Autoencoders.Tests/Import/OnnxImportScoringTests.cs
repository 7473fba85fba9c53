using Microsoft.ML.Autoencoders.Tests.Onnx;
using Xunit.Abstractions;

namespace Microsoft.ML.Autoencoders.Tests.Import;

/// <summary>
/// Autoencoders made with python3-onnx and numpy (make_models.py), imported with <c>mlContext.Transforms.OnnxAutoencoder</c>,
/// score what numpy computed from the same weights: reconstruction, code and per-row mean squared error.
/// </summary>
public sealed class OnnxImportScoringTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("pca", "x", "reconstruction", "code")]
    [InlineData("mlp_gemm", "input", "output", null)]
    [InlineData("matmul_add", "features", "restored", null)]
    [InlineData("conv", "image", "decoded", "encoded")]
    [InlineData("conv_flat", "pixels", "reconstruction", null)]
    [InlineData("pca_batch1", "x", "reconstruction", "code")]
    public void ImportedGraphScoresAsNumpyComputes(string name, string input, string reconstruction, string? code)
    {
        if (PythonOnnxModels.FolderOrExplain(output) is not { } folder) return;
        var expected = PythonOnnxModels.ExpectedFor(folder, name);
        var ml = new MLContext(seed: 1);
        var data = ImportData.Of(ml, expected.Input, expected.Input[0].Length);

        var transformer = ml.Transforms.OnnxAutoencoder(PythonOnnxModels.Path(folder, name), input, reconstruction, code).Fit(data);
        var scored = transformer.Transform(data);

        Assert.Equal(name != "pca_batch1", transformer.Model.ScoresInBatches);
        ColumnValues.AssertClose(expected.Reconstruction, ColumnValues.Vectors(scored, "Reconstruction"), "Reconstruction");
        ColumnValues.AssertClose(expected.Error, ColumnValues.Scalars(scored, "ReconstructionError"), "ReconstructionError");
        if (code != null) ColumnValues.AssertClose(expected.Code!, ColumnValues.Vectors(scored, "Encoded"), "Encoded");
        else Assert.Null(scored.Schema.GetColumnOrNull("Encoded"));
    }

    [Fact]
    public void CursorRunsOnnxRuntimeOncePerBatchNotPerRow()
    {
        if (PythonOnnxModels.FolderOrExplain(output) is not { } folder) return;
        var expected = PythonOnnxModels.ExpectedFor(folder, "mlp_gemm");
        var ml = new MLContext(seed: 1);
        var data = ImportData.Of(ml, expected.Input, 16);
        var transformer = ml.Transforms.OnnxAutoencoder(PythonOnnxModels.Path(folder, "mlp_gemm"), "input", "output").Fit(data);

        long before = transformer.Model.Runs;
        _ = ColumnValues.Scalars(transformer.Transform(data), "ReconstructionError");
        long runs = transformer.Model.Runs - before;

        // 300 rows in look-ahead batches of 1, 2, 4, ..., 256 rows: 9 runs (the last one partial), not 300.
        Assert.Equal(9, runs);
    }

    [Fact]
    public void ArrayApiScoresLikeTheTransformer()
    {
        if (PythonOnnxModels.FolderOrExplain(output) is not { } folder) return;
        var expected = PythonOnnxModels.ExpectedFor(folder, "pca");
        using var model = OnnxAutoencoderModel.Load(PythonOnnxModels.Path(folder, "pca"), "x", "reconstruction", "code");

        Assert.Equal([8], model.InputShape);
        Assert.Equal(3, model.CodeSize);
        ColumnValues.AssertClose(expected.Error, model.ReconstructionErrors(expected.FlatInput, expected.Rows), "errors");
        ColumnValues.AssertClose([.. expected.Code!.SelectMany(r => r)], model.Encode(expected.FlatInput, expected.Rows), "codes");
    }

    [Fact]
    public void PredictionEngineScoresSingleRows()
    {
        if (PythonOnnxModels.FolderOrExplain(output) is not { } folder) return;
        var expected = PythonOnnxModels.ExpectedFor(folder, "matmul_add");
        var ml = new MLContext(seed: 1);
        var data = ImportData.Of(ml, expected.Input, 12);
        var transformer = ml.Transforms.OnnxAutoencoder(PythonOnnxModels.Path(folder, "matmul_add"), "features", "restored").Fit(data);

        var engine = ml.Model.CreatePredictionEngine<ImportData.Row, ErrorRow>(transformer, inputSchemaDefinition: ImportData.Schema(12));
        for (int r = 0; r < 5; r++)
            ColumnValues.AssertClose(expected.Error[r], engine.Predict(new ImportData.Row { Features = expected.Input[r] }).ReconstructionError, $"row {r}");
    }

    private sealed class ErrorRow
    {
        public float ReconstructionError { get; set; }
    }
}
