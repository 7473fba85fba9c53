using Microsoft.ML.Autoencoders.Tests.Onnx;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Xunit.Abstractions;

namespace Microsoft.ML.Autoencoders.Tests.AnomalyDetection;

/// <summary>
/// <see cref="AutoencoderAnomalyTransformer.SaveAsOnnx"/>: one standalone graph from the features to score and label,
/// scored in batches by ONNX Runtime's C# API as the detector scores, with the threshold an input that defaults to the
/// trained value.
/// </summary>
public sealed class AnomalyOnnxExportTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void OneGraphScoresAsTheDetector(bool normalize)
    {
        var ml = new MLContext(seed: 1);
        var detector = Detector(ml, normalize);
        var rows = AnomalyData.Rows(300, 60, seed: 2);
        var scored = detector.Transform(ml.Data.LoadFromEnumerable(rows));
        using var session = new InferenceSession(Export(detector));

        var outputs = Run(session, rows.Select(r => r.Features).ToArray(), threshold: null);

        ColumnValues.AssertClose(ColumnValues.Scalars(scored, "Score"), outputs.Score, "score");
        Assert.Equal(scored.GetColumn<bool>("PredictedLabel"), outputs.Label);
        ColumnValues.AssertClose(ColumnValues.Scalars(scored, "PValue"), outputs.PValue, "p_value");
        ColumnValues.AssertClose(ColumnValues.Vectors(scored, "FeatureErrors"), outputs.FeatureErrors, "feature_errors");
        Assert.Contains(outputs.Label, l => l);
        Assert.Contains(outputs.Label, l => !l);
    }

    [Fact]
    public void ThresholdInputMovesTheDecisionWithoutReexport()
    {
        var ml = new MLContext(seed: 1);
        var detector = Detector(ml, normalize: false);
        var features = AnomalyData.Rows(300, 60, seed: 2).Select(r => r.Features).ToArray();
        using var session = new InferenceSession(Export(detector));
        Assert.Contains(AnomalyDetectorOnnxThreshold, session.OverridableInitializerMetadata.Keys);

        var defaults = Run(session, features, threshold: null);
        float median = defaults.Score.Order().ElementAt(features.Length / 2);
        var moved = Run(session, features, threshold: median);

        Assert.Equal(defaults.Score.Select(s => s > detector.Threshold), defaults.Label);
        Assert.Equal(defaults.Score.Select(s => s > median), moved.Label);
        Assert.NotEqual(defaults.Label, moved.Label);
    }

    [Fact]
    public void RowWithNaNIsFlagged()
    {
        var ml = new MLContext(seed: 1);
        var detector = Detector(ml, normalize: false);
        var features = AnomalyData.Rows(4, 0, seed: 2).Select(r => r.Features).ToArray();
        features[1][3] = float.NaN;
        using var session = new InferenceSession(Export(detector));

        var outputs = Run(session, features, threshold: null);

        Assert.Equal(float.PositiveInfinity, outputs.Score[1]);
        Assert.True(outputs.Label[1]);
        Assert.True(float.IsFinite(outputs.Score[0]));
    }

    [Fact]
    public void OneGraphPassesTheOnnxChecker()
    {
        OnnxPythonChecker? checker = OnnxPythonChecker.Find(out string why);
        if (checker is null)
        {
            Assert.True(Environment.GetEnvironmentVariable(OnnxPythonChecker.RequiredVariable) != "1", "NOT CHECKED: " + why);
            output.WriteLine("NOT CHECKED: no Python with onnx (" + why + ").");
            return;
        }
        var detector = Detector(new MLContext(seed: 1), normalize: true);
        using var file = new TemporaryFile(".onnx");
        File.WriteAllBytes(file.Path, Export(detector));

        var (passed, text) = checker.Check(file.Path);
        Assert.True(passed, $"onnx.checker rejected the detector graph: {text}");
    }

    [Fact]
    public void TheNetworkReadsBackFromTheDetectorFile()
    {
        var ml = new MLContext(seed: 1);
        var detector = Detector(ml, normalize: false);
        var autoencoder = AutoencoderTransformer.LoadOnnx(new MemoryStream(Export(detector)));
        var features = AnomalyData.Rows(20, 0, seed: 2).SelectMany(r => r.Features).ToArray();

        Assert.Equal(detector.Model.ReconstructionErrors(features, 20), autoencoder.Model.ReconstructionErrors(features, 20));
    }

    private const string AnomalyDetectorOnnxThreshold = "threshold";

    [Theory]
    [InlineData(false, false, false)] // score and label only: the form that carried two unused constants
    [InlineData(true, false, false)]
    [InlineData(false, true, false)]
    [InlineData(false, false, true)]
    [InlineData(true, true, true)]
    public void EveryConstantOfTheGraphIsRead(bool normalize, bool pValues, bool featureErrors)
    {
        // An initializer no node reads makes ONNX Runtime print "Removing initializer" on every load of the file.
        var ml = new MLContext(seed: 1);
        var detector = ml.AnomalyDetection.Trainers.Autoencoder(new AutoencoderAnomalyOptions
        {
            Autoencoder = AnomalyData.Network(), NormalizeScores = normalize,
            PValueColumnName = pValues ? "PValue" : null, FeatureErrorsColumnName = featureErrors ? "FeatureErrors" : null,
        }).Fit(AnomalyData.Train(ml, 300));

        var graph = Microsoft.ML.Autoencoders.Onnx.OnnxModelReader.Parse(Export(detector));

        var read = graph.Nodes.SelectMany(n => n.Inputs).ToHashSet();
        Assert.DoesNotContain(graph.InitializerNames, name => !read.Contains(name));
    }

    private static AutoencoderAnomalyTransformer Detector(MLContext ml, bool normalize) =>
        ml.AnomalyDetection.Trainers.Autoencoder(new AutoencoderAnomalyOptions
        {
            Autoencoder = AnomalyData.Network(), NormalizeScores = normalize, PValueColumnName = "PValue", FeatureErrorsColumnName = "FeatureErrors",
        }).Fit(AnomalyData.Train(ml, 300));

    private static byte[] Export(AutoencoderAnomalyTransformer detector)
    {
        using var stream = new MemoryStream();
        detector.SaveAsOnnx(stream);
        return stream.ToArray();
    }

    private sealed record Outputs(float[] Score, bool[] Label, float[] PValue, float[][] FeatureErrors);

    private static Outputs Run(InferenceSession session, float[][] rows, float? threshold)
    {
        int width = rows[0].Length;
        using var input = OrtValue.CreateTensorValueFromMemory(rows.SelectMany(r => r).ToArray(), [rows.Length, width]);
        var names = new List<string> { "input" };
        var values = new List<OrtValue> { input };
        using var thresholdValue = threshold is float t ? OrtValue.CreateTensorValueFromMemory(new[] { t }, []) : null;
        if (thresholdValue != null) { names.Add("threshold"); values.Add(thresholdValue); }
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, names, values, ["score", "label", "p_value", "feature_errors"]);
        var errors = results[3].GetTensorDataAsSpan<float>().ToArray();
        return new Outputs(results[0].GetTensorDataAsSpan<float>().ToArray(), results[1].GetTensorDataAsSpan<bool>().ToArray(),
            results[2].GetTensorDataAsSpan<float>().ToArray(), [.. errors.Chunk(width)]);
    }
}
