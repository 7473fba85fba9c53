using Microsoft.ML.Autoencoders.Tests.Onnx;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Xunit.Abstractions;

namespace Microsoft.ML.Autoencoders.Tests;

/// <summary>
/// <c>SaveAsOnnx(stream, preprocessing, inputData)</c>: ML.NET's converter writes the transforms ahead of the autoencoder
/// and the library joins them to its own graph, so one file goes from the raw columns to score and label. ONNX Runtime's
/// C# API runs it on raw column values in one batch and must agree with the ML.NET pipeline.
/// </summary>
public sealed class PipelineOnnxExportTests(ITestOutputHelper output)
{
    public sealed class RawRow
    {
        public float A { get; set; }
        public float B { get; set; }
        public double C { get; set; }
        public int D { get; set; }

        [VectorType(3)]
        public float[] V { get; set; } = new float[3];

        /// <summary>Read by no transform: the composed file must not ask for it.</summary>
        public string Note { get; set; } = "";
    }

    /// <summary>Rows on a 2-dimensional surface of the 7 features, in mixed raw types; the last <paramref name="anomalies"/> leave it.</summary>
    private static List<RawRow> Rows(int normal, int anomalies, int seed)
    {
        var random = new Random(seed);
        var rows = new List<RawRow>();
        for (int i = 0; i < normal + anomalies; i++)
        {
            double u = random.NextDouble() * 2 - 1, v = random.NextDouble() * 2 - 1;
            double noise = i >= normal ? 0.8 : 0.02;
            double Noisy(double x) => x + noise * (random.NextDouble() * 2 - 1);
            rows.Add(new RawRow
            {
                A = (float)Noisy(10 * u + 50),
                B = (float)Noisy(u - 2 * v),
                C = Noisy(0.001 * v),
                D = (int)Math.Round(3 * u + 3 + (i >= normal ? random.Next(-3, 4) : 0)),
                V = [(float)Noisy(u + v), (float)Noisy(u * v), (float)Noisy(-5 * v)],
                Note = "row " + i,
            });
        }
        return rows;
    }

    private static IEstimator<ITransformer> Preprocessing(MLContext ml, string normalizer)
    {
        var assembled = ml.Transforms.Conversion.ConvertType("Cf", "C", DataKind.Single)
            .Append(ml.Transforms.Conversion.ConvertType("Df", "D", DataKind.Single))
            .Append(ml.Transforms.Concatenate("Features", "A", "B", "Cf", "Df", "V"));
        return normalizer switch
        {
            "MinMax" => assembled.Append(ml.Transforms.NormalizeMinMax("Features")),
            "MeanVariance" => assembled.Append(ml.Transforms.NormalizeMeanVariance("Features")),
            "GlobalContrast" => assembled.Append(ml.Transforms.NormalizeGlobalContrast("Features")),
            "LpNorm" => assembled.Append(ml.Transforms.NormalizeLpNorm("Features")),
            "ReplaceMissingValues+MinMax" => assembled.Append(ml.Transforms.ReplaceMissingValues("Features")).Append(ml.Transforms.NormalizeMinMax("Features")),
            _ => throw new ArgumentOutOfRangeException(nameof(normalizer)),
        };
    }

    private static AutoencoderOptions Network() => new()
    {
        HiddenLayerSizes = [6], CodeSize = 2, Epochs = 40, BatchSize = 32, LearningRate = 3e-3f, NumberOfThreads = 1, Seed = 3,
    };

    private static (ITransformer Prep, AutoencoderAnomalyTransformer Detector, IDataView Raw) FitDetector(MLContext ml, string normalizer, bool normalizeScores = false)
    {
        IDataView raw = ml.Data.LoadFromEnumerable(Rows(400, 0, seed: 1));
        ITransformer prep = Preprocessing(ml, normalizer).Fit(raw);
        var detector = ml.AnomalyDetection.Trainers.Autoencoder(new AutoencoderAnomalyOptions
        {
            FeatureColumnName = "Features", Autoencoder = Network(), Contamination = 0.05, NormalizeScores = normalizeScores,
        }).Fit(prep.Transform(raw));
        return (prep, detector, raw);
    }

    private static byte[] Export(AutoencoderAnomalyTransformer detector, ITransformer prep, IDataView raw)
    {
        using var stream = new MemoryStream();
        detector.SaveAsOnnx(stream, prep, raw);
        return stream.ToArray();
    }

