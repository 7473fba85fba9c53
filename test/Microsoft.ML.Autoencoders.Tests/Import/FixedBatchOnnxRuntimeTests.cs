using Microsoft.ML.Autoencoders.Onnx;
using Microsoft.ML.Autoencoders.Persistence;
using Microsoft.ML.Autoencoders.Tests.Onnx;
using Xunit.Abstractions;

namespace Microsoft.ML.Autoencoders.Tests.Import;

/// <summary>
/// A graph exported from a dummy batch of two rows without dynamic_axes (input [2, ...]) scores through ONNX Runtime:
/// rows go in runs of exactly two, the last run padded and its padding's outputs dropped, so any number of rows — one, an
/// odd count, a prediction engine's single rows — scores as PyTorch did and as the engine's import of the same file does.
/// A fixed leading axis whose slices the graph does not score apart (a time axis, per-slot weights) is still one row.
/// </summary>
public sealed class FixedBatchOnnxRuntimeTests(ITestOutputHelper output)
{
    public static TheoryData<string> Files => new(TorchOnnxModels.FixedBatchOfTwo);

    [Theory]
    [MemberData(nameof(Files))]
    public void AnyRowCountScoresAsPyTorchAndTheEngine(string name)
    {
        var expected = TorchOnnxModels.ExpectedFor(name);
        var ml = new MLContext(seed: 1);
        var engine = AutoencoderModel.ImportOnnx(TorchOnnxModels.Path(name));
        var transformer = ml.Transforms.OnnxAutoencoder(TorchOnnxModels.Path(name), "input", "reconstruction").Fit(ImportData.Of(ml, expected.Input, expected.Width));

        Assert.False(transformer.Model.ScoresInBatches);
        Assert.Equal(2, transformer.Model.FixedBatchSize);
        Assert.Equal(engine.Spec.InputShape.Dimensions.ToArray(), transformer.Model.InputShape);
        foreach (int rows in new[] { 1, 5, expected.Rows - 1 })
        {
            var scored = transformer.Transform(ImportData.Of(ml, expected.Input.Take(rows), expected.Width));
            float[][] reconstruction = ColumnValues.Vectors(scored, "Reconstruction");
            ColumnValues.AssertClose([.. expected.Reconstruction.Take(rows)], reconstruction, $"{rows} rows vs PyTorch");
            ColumnValues.AssertClose([.. expected.Error.Take(rows)], ColumnValues.Scalars(scored, "ReconstructionError"), $"{rows} rows' errors vs PyTorch");
            ColumnValues.AssertClose(engine.Reconstruct([.. expected.Input.Take(rows).SelectMany(r => r)], rows), [.. reconstruction.SelectMany(r => r)], $"{rows} rows vs the engine");
            ColumnValues.AssertClose([.. expected.Reconstruction.Take(rows).SelectMany(r => r)],
                transformer.Model.Reconstruct([.. expected.Input.Take(rows).SelectMany(r => r)], rows), $"{rows} rows through the array API");
        }
    }

    [Fact]
    public void PredictionEngineScoresOneRowAtATime()
    {
        var ml = new MLContext(seed: 1);
        var (expected, transformer) = FittedOnSliceRows(ml);
        long runsBefore = transformer.Model.Runs;

        var engine = ml.Model.CreatePredictionEngine<ImportData.Row, ErrorRow>(transformer, inputSchemaDefinition: ImportData.Schema(expected.Width));
        for (int r = 0; r < 5; r++)
            ColumnValues.AssertClose(expected.Error[r], engine.Predict(new ImportData.Row { Features = expected.Input[r] }).ReconstructionError, $"row {r}");

        Assert.Equal(5, transformer.Model.Runs - runsBefore); // one padded run per row
    }

    [Theory]
    [InlineData("Features")]
    [InlineData("input")] // the graph input's own name: the saved chain repeats the row under it, then puts the row back
    public void SavedTransformerScoresTheSameAfterAPlainAndATypedLoad(string column)
    {
        const string name = "torch_conv_dense_view_fixed_batch_of_two";
        var expected = TorchOnnxModels.ExpectedFor(name);
        var ml = new MLContext(seed: 1);
        var data = ImportData.Of(ml, expected.Input.Take(5), expected.Width, column);
        var transformer = ml.Transforms.OnnxAutoencoder(new OnnxAutoencoderOptions
        {
            ModelPath = TorchOnnxModels.Path(name), GraphInputName = "input", ReconstructionOutputName = "reconstruction", InputColumnName = column,
        }).Fit(data);
        using var file = new TemporaryFile();
        ml.Model.Save(transformer, data.Schema, file.Path);

        var loaded = new MLContext().Model.Load(file.Path, out _);
        var typed = OnnxAutoencoderTransformer.LoadFromModelFile(file.Path);

        Assert.Equal(2, typed.Model.FixedBatchSize);
        foreach (var scored in new[] { loaded.Transform(data), typed.Transform(data) })
        {
            ColumnValues.AssertClose([.. expected.Reconstruction.Take(5)], ColumnValues.Vectors(scored, "Reconstruction"), "Reconstruction");
            ColumnValues.AssertClose([.. expected.Error.Take(5)], ColumnValues.Scalars(scored, "ReconstructionError"), "ReconstructionError");
            ColumnValues.AssertClose([.. expected.Input.Take(5)], ColumnValues.Vectors(scored, column), "the input column, as given");
        }
    }

