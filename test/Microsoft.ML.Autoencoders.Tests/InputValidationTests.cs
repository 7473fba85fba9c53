using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders.Tests;

/// <summary>
/// Every user error throws, with ML.NET's exception types (ArgumentOutOfRangeException for a schema mismatch,
/// ArgumentException for bad settings, InvalidOperationException for bad data) and a message that names the
/// column or setting at fault and how to fix it.
/// </summary>
public class InputValidationTests
{
    private sealed class ScalarRow
    {
        public float Features { get; set; }
    }

    private sealed class DoubleRow
    {
        [VectorType(SyntheticData.Width)]
        public double[] Features { get; set; } = new double[SyntheticData.Width];
    }

    /// <summary>No [VectorType]: ML.NET cannot know the size, so the column is a vector of unknown size.</summary>
    private sealed class UnsizedRow
    {
        public float[] Features { get; set; } = new float[SyntheticData.Width];
    }

    private sealed class NarrowRow
    {
        [VectorType(5)]
        public float[] Features { get; set; } = new float[5];
    }

    private static AutoencoderEstimator Estimator(MLContext ml) => ml.Transforms.Autoencoder(TestAutoencoders.Options(epochs: 1));

    [Fact]
    public void MissingInputColumnIsNamedWithTheAvailableOnes()
    {
        var ml = new MLContext(seed: 1);
        var data = SyntheticData.DataView(ml, 10);
        var options = TestAutoencoders.Options(epochs: 1);
        options.InputColumnName = "Pixels";

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => ml.Transforms.Autoencoder(options).Fit(data));