    [Theory]
    [InlineData("MinMax", false)]
    [InlineData("MeanVariance", true)]
    [InlineData("GlobalContrast", false)]
    [InlineData("LpNorm", false)]
    [InlineData("ReplaceMissingValues+MinMax", false)]
    public void OneFileFromRawColumnsScoresAsThePipeline(string normalizer, bool normalizeScores)
    {
        var ml = new MLContext(seed: 1);
        var (prep, detector, raw) = FitDetector(ml, normalizer, normalizeScores);
        var rows = Rows(200, 30, seed: 2);
        IDataView test = ml.Data.LoadFromEnumerable(rows);
        IDataView scored = detector.Transform(prep.Transform(test));
        using var session = new InferenceSession(Export(detector, prep, raw));

        // The raw columns the features read (not Note), each [N, width]; the threshold is an initializer that is also an input.
        Assert.Equal(["A", "B", "C", "D", "V"], session.InputMetadata.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["threshold"], session.OverridableInitializerMetadata.Keys);
        var (score, label) = Run(session, rows, threshold: null);

        ColumnValues.AssertClose(ColumnValues.Scalars(scored, "Score"), score, "score");
        Assert.Equal(scored.GetColumn<bool>("PredictedLabel"), label);
        Assert.Contains(label, l => l);
        Assert.Contains(label, l => !l);
    }

    [Fact]
    public void ThresholdInputMovesTheLabels()
    {
        var ml = new MLContext(seed: 1);
        var (prep, detector, raw) = FitDetector(ml, "MinMax");
        var rows = Rows(200, 30, seed: 2);
        using var session = new InferenceSession(Export(detector, prep, raw));

        var (score, defaults) = Run(session, rows, threshold: null);
        float median = score.Order().ElementAt(score.Length / 2);
        var (_, moved) = Run(session, rows, threshold: median);

        Assert.Equal(score.Select(s => s > detector.Threshold), defaults);
        Assert.Equal(score.Select(s => s > median), moved);
        Assert.NotEqual(defaults, moved);
    }

    [Fact]
    public void AutoencoderFileFromRawColumnsGivesTheCodesAndErrors()
    {
        var ml = new MLContext(seed: 1);
        var rows = Rows(300, 0, seed: 1);
        IDataView raw = ml.Data.LoadFromEnumerable(rows);
        ITransformer prep = Preprocessing(ml, "MeanVariance").Fit(raw);
        var options = Network();
        options.InputColumnName = "Features";
        options.ReconstructionErrorColumnName = "Error";
        var autoencoder = ml.Transforms.Autoencoder(options).Fit(prep.Transform(raw));
        IDataView scored = autoencoder.Transform(prep.Transform(raw));

        using var stream = new MemoryStream();
        autoencoder.SaveAsOnnx(stream, prep, raw);
        using var session = new InferenceSession(stream.ToArray());
        Assert.Equal(["encoded", "reconstruction", "reconstruction_error"], session.OutputMetadata.Keys.Order(StringComparer.Ordinal));
        using var inputs = RawInputs(rows);
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, inputs.Names, inputs.Values, ["encoded", "reconstruction_error"]);