    [Fact]
    public void DetectorOnTheImportScoresEveryRowAndSavesWhole()
    {
        var expected = TorchOnnxModels.ExpectedFor("torch_mlp_fixed_batch_of_two");
        var ml = new MLContext(seed: 1);
        using var imported = OnnxAutoencoderModel.Load(TorchOnnxModels.Path("torch_mlp_fixed_batch_of_two"), "input", "reconstruction");
        var train = ImportData.Of(ml, expected.Input.Take(9), expected.Width);

        var detector = ml.AnomalyDetection.Trainers.Autoencoder(imported, contamination: 0.2).Fit(train);
        using var file = new TemporaryFile();
        ml.Model.Save(detector, train.Schema, file.Path);

        var test = ImportData.Of(ml, expected.Input.Skip(9), expected.Width);
        foreach (var scorer in new ITransformer[] { detector, new MLContext().Model.Load(file.Path, out _), AutoencoderAnomalyTransformer.LoadFromModelFile(file.Path) })
            ColumnValues.AssertClose([.. expected.Error.Skip(9)], ColumnValues.Scalars(scorer.Transform(test), "Score"), $"{scorer.GetType().Name}'s scores");
    }

    [Fact]
    public void DetectorOnAColumnOfTheWholeTensorScoresEachAsOneRow()
    {
        // The model was loaded without a column, so the probe read the 2 as the batch; the detector's 128-wide column reads
        // the whole tensor as one row, as at the previous release: each row's score is the mean of its two slices' errors.
        var expected = TorchOnnxModels.ExpectedFor("torch_mlp_fixed_batch_of_two");
        var ml = new MLContext(seed: 1);
        using var imported = OnnxAutoencoderModel.Load(TorchOnnxModels.Path("torch_mlp_fixed_batch_of_two"), "input", "reconstruction");
        var data = ImportData.Of(ml, [.. expected.Input.Take(12).Chunk(2).Select(pair => pair.SelectMany(r => r).ToArray())], 2 * expected.Width);

        var detector = ml.AnomalyDetection.Trainers.Autoencoder(imported, contamination: 0.2).Fit(data);
        using var file = new TemporaryFile();
        ml.Model.Save(detector, data.Schema, file.Path);

        Assert.Equal(2, imported.FixedBatchSize);
        Assert.Equal((128, 1), (detector.ImportedModel!.InputSize, detector.ImportedModel.FixedBatchSize));
        float[] errors = [.. expected.Error.Take(12).Chunk(2).Select(pair => (pair[0] + pair[1]) / 2)];
        foreach (var scorer in new ITransformer[] { detector, new MLContext().Model.Load(file.Path, out _), AutoencoderAnomalyTransformer.LoadFromModelFile(file.Path) })
            ColumnValues.AssertClose(errors, ColumnValues.Scalars(scorer.Transform(data), "Score"), $"{scorer.GetType().Name}'s scores");
    }

    [Fact]
    public void AScorerFittedOnSliceRowsIsToldToFitOnAColumnOfTheWholeTensor()
    {
        var ml = new MLContext(seed: 1);
        var (expected, transformer) = FittedOnSliceRows(ml);

        var e = Assert.ThrowsAny<ArgumentException>(() => transformer.Transform(ImportData.Of(ml, [new float[128]], 128)));

        output.WriteLine(e.Message);
        Assert.Contains("The scorer was fitted on a column of 64 values, which reads the leading 2 as the batch; a column of 128 values reads the whole tensor as one row: fit on that column", e.Message);
    }

