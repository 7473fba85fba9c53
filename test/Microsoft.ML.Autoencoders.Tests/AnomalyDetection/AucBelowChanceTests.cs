using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders.Tests.AnomalyDetection;

/// <summary>
/// An AUC clearly below 0.5 — a label that marks the normal rows — leaves a warning in <c>mlContext.Log</c> that says the
/// label must mean anomaly; a correct label leaves none.
/// </summary>
public sealed class AucBelowChanceTests
{
    [Fact]
    public void InvertedLabel_WarnsThatTheLabelMustMeanAnomaly()
    {
        var ml = new MLContext(seed: 1);
        var log = new LogLines(ml, source: "Autoencoders; Evaluate");
        var detector = ml.AnomalyDetection.Trainers.Autoencoder(new AutoencoderAnomalyOptions { Autoencoder = AnomalyData.Network() }).Fit(AnomalyData.Train(ml, 300));
        var scored = detector.Transform(AnomalyData.Test(ml));

        Assert.True(ml.AnomalyDetection.EvaluateAutoencoder(scored).AreaUnderRocCurve > 0.8);
        Assert.Empty(log.Warnings);

        // The same rows with 1 on the normal ones: the AUC flips below 0.5.
        var inverted = ml.Transforms.CustomMapping<LabelRow, LabelRow>((row, output) => output.Label = 1 - row.Label, contractName: null)
            .Fit(scored).Transform(scored);
        var metrics = ml.AnomalyDetection.EvaluateAutoencoder(inverted);
        Assert.True(metrics.AreaUnderRocCurve < 0.2);
        var warning = Assert.Single(log.Warnings);
        Assert.Contains("The label must mean anomaly", warning);
        Assert.Contains("on 300 and 60 rows of the two labels", warning);
    }

    [Theory]
    [InlineData(0.45, 100, 100, false)]   // chance: the null spread is 0.041, so 0.45 is 1.2 of them under
    [InlineData(0.45, 9000, 1000, true)]  // the same AUC on 10,000 rows is 5 spreads under: not chance
    [InlineData(0.10, 5, 5, false)]       // five of each: even 0.10 can be chance
    [InlineData(0.50, 9000, 1000, false)]
    public void WarnsOnlyWhenChanceCannotExplainIt(double auc, long first, long second, bool warns) =>
        Assert.Equal(warns, AucBelowChance.Warning(auc, first, second) != null);

    private sealed class LabelRow
    {
        public float Label { get; set; }
    }
}
