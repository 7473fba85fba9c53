namespace Microsoft.ML.Autoencoders.Tests.AnomalyDetection;

/// <summary>
/// EvaluateAutoencoder refuses what ML.NET's evaluator would refuse naming its own internal arguments ('K', 'PosSample'):
/// a false-positive count below 1 and labels of one class only, each with the caller's argument or column and the fix; and
/// labels other than 0 and 1, which ML.NET's evaluator takes silently.
/// </summary>
public sealed class EvaluateArgumentTests
{
    private static readonly MLContext MlContext = new(seed: 1);

    private static IDataView Scored(int normal, int anomalies)
    {
        var network = AnomalyData.Network();
        network.Epochs = 1;
        var detector = MlContext.AnomalyDetection.Trainers.Autoencoder(new AutoencoderAnomalyOptions { Autoencoder = network }).Fit(AnomalyData.Train(MlContext, 100));
        return detector.Transform(MlContext.Data.LoadFromEnumerable(AnomalyData.Rows(normal, anomalies, seed: 3)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    public void FalsePositiveCountBelowOneIsRefusedByName(int count)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => MlContext.AnomalyDetection.EvaluateAutoencoder(Scored(30, 10), falsePositiveCount: count));

        Assert.Equal("falsePositiveCount", error.ParamName);
        Assert.Contains("must be at least 1", error.Message);
    }

    [Theory]
    [InlineData(30, 0, "has 0 anomalous and 30 normal rows")]
    [InlineData(0, 12, "has 12 anomalous and 0 normal rows")]
    public void LabelsOfOneClassAreRefusedWithTheCounts(int normal, int anomalies, string counts)
    {
        var error = Assert.Throws<ArgumentException>(() => MlContext.AnomalyDetection.EvaluateAutoencoder(Scored(normal, anomalies)));

        Assert.Contains($"Label column 'Label' {counts}", error.Message);
        Assert.Contains("need rows of both", error.Message);
    }

    /// <summary>
    /// A class label used as it is (wine's 0/1/2) or scikit-learn's −1 for an outlier: ML.NET counts every label above 0 as
    /// an anomaly and evaluates without a word, giving an AUC of classes nobody meant.
    /// </summary>
    [Theory]
    [InlineData("x => x * 2", "holds 2 at row 30")]
    [InlineData("x => x == 1 ? -1f : 1f", "holds -1 at row 30")]
    public void LabelsOtherThanZeroAndOneAreRefusedWithTheMapping(string relabel, string found)
    {
        var original = Scored(30, 10);
        var scored = MlContext.Transforms.Expression("Label", relabel, "Label").Fit(original).Transform(original);

        var error = Assert.Throws<ArgumentException>(() => MlContext.AnomalyDetection.EvaluateAutoencoder(scored));

        Assert.Contains($"Label column 'Label' {found}", error.Message);
        Assert.Contains("mlContext.Transforms.Expression(\"Label\", \"x => x == 2 ? 1f : 0f\", \"Label\")", error.Message);
    }

    [Fact]
    public void BothClassesAndAPositiveCountEvaluate()
    {
        var metrics = MlContext.AnomalyDetection.EvaluateAutoencoder(Scored(30, 10), falsePositiveCount: 1);

        Assert.InRange(metrics.AreaUnderRocCurve, 0.0, 1.0);
    }
}