    [Fact]
    public void TheSavedAdapterThatSlicesTheFirstRowPassesTheOnnxChecker()
    {
        OnnxPythonChecker? checker = OnnxPythonChecker.Find(out string why);
        if (checker is null)
        {
            Assert.True(Environment.GetEnvironmentVariable(OnnxPythonChecker.RequiredVariable) != "1", "NOT CHECKED: " + why);
            output.WriteLine("NOT CHECKED: no Python with onnx (" + why + ").");
            return;
        }
        using var model = OnnxAutoencoderModel.Load(TorchOnnxModels.Path("torch_mlp_fixed_batch_of_two"), "input", "reconstruction");
        using var file = new TemporaryFile(".onnx");
        File.WriteAllBytes(file.Path, OnnxImportAdapter.ToBytes(model, new AutoencoderColumns("Features", null, "Reconstruction", "Error"), ErrorVectorToScalar.VectorColumn));

        var (passed, text) = checker.Check(file.Path);

        Assert.True(passed, $"onnx.checker rejected the fixed-batch import adapter: {text}");
    }

    /// <summary>
    /// Graphs whose input is [3, 4] but whose leading axis is not a batch: rows centred on their column means (the three
    /// slices mix), and each slice scaled by its own weights (apart, but not alike); and what the message says of each.
    /// </summary>
    public static TheoryData<string, string, string> NotABatch => new()
    {
        { "centred on the column means", "a slice's outputs changed when only the other slices did", "depends on the other rows of its group of 3" },
        { "per-slice weights", "the same values gave other outputs in another slot", "depends on its slot in its group of 3" },
    };

    [Theory]
    [MemberData(nameof(NotABatch))]
    public void AFixedLeadingAxisWhoseSlicesMixIsOneRow(string graph, string probeSaw, string consequence)
    {
        var g = new OnnxModelBuilder(opsetVersion: 13).AddInput("input", [3, 4]).AddOutput("y", [3, 4]);
        if (graph == "per-slice weights")
            g.AddInitializer("w", [3, 4], [.. Enumerable.Range(1, 12).Select(i => i / 6f)]).AddNode("Mul", ["input", "w"], ["y"]);
        else
            g.AddNode("ReduceMean", ["input"], ["mean"], attributes: [OnnxAttribute.FromInts("axes", 0), OnnxAttribute.FromInt("keepdims", 1)]).AddNode("Sub", ["input", "mean"], ["y"]);
        using var model = OnnxAutoencoderModel.Load(g.ToByteArray(), "input", "y");
        var ml = new MLContext(seed: 1);

        Assert.Equal(12, model.InputSize);
        Assert.Equal(1, model.FixedBatchSize);
        var options = new OnnxAutoencoderOptions { ModelBytes = g.ToByteArray(), GraphInputName = "input", ReconstructionOutputName = "y" };
        var e = Assert.ThrowsAny<ArgumentException>(() => ml.Transforms.OnnxAutoencoder(options).Fit(ImportData.Of(ml, [new float[4]], 4)));
        output.WriteLine(e.Message);
        Assert.Contains("Column 'Features' has 4 values per row but graph input 'input' takes 12 per row (tensor shape [3, 4])", e.Message);
        Assert.Contains(probeSaw, e.Message);
        // The override is offered only for a fooled probe, with what it costs: a row's score would depend on its group.
        Assert.Contains("If the probe was fooled and 3 is the batch all the same, InputShape = [4] reads it so, but then a row's score " + consequence, e.Message);
        using var asBatch = OnnxAutoencoderModel.Load(g.ToByteArray(), "input", "y", inputShape: [4]);
        Assert.Equal((4, 3), (asBatch.InputSize, asBatch.FixedBatchSize));
    }

    /// <summary>Graphs that sample: noise added in the graph, and Dropout exported in training mode.</summary>
    public static TheoryData<string> Sampling => new("RandomNormalLike", "Dropout in training mode");

    [Theory]
    [MemberData(nameof(Sampling))]
    public void AGraphThatSamplesIsToldNotDeterministicRatherThanATimeAxis(string graph)
    {
        var g = new OnnxModelBuilder(opsetVersion: 13).AddInput("input", [2, 4]).AddOutput("y", [2, 4]);
        if (graph == "RandomNormalLike")
            g.AddNode("RandomNormalLike", ["input"], ["noise"]).AddNode("Add", ["input", "noise"], ["y"]);
        else
            g.AddInitializer("ratio", [], [0.5f]).AddInt64Initializer("training.int", [], [1])
                .AddNode("Cast", ["training.int"], ["training"], attributes: [OnnxAttribute.FromInt("to", 9)])
                .AddNode("Dropout", ["input", "ratio", "training"], ["y"]);
        var ml = new MLContext(seed: 1);
        var options = new OnnxAutoencoderOptions { ModelBytes = g.ToByteArray(), GraphInputName = "input", ReconstructionOutputName = "y" };

        var e = Assert.ThrowsAny<ArgumentException>(() => ml.Transforms.OnnxAutoencoder(options).Fit(ImportData.Of(ml, [new float[4]], 4)));

        output.WriteLine(e.Message);
        Assert.Contains("the graph is not deterministic (the same rows, run twice, gave different outputs", e.Message);
        Assert.Contains("its scores would change from run to run", e.Message);
        Assert.DoesNotContain("time axis", e.Message);
    }