        Assert.Contains("'Pixels' was not found", error.Message);
        Assert.Contains("Set InputColumnName to one of: 'Label', 'Features'", error.Message);
    }

    [Fact]
    public void ScalarColumnIsRejectedWithConcatenateAdvice()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 10).Select(i => new ScalarRow { Features = i }));

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Estimator(ml).Fit(data));

        Assert.Contains("Column 'Features' is Single", error.Message);
        Assert.Contains("known-size vector of Single", error.Message);
        Assert.Contains("Concatenate(\"Features\", \"Features\", \"Other\", ...)", error.Message);
        // Converting a Single to Single changes nothing, so that advice would send the user round in a circle.
        Assert.DoesNotContain("ConvertType", error.Message);
    }

    [Fact]
    public void DoubleVectorIsRejectedWithConvertTypeAdvice()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 10).Select(_ => new DoubleRow()));

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Estimator(ml).Fit(data));

        Assert.Contains("Column 'Features' is Vector<Double, 12>", error.Message);
        Assert.Contains("ConvertType", error.Message);
    }

    public static TheoryData<string> UnknownSizeSources => ["float[] property without [VectorType]", "SchemaDefinition with an unsized vector type"];

    [Theory]
    [MemberData(nameof(UnknownSizeSources))]
    public void VectorOfUnknownSizeIsRejectedWithWaysToSizeIt(string source)
    {
        var ml = new MLContext(seed: 1);
        var rows = Enumerable.Range(0, 10).Select(_ => new UnsizedRow()).ToList();
        IDataView data;
        if (source.StartsWith("SchemaDefinition", StringComparison.Ordinal))
        {
            var definition = SchemaDefinition.Create(typeof(UnsizedRow));
            definition["Features"].ColumnType = new VectorDataViewType(NumberDataViewType.Single);
            data = ml.Data.LoadFromEnumerable(rows, definition);
        }
        else
        {
            data = ml.Data.LoadFromEnumerable(rows);
        }
        Assert.False(((VectorDataViewType)data.Schema["Features"].Type).IsKnownSize); // the premise of the test

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Estimator(ml).Fit(data));

        Assert.Contains("Column 'Features' is a vector of unknown size", error.Message);
        Assert.Contains("[VectorType(", error.Message);
        Assert.Contains("SchemaDefinition", error.Message);
    }

    [Fact]
    public void ScoringAVectorOfAnotherSizeNamesBothSizes()
    {
        var ml = new MLContext(seed: 1);
        var transformer = Estimator(ml).Fit(SyntheticData.DataView(ml, 20));
        var narrow = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 10).Select(_ => new NarrowRow()));

        var fromTransform = Assert.Throws<ArgumentOutOfRangeException>(() => transformer.Transform(narrow));
        var fromSchema = Assert.Throws<ArgumentOutOfRangeException>(() => transformer.GetOutputSchema(narrow.Schema));

        foreach (var error in new[] { fromTransform, fromSchema })
        {
            Assert.Contains("Column 'Features' has 5 values per row but the autoencoder was trained on 12", error.Message);
            Assert.Contains("prepared the same way as the training data", error.Message);
        }
    }

    private sealed class EncodedRow
    {
        public float[] Encoded { get; set; } = [];
    }

    /// <summary>
    /// ML.NET hands a prediction engine's array through without checking it against its [VectorType]: the error must name the
    /// column and that cause, not an anonymous "row".
    /// </summary>
    [Fact]
    public void PredictionEngineInputArrayOfTheWrongLengthNamesTheColumnAndTheVectorType()
    {
        var ml = new MLContext(seed: 1);
        var transformer = Estimator(ml).Fit(SyntheticData.DataView(ml, 20));
        var engine = ml.Model.CreatePredictionEngine<SyntheticData.Row, EncodedRow>(transformer);

        var error = Assert.Throws<InvalidOperationException>(() => engine.Predict(new SyntheticData.Row { Features = new float[5] }));

        Assert.Contains("A row of column 'Features' has 5 values", error.Message);
        Assert.Contains($"[VectorType({SyntheticData.Width})]", error.Message);
    }

    public static TheoryData<float> NonFiniteValues => [float.NaN, float.PositiveInfinity, float.NegativeInfinity];

    [Theory]
    [MemberData(nameof(NonFiniteValues))]
    public void NonFiniteTrainingValueNamesColumnRowAndElement(float value)
    {
        var ml = new MLContext(seed: 1);
        var rows = SyntheticData.Rows(20);
        rows[7].Features[4] = value;

        var error = Assert.Throws<InvalidOperationException>(() => Estimator(ml).Fit(ml.Data.LoadFromEnumerable(rows)));

        Assert.Contains($"Column 'Features' row 7, element 4 is {value}", error.Message);
        Assert.Contains("ReplaceMissingValues", error.Message);
    }

    [Fact]
    public void NoTrainingRowsIsRejected()
    {
        var ml = new MLContext(seed: 1);
        var empty = ml.Data.LoadFromEnumerable(new List<SyntheticData.Row>());

        var error = Assert.Throws<InvalidOperationException>(() => Estimator(ml).Fit(empty));

        Assert.Contains("no rows", error.Message);
        Assert.Contains("'Features'", error.Message);
    }

    /// <summary>Too few rows to split: the message names the option to change, in or out of memory.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ValidationSplitOfTooFewRowsNamesValidationFraction(bool streamed)
    {
        var ml = new MLContext(seed: 1);
        var options = TestAutoencoders.Options(epochs: 1);
        options.ValidationFraction = 0.2;
        options.StreamTrainingData = streamed;

        var error = Assert.Throws<ArgumentException>(() => ml.Transforms.Autoencoder(options).Fit(SyntheticData.DataView(ml, 1)));

        Assert.Contains("ValidationFraction 0.2 of 1 rows leaves 0 for validation and 1 for training", error.Message);
        Assert.Contains("set ValidationFraction to 0", error.Message);
    }

    [Fact]
    public void NoOutputColumnIsRejectedAtConstruction()
    {
        var ml = new MLContext(seed: 1);
        var options = TestAutoencoders.Options();
        options.EncodedColumnName = null;
        options.ReconstructionColumnName = "";
        options.ReconstructionErrorColumnName = " ";

        var fromOptions = Assert.Throws<ArgumentException>(() => ml.Transforms.Autoencoder(options));
        var fromNamedArguments = Assert.Throws<ArgumentException>(() => ml.Transforms.Autoencoder(outputColumnName: null));

        foreach (var error in new[] { fromOptions, fromNamedArguments })
        {
            Assert.Contains("Name at least one output column", error.Message);
            Assert.Contains("EncodedColumnName", error.Message);
            Assert.Contains("ReconstructionErrorColumnName", error.Message);
        }
    }

    [Fact]
    public void DuplicateOutputNamesAreRejectedAtConstruction()
    {
        var ml = new MLContext(seed: 1);
        var options = TestAutoencoders.Options();
        options.EncodedColumnName = "Out";
        options.ReconstructionErrorColumnName = "Out";

        var error = Assert.Throws<ArgumentException>(() => ml.Transforms.Autoencoder(options));

        Assert.Contains("must have different names (got Out, Reconstruction, Out)", error.Message);
    }

    /// <summary>Each invalid setting, and the text its error must contain (the setting, and what it must be).</summary>
    private static readonly Dictionary<string, (Action<AutoencoderOptions> Apply, string Message)> InvalidSettings = new()
    {
        ["CodeSize = 0"] = (o => o.CodeSize = 0, "CodeSize must be positive (was 0)"),
        ["HiddenLayerSizes = [16, 0]"] = (o => o.HiddenLayerSizes = [16, 0], "Hidden layer 1 has width 0; widths must be positive"),
        ["Epochs = 0"] = (o => o.Epochs = 0, "Epochs must be positive (was 0)"),
        ["BatchSize = -1"] = (o => o.BatchSize = -1, "BatchSize must be positive (was -1)"),
        ["LearningRate = -0.01"] = (o => o.LearningRate = -0.01f, "LearningRate must be a positive number (was -0.01)"),
        ["LearningRate = NaN"] = (o => o.LearningRate = float.NaN, "LearningRate must be a positive number (was NaN)"),
        ["ValidationFraction = 1"] = (o => o.ValidationFraction = 1, "ValidationFraction must be in [0, 1) (was 1)"),
        ["EarlyStoppingPatience without ValidationFraction"] = (o => o.EarlyStoppingPatience = 3, "EarlyStoppingPatience needs a validation split: set ValidationFraction above 0"),
        ["NumberOfThreads = 0"] = (o => o.NumberOfThreads = 0, "NumberOfThreads must be positive, or null for one per processor (was 0)"),
        ["HiddenLayerSizes = [1e9]"] = (o => o.HiddenLayerSizes = [1_000_000_000], "more than the largest array .NET can make (2,147,483,591): lower HiddenLayerSizes or CodeSize"),
        ["CodeSize = 1e8"] = (o => o.CodeSize = 100_000_000, "lower HiddenLayerSizes or CodeSize"),
        ["CheckpointEveryEpochs = 0"] = (o => o.CheckpointEveryEpochs = 0, "CheckpointEveryEpochs must be positive (was 0)"),
        ["CheckpointPath = \" \""] = (o => o.CheckpointPath = " ", "CheckpointPath must name a file"),
        ["EncodedColumnName under the reserved prefix"] = (o => o.EncodedColumnName = "__codes", "Output column name '__codes' (EncodedColumnName) starts with '__'"),
        ["ReconstructionErrorColumnName under the reserved prefix"] = (o => o.ReconstructionErrorColumnName = "__autoencoder_error", "'__autoencoder_error' (ReconstructionErrorColumnName) starts with '__'"),
        ["LeakyReluSlope = 1.5"] = (o => o.LeakyReluSlope = 1.5f, "LeakyReluSlope must be in (0, 1) (was 1.5)"),
        // The engine checks the rest too, in its own words ("The masking fraction", "The L1 activity strength"): the message
        // must name the option to change.
        ["Masking NoiseLevel = 1.5"] = (o => { o.Noise = AutoencoderNoise.Masking; o.NoiseLevel = 1.5f; }, "NoiseLevel is the fraction of inputs Masking noise corrupts, so it must be in (0, 1] (was 1.5)"),
        ["SaltAndPepper NoiseLevel = 2"] = (o => { o.Noise = AutoencoderNoise.SaltAndPepper; o.NoiseLevel = 2; }, "NoiseLevel is the fraction of inputs SaltAndPepper noise corrupts"),
        ["SparsityL1 = -1"] = (o => o.SparsityL1 = -1, "SparsityL1 must be finite and non-negative (was -1)"),
        ["SparsityWeight = NaN"] = (o => o.SparsityWeight = float.NaN, "SparsityWeight must be finite and non-negative (was NaN)"),
        ["SparsityTarget = 2"] = (o => { o.SparsityWeight = 0.1f; o.SparsityTarget = 2; }, "SparsityTarget must be in (0, 1) (was 2)"),
        ["ContractiveWeight = -1"] = (o => o.ContractiveWeight = -1, "ContractiveWeight must be finite and non-negative (was -1)"),
        ["ContractiveProbes = 0"] = (o => { o.ContractiveWeight = 0.01f; o.ContractiveProbes = 0; }, "ContractiveProbes must be at least 1 (was 0)"),
        ["L1WeightPenalty = -1"] = (o => o.L1WeightPenalty = -1, "L1WeightPenalty must be finite and non-negative (was -1)"),
        ["L2WeightPenalty = +inf"] = (o => o.L2WeightPenalty = float.PositiveInfinity, "L2WeightPenalty must be finite and non-negative (was "),
        ["StreamingShuffleBufferRows = 0"] = (o => { o.StreamTrainingData = true; o.StreamingShuffleBufferRows = 0; }, "StreamingShuffleBufferRows must be positive (was 0)"),
        ["HiddenActivation = 99"] = (o => o.HiddenActivation = (AutoencoderActivation)99, "HiddenActivation is 99, which is not a defined AutoencoderActivation value: use one of Linear, Sigmoid"),
        ["Loss = 99"] = (o => o.Loss = (AutoencoderLoss)99, "Loss is 99, which is not a defined AutoencoderLoss value"),
        ["WeightInitialization = -1"] = (o => o.WeightInitialization = (AutoencoderWeightInitialization)(-1), "WeightInitialization is -1, which is not a defined AutoencoderWeightInitialization value"),
    };

    public static TheoryData<string> InvalidSettingNames => new(InvalidSettings.Keys);

    [Theory]
    [MemberData(nameof(InvalidSettingNames))]
    public void InvalidSettingIsRejectedAtConstruction(string setting)
    {
        var ml = new MLContext(seed: 1);
        var (apply, message) = InvalidSettings[setting];
        var options = TestAutoencoders.Options();
        apply(options);

        // Before any data is read: a typo should not cost a training run's worth of waiting.
        var error = Assert.Throws<ArgumentException>(() => ml.Transforms.Autoencoder(options));

        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void InvalidNamedArgumentIsRejectedAtConstruction()
    {
        var ml = new MLContext(seed: 1);

        Assert.Contains("CodeSize must be positive", Assert.Throws<ArgumentException>(() => ml.Transforms.Autoencoder(codeSize: 0)).Message);
        Assert.Contains("Epochs must be positive", Assert.Throws<ArgumentException>(() => ml.Transforms.Autoencoder(epochs: 0)).Message);
        Assert.Contains("LearningRate must be a positive number", Assert.Throws<ArgumentException>(() => ml.Transforms.Autoencoder(learningRate: -1)).Message);
    }
}
