using Xunit.Abstractions;

namespace Microsoft.ML.Autoencoders.Tests.Import;

/// <summary>
/// Autoencoders written the way PyTorch tutorials write them and exported with <c>torch.onnx.export</c> (dynamic and fixed
/// batch, opsets 13 and 17; TorchModels/make_torch_models.py) import into the engine, score what PyTorch computed, find
/// the encoder's output as their code, fine-tune, and export again; ONNX Runtime scores the files as they are too.
/// </summary>
public sealed class TorchOnnxImportTests(ITestOutputHelper output)
{
    public static TheoryData<string> Models => TorchOnnxModels.Importable();

    public static TheoryData<string> Files => TorchOnnxModels.All();

    [Theory]
    [MemberData(nameof(Models))]
    public void ImportedNetworkScoresAsPyTorch(string name)
    {
        var expected = TorchOnnxModels.ExpectedFor(name);

        var model = AutoencoderModel.ImportOnnx(TorchOnnxModels.Path(name));

        output.WriteLine(string.Join(" → ", model.Spec.Layers.Select(l => l.Kind)));
        ColumnValues.AssertClose([.. expected.Reconstruction.SelectMany(r => r)], model.Reconstruct(expected.FlatInput, expected.Rows), "engine vs PyTorch");
        Assert.Equal(expected.CodeSize, model.CodeSize);
        ColumnValues.AssertClose([.. expected.Code.SelectMany(r => r)], model.Encode(expected.FlatInput, expected.Rows), "code vs PyTorch's encoder");
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void ImportedNetworkFineTunesAndExportsAgain(string name)
    {
        var ml = new MLContext(seed: 1);
        var (expected, imported, before, data) = TorchOnnxModels.Import(name, ml);

        var tuned = ml.Transforms.Autoencoder(new AutoencoderOptions
        {
            InitialModel = imported, ReconstructionErrorColumnName = "Error", Epochs = 10, BatchSize = 4, LearningRate = 1e-3f, NumberOfThreads = 1,
        }).Fit(data);

        float after = tuned.Model.ReconstructionErrors(expected.FlatInput, expected.Rows).Average();
        output.WriteLine($"imported MSE {before:G6}, tuned MSE {after:G6}");
        Assert.True(float.IsFinite(after) && after < before, $"Fine-tuning took the MSE from {before} to {after}.");
        using var exported = new MemoryStream();
        tuned.SaveAsOnnx(exported);
        using var again = OnnxAutoencoderModel.Load(exported.ToArray(), "input", "reconstruction", "encoded");
        ColumnValues.AssertClose(tuned.Model.Reconstruct(expected.FlatInput, expected.Rows), again.Reconstruct(expected.FlatInput, expected.Rows), "exported vs engine");
    }

    [Fact]
    public void SkipConnectionIsRefusedNamingTheBranch()
    {
        var e = Assert.Throws<NotSupportedException>(() => AutoencoderModel.ImportOnnx(TorchOnnxModels.Path(TorchOnnxModels.Residual)));

        // h = relu(fc1(x)) feeds both fc2 and the Add of h + relu(fc2(h)).
        Assert.Contains("Tensor '/Relu_output_0' feeds 2 nodes", e.Message);
        Assert.Contains("(Gemm)", e.Message);
        Assert.Contains("(Add)", e.Message);
        Assert.Contains("chains of layers, not branches", e.Message);
        // ONNX Runtime scores it as it is (OnnxAutoencoderTransformScoresTheFileAsPyTorch), and the refusal says so.
        Assert.Contains("The graph can still be scored as it is with mlContext.Transforms.OnnxAutoencoder (ONNX Runtime), but not trained here.", e.Message);
    }

    [Theory]
    [InlineData("torch_mlp_mish", "This fork is how the exporter writes x·tanh(softplus(x)), nn.Mish, which the engine has no activation for")]
    [InlineData("torch_mlp_gelu_tanh", "the engine imports chains of layers, not branches")]
    [InlineData("torch_mlp_hardsigmoid", "no layer for: HardSigmoid (HardSigmoid: nn.Hardsigmoid)")]
    public void UnsupportedActivationIsNamedAsTheModuleTheUserWrote(string name, string expected)
    {
        var e = Assert.Throws<NotSupportedException>(() => AutoencoderModel.ImportOnnx(TorchOnnxModels.Path(name)));

        output.WriteLine(e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void RefusalListsTheOperatorsTheEngineImports()
    {
        var e = Assert.Throws<NotSupportedException>(() => AutoencoderModel.ImportOnnx(TorchOnnxModels.Path("torch_mlp_hardsigmoid")));

        Assert.Contains("The engine's layers come from Gemm, MatMul, Add, Sub, Relu, Sigmoid, Tanh, LeakyRelu, PRelu, Elu, Softplus, Clip, Gelu, Conv, ConvTranspose", e.Message);
        Assert.Contains("mlContext.Transforms.OnnxAutoencoder", e.Message);
    }

    [Fact]
    public void FixedBatchOfTwoIsTheBatchInTheEngine()
    {
        // Input [2, 64]: before, the engine read the 2 as part of a row and refused the Gemm ("flatten first").
        var expected = TorchOnnxModels.ExpectedFor("torch_mlp_fixed_batch_of_two");

        var model = AutoencoderModel.ImportOnnx(TorchOnnxModels.Path("torch_mlp_fixed_batch_of_two"));

        Assert.Equal(new[] { 64 }, model.Spec.InputShape.Dimensions.ToArray());
        // Five rows, not a multiple of the exported two: the engine's network takes any batch.
        ColumnValues.AssertClose([.. expected.Reconstruction.Take(5).SelectMany(r => r)], model.Reconstruct([.. expected.Input.Take(5).SelectMany(r => r)], 5), "five rows vs PyTorch");
    }

    [Fact]
    public void AColumnOfTheWholeFixedBatchScoresItAsOneRowAsBefore()
    {
        // ONNX Runtime once read [2, 64] as one row of 128, and a 128-wide column scored; it still does, with the 2 the batch
        // only for a 64-wide column. The graph scores its two slices apart, so one row of two slices gives each slice's reconstruction.
        var expected = TorchOnnxModels.ExpectedFor("torch_mlp_fixed_batch_of_two");
        var ml = new MLContext(seed: 1);
        var pairs = expected.Input.Take(8).Chunk(2).Select(pair => pair.SelectMany(r => r).ToArray()).ToArray();
        var data = ImportData.Of(ml, pairs, 2 * expected.Width);

        var transformer = ml.Transforms.OnnxAutoencoder(TorchOnnxModels.Path("torch_mlp_fixed_batch_of_two"), "input", "reconstruction").Fit(data);
        using var file = new TemporaryFile();
        ml.Model.Save(transformer, data.Schema, file.Path);

        Assert.Equal((128, 1), (transformer.Model.InputSize, transformer.Model.FixedBatchSize));
        Assert.Equal(new[] { 2, 64 }, transformer.Model.InputShape);
        float[][] reconstruction = [.. expected.Reconstruction.Take(8).Chunk(2).Select(pair => pair.SelectMany(r => r).ToArray())];
        float[] errors = [.. expected.Error.Take(8).Chunk(2).Select(pair => (pair[0] + pair[1]) / 2)];
        foreach (var scorer in new ITransformer[] { transformer, new MLContext().Model.Load(file.Path, out _), OnnxAutoencoderTransformer.LoadFromModelFile(file.Path) })
        {
            var scored = scorer.Transform(data);
            ColumnValues.AssertClose(reconstruction, ColumnValues.Vectors(scored, "Reconstruction"), $"{scorer.GetType().Name}'s reconstruction");
            ColumnValues.AssertClose(errors, ColumnValues.Scalars(scored, "ReconstructionError"), $"{scorer.GetType().Name}'s errors");
        }
    }

    [Fact]
    public void AColumnThatIsNeitherReadingOfAFixedBatchIsToldBothAndInputShape()
    {
        var ml = new MLContext(seed: 1);
        var estimator = ml.Transforms.OnnxAutoencoder(TorchOnnxModels.Path("torch_mlp_fixed_batch_of_two"), "input", "reconstruction");

        var e = Assert.ThrowsAny<ArgumentException>(() => estimator.Fit(ImportData.Of(ml, [new float[100]], 100)));

        output.WriteLine(e.Message);
        Assert.Contains("Column 'Features' has 100 values per row but graph input 'input' takes 64 per row (tensor shape [2, 64], run 2 rows at a time)", e.Message);
        Assert.Contains("the whole tensor as one row of 128 values, or its leading 2 as the batch, rows of 64 values", e.Message);
        Assert.Contains("InputShape = [2, 64] reads the whole tensor as one row, InputShape = [64] reads 2 as the batch", e.Message);
        Assert.DoesNotContain("trained", e.Message);
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void OnnxAutoencoderTransformScoresTheFileAsPyTorch(string name)
    {
        var expected = TorchOnnxModels.ExpectedFor(name);
        var ml = new MLContext(seed: 1);
        var data = ImportData.Of(ml, expected.Input, expected.Width);
        string? code = name == "torch_mlp_code_output" ? "code" : name == TorchOnnxModels.VariationalMeanAndLogVariance ? "mu" : null;

        var transformer = ml.Transforms.OnnxAutoencoder(TorchOnnxModels.Path(name), "input", "reconstruction", code).Fit(data);
        var scored = transformer.Transform(data);

        Assert.Equal(expected.DynamicBatch, transformer.Model.ScoresInBatches);
        ColumnValues.AssertClose(expected.Reconstruction, ColumnValues.Vectors(scored, "Reconstruction"), "Reconstruction");
        ColumnValues.AssertClose(expected.Error, ColumnValues.Scalars(scored, "ReconstructionError"), "ReconstructionError");
        if (code != null) ColumnValues.AssertClose(expected.Code, ColumnValues.Vectors(scored, "Encoded"), "Encoded");
    }
}