    [Fact]
    public void ATimeAxisTimesWeightsKeepsItsWholeTensorColumnAndTakesASliceColumnAsTheBatch()
    {
        // [3, 4] · [4, 4]: each step weighed alike and apart, so the runs at load see a batch of three; a 12-wide column, which
        // scored as one row before the batch reading, still does, and a 4-wide one runs three rows at a time.
        float[] w = [.. Enumerable.Range(0, 16).Select(i => (i % 5 - 2) / 4f)];
        var g = new OnnxModelBuilder(opsetVersion: 13).AddInput("input", [3, 4]).AddOutput("y", [3, 4])
            .AddInitializer("w", [4, 4], w).AddNode("MatMul", ["input", "w"], ["y"]);
        var options = new OnnxAutoencoderOptions { ModelBytes = g.ToByteArray(), GraphInputName = "input", ReconstructionOutputName = "y" };
        var ml = new MLContext(seed: 1);
        float[][] steps = [.. Enumerable.Range(0, 6).Select(r => Enumerable.Range(0, 4).Select(c => (r * 4 + c) / 10f).ToArray())];
        float[][] expected = [.. steps.Select(x => Enumerable.Range(0, 4).Select(j => Enumerable.Range(0, 4).Sum(k => x[k] * w[k * 4 + j])).ToArray())];

        var whole = ml.Transforms.OnnxAutoencoder(options).Fit(ImportData.Of(ml, [.. steps.Chunk(3).Select(s => s.SelectMany(v => v).ToArray())], 12));
        var apart = ml.Transforms.OnnxAutoencoder(options).Fit(ImportData.Of(ml, steps, 4));

        Assert.Equal((12, 1), (whole.Model.InputSize, whole.Model.FixedBatchSize));
        Assert.Equal((4, 3), (apart.Model.InputSize, apart.Model.FixedBatchSize));
        ColumnValues.AssertClose([.. expected.Chunk(3).Select(s => s.SelectMany(v => v).ToArray())],
            ColumnValues.Vectors(whole.Transform(ImportData.Of(ml, [.. steps.Chunk(3).Select(s => s.SelectMany(v => v).ToArray())], 12)), "Reconstruction"), "one row of three steps");
        ColumnValues.AssertClose(expected, ColumnValues.Vectors(apart.Transform(ImportData.Of(ml, steps, 4)), "Reconstruction"), "steps as rows");
    }

    [Fact]
    public void InputShapeOfTheWholeTensorKeepsAFixedBatchAsOneRow()
    {
        using var model = OnnxAutoencoderModel.Load(TorchOnnxModels.Path("torch_mlp_fixed_batch_of_two"), "input", "reconstruction", inputShape: [2, 64]);

        Assert.Equal((128, 1), (model.InputSize, model.FixedBatchSize));
    }

    [Fact]
    public void AGivenWholeShapeRefusesASliceColumnByTheShapeNotByProbeRuns()
    {
        var ml = new MLContext(seed: 1);
        var options = new OnnxAutoencoderOptions
        {
            ModelPath = TorchOnnxModels.Path("torch_mlp_fixed_batch_of_two"), GraphInputName = "input", ReconstructionOutputName = "reconstruction", InputShape = [2, 64],
        };

        var e = Assert.ThrowsAny<ArgumentException>(() => ml.Transforms.OnnxAutoencoder(options).Fit(ImportData.Of(ml, [new float[64]], 64)));

        output.WriteLine(e.Message);
        Assert.Contains("InputShape = [2, 64] reads the whole tensor as one row of 128 values; to read the leading 2 as the batch, rows of 64 values, give InputShape = [64] instead", e.Message);
        Assert.DoesNotContain("probe", e.Message);
        Assert.DoesNotContain("runs", e.Message);
    }

    private sealed class ErrorRow
    {
        public float ReconstructionError { get; set; }
    }

    /// <summary>The fixed-batch-of-two graph fitted on a column of one slice per row (64 values), which makes 2 its batch.</summary>
    private static (TorchOnnxModels.Expected Expected, OnnxAutoencoderTransformer Transformer) FittedOnSliceRows(MLContext ml)
    {
        var expected = TorchOnnxModels.ExpectedFor("torch_mlp_fixed_batch_of_two");
        var transformer = ml.Transforms.OnnxAutoencoder(TorchOnnxModels.Path("torch_mlp_fixed_batch_of_two"), "input", "reconstruction")
            .Fit(ImportData.Of(ml, expected.Input, expected.Width));
        return (expected, transformer);
    }
}
