namespace Microsoft.ML.Autoencoders.Tests.AnomalyDetection;

/// <summary>
/// EvaluateAutoencoder refuses what ML.NET's evaluator would refuse naming its own internal arguments ('K', 'PosSample'):
/// a false-positive count below 1 and labels of one class only, each with the caller's argument or column and the fix.
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

    [Fact]
    public void BothClassesAndAPositiveCountEvaluate()
    {
        var metrics = MlContext.AnomalyDetection.EvaluateAutoencoder(Scored(30, 10), falsePositiveCount: 1);

        Assert.InRange(metrics.AreaUnderRocCurve, 0.0, 1.0);
    }
}