        ColumnValues.AssertClose(ColumnValues.Vectors(scored, "Encoded"), [.. results[0].GetTensorDataAsSpan<float>().ToArray().Chunk(2)], "encoded");
        ColumnValues.AssertClose(ColumnValues.Scalars(scored, "Error"), results[1].GetTensorDataAsSpan<float>().ToArray(), "reconstruction_error");
        // The network keeps its weights' names, so the library still reads it back from the composed file.
        var again = AutoencoderTransformer.LoadOnnx(new MemoryStream(stream.ToArray()));
        Assert.Equal(autoencoder.Model.Network.Parameters.Parameters.Select(p => p.Values.ToArray()), again.Model.Network.Parameters.Parameters.Select(p => p.Values.ToArray()));
    }

    [Fact]
    public void RawColumnNamedLikeAnOutputKeepsItsNameAndTheOutputMoves()
    {
        var ml = new MLContext(seed: 1);
        var rows = Rows(200, 0, seed: 1).Select(r => new ClashRow { score = r.A, B = r.B }).ToList();
        IDataView raw = ml.Data.LoadFromEnumerable(rows);
        ITransformer prep = ml.Transforms.Concatenate("Features", "score", "B").Append(ml.Transforms.NormalizeMinMax("Features")).Fit(raw);
        var options = new AutoencoderOptions { CodeSize = 1, HiddenLayerSizes = [], Epochs = 2, NumberOfThreads = 1 };
        var detector = ml.AnomalyDetection.Trainers.Autoencoder(new AutoencoderAnomalyOptions { Autoencoder = options }).Fit(prep.Transform(raw));
        IDataView scored = detector.Transform(prep.Transform(raw));

        using var session = new InferenceSession(Export(detector, prep, raw));

        Assert.Contains("score", session.InputMetadata.Keys);
        Assert.Contains("autoencoder/score", session.OutputMetadata.Keys);
        using var score = OrtValue.CreateTensorValueFromMemory(rows.Select(r => r.score).ToArray(), [rows.Count, 1]);
        using var b = OrtValue.CreateTensorValueFromMemory(rows.Select(r => r.B).ToArray(), [rows.Count, 1]);
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, ["score", "B"], [score, b], ["autoencoder/score"]);
        ColumnValues.AssertClose(ColumnValues.Scalars(scored, "Score"), results[0].GetTensorDataAsSpan<float>().ToArray(), "score");
    }

    public sealed class ClashRow
    {
#pragma warning disable IDE1006 // A raw column named like the detector's ONNX output is the point of the test.
        public float score { get; set; }
#pragma warning restore IDE1006
        public float B { get; set; }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ComposedFilesPassTheOnnxChecker(bool detectorFile)
    {
        OnnxPythonChecker? checker = OnnxPythonChecker.Find(out string why);
        if (checker is null)
        {
            Assert.True(Environment.GetEnvironmentVariable(OnnxPythonChecker.RequiredVariable) != "1", "NOT CHECKED: " + why);
            output.WriteLine("NOT CHECKED: no Python with onnx (" + why + ").");
            return;
        }
        var ml = new MLContext(seed: 1);
        // GlobalContrast: its ReduceSum is rewritten from ML.NET's opset 12 to the library's 17, which the checker verifies.
        var (prep, detector, raw) = FitDetector(ml, "GlobalContrast");
        using var file = new TemporaryFile(".onnx");
        if (detectorFile)
        {
            File.WriteAllBytes(file.Path, Export(detector, prep, raw));
        }
        else
        {
            var autoencoder = ml.Transforms.Autoencoder(Network()).Fit(prep.Transform(raw));
            using var stream = File.Create(file.Path);
            autoencoder.SaveAsOnnx(stream, prep, raw);
        }

        var (passed, text) = checker.Check(file.Path);
        output.WriteLine(text);
        Assert.True(passed, $"onnx.checker rejected the composed graph: {text}");
    }

    [Fact]
    public void StepWithoutAnOnnxFormIsNamed()
    {
        var ml = new MLContext(seed: 1);
        IDataView raw = ml.Data.LoadFromEnumerable(Rows(100, 0, seed: 1));
        var prep = ml.Transforms.Concatenate("Features", "A", "B")
            .Append(ml.Transforms.CustomMapping<FeatureRow, FeatureRow>((from, to) => to.Features = [.. from.Features.Select(x => x * 2)], contractName: null))
            .Fit(raw);
        var options = new AutoencoderOptions { CodeSize = 1, HiddenLayerSizes = [], Epochs = 1, NumberOfThreads = 1 };
        var detector = ml.AnomalyDetection.Trainers.Autoencoder(new AutoencoderAnomalyOptions { Autoencoder = options }).Fit(prep.Transform(raw));

        var error = Assert.Throws<NotSupportedException>(() => detector.SaveAsOnnx(new MemoryStream(), prep, raw));

        output.WriteLine(error.Message);
        Assert.Contains("Step 2 of the preprocessing, CustomMappingTransformer (writing 'Features')", error.Message);
        Assert.Contains("has no ONNX form", error.Message);
    }

    /// <summary>
    /// A stacked pipeline (an autoencoder's code feeding a detector) passed whole as the preprocessing: ML.NET's converter
    /// does not fail on the autoencoder, it skips it and makes its code column an input of the graph, so the file read
    /// 'Code' instead of the raw columns it promises. The library's own steps are refused before the converter runs.
    /// </summary>
    [Fact]
    public void AutoencoderInThePreprocessingIsRefused()
    {
        var ml = new MLContext(seed: 1);
        IDataView raw = ml.Data.LoadFromEnumerable(Rows(100, 0, seed: 1));
        var options = new AutoencoderOptions { EncodedColumnName = "Code", CodeSize = 2, HiddenLayerSizes = [], Epochs = 1, NumberOfThreads = 1 };
        var prep = ml.Transforms.Concatenate("Features", "A", "B", "V").Append(ml.Transforms.Autoencoder(options)).Fit(raw);
        var detectorOptions = new AutoencoderOptions { CodeSize = 1, HiddenLayerSizes = [], Epochs = 1, NumberOfThreads = 1 };
        var detector = ml.AnomalyDetection.Trainers.Autoencoder(new AutoencoderAnomalyOptions { FeatureColumnName = "Code", Autoencoder = detectorOptions })
            .Fit(prep.Transform(raw));

        var error = Assert.Throws<NotSupportedException>(() => detector.SaveAsOnnx(new MemoryStream(), prep, raw));

        output.WriteLine(error.Message);
        Assert.Contains("Step 2 of the preprocessing is the library's own AutoencoderTransformer", error.Message);
    }

    /// <summary>
    /// What onnx.md warns of: ML.NET's own converter on a whole pipeline cannot see the library's transformers. It writes
    /// an autoencoder's code as an input of the file, copied to an output, and fails on a detector.
    /// </summary>
    [Fact]
    public void MlNetsConverterOnAWholePipelineHoldsNoNetwork()
    {
        var ml = new MLContext(seed: 1);
        IDataView raw = ml.Data.LoadFromEnumerable(Rows(100, 0, seed: 1));
        var network = new AutoencoderOptions { EncodedColumnName = "Code", CodeSize = 2, HiddenLayerSizes = [], Epochs = 1, NumberOfThreads = 1 };
        var autoencoder = ml.Transforms.Concatenate("Features", "A", "B", "V").Append(ml.Transforms.Autoencoder(network)).Fit(raw);
        using var file = new MemoryStream();
        ml.Model.ConvertToOnnx(autoencoder, raw, file);
        using var session = new InferenceSession(file.ToArray());
        Assert.Contains("Code", session.InputMetadata.Keys);

        network.EncodedColumnName = "Encoded";
        var detector = ml.Transforms.Concatenate("Features", "A", "B", "V")
            .Append(ml.AnomalyDetection.Trainers.Autoencoder(new AutoencoderAnomalyOptions { Autoencoder = network })).Fit(raw);
        Assert.Throws<InvalidOperationException>(() => ml.Model.ConvertToOnnx(detector, raw, new MemoryStream()));
    }

    public sealed class FeatureRow
    {
        [VectorType(2)]
        public float[] Features { get; set; } = new float[2];
    }

    [Fact]
    public void PreprocessingWithoutTheFeatureColumnIsRefused()
    {
        var ml = new MLContext(seed: 1);
        var (_, detector, raw) = FitDetector(ml, "MinMax");
        var other = ml.Transforms.Concatenate("Other", "A", "B").Fit(raw);

        var error = Assert.Throws<ArgumentException>(() => detector.SaveAsOnnx(new MemoryStream(), other, raw));

        Assert.Contains("has no column 'Features'", error.Message);
    }

    private sealed class Inputs(List<string> names, List<OrtValue> values) : IDisposable
    {
        public List<string> Names { get; } = names;
        public List<OrtValue> Values { get; } = values;

        public void Dispose()
        {
            foreach (OrtValue value in Values) value.Dispose();
        }
    }

    /// <summary>Each raw column as one [N, width] tensor of its own type, as ML.NET's converter declares them.</summary>
    private static Inputs RawInputs(IReadOnlyList<RawRow> rows)
    {
        long n = rows.Count;
        return new Inputs(["A", "B", "C", "D", "V"],
        [
            OrtValue.CreateTensorValueFromMemory(rows.Select(r => r.A).ToArray(), [n, 1]),
            OrtValue.CreateTensorValueFromMemory(rows.Select(r => r.B).ToArray(), [n, 1]),
            OrtValue.CreateTensorValueFromMemory(rows.Select(r => r.C).ToArray(), [n, 1]),
            OrtValue.CreateTensorValueFromMemory(rows.Select(r => r.D).ToArray(), [n, 1]),
            OrtValue.CreateTensorValueFromMemory(rows.SelectMany(r => r.V).ToArray(), [n, 3]),
        ]);
    }

    private static (float[] Score, bool[] Label) Run(InferenceSession session, IReadOnlyList<RawRow> rows, float? threshold)
    {
        using var inputs = RawInputs(rows);
        if (threshold is float t)
        {
            inputs.Names.Add("threshold");
            inputs.Values.Add(OrtValue.CreateTensorValueFromMemory(new[] { t }, []));
        }
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, inputs.Names, inputs.Values, ["score", "label"]);
        return (results[0].GetTensorDataAsSpan<float>().ToArray(), results[1].GetTensorDataAsSpan<bool>().ToArray());
    }
}
