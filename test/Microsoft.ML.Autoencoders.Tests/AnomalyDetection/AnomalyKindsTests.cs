
namespace Microsoft.ML.Autoencoders.Tests.AnomalyDetection;

/// <summary>Every kind of autoencoder the library trains can serve as the detector, set through the same options.</summary>
public sealed class AnomalyKindsTests
{
    public static TheoryData<string> Kinds => ["dense", "denoising", "sparse", "contractive", "tied", "dropout"];

    [Theory]
    [MemberData(nameof(Kinds))]
    public void EachKindDetectsTheAnomalies(string kind)
    {
        var mlContext = new MLContext(seed: 1);
        var network = AnomalyData.Network();
        switch (kind)
        {
            case "denoising": network.Noise = AutoencoderNoise.Gaussian; network.NoiseLevel = 0.05f; network.ClipNoiseToInputRange = false; break;
            case "sparse": network.SparsityL1 = 1e-4f; break;
            case "contractive": network.ContractiveWeight = 1e-3f; break;
            case "tied": network.TiedWeights = true; break;
            case "dropout": network.DropoutRate = 0.05f; break;
        }
        var detector = mlContext.AnomalyDetection.Trainers.Autoencoder(new AutoencoderAnomalyOptions { Autoencoder = network })
            .Fit(AnomalyData.Train(mlContext));
        var metrics = mlContext.AnomalyDetection.EvaluateAutoencoder(detector.Transform(AnomalyData.Test(mlContext)));
        Assert.InRange(metrics.AreaUnderRocCurve, 0.9, 1.0);
    }

    [Fact]
    public void TheSimpleOverloadTrainsADenseDetector()
    {
        var mlContext = new MLContext(seed: 1);
        var detector = mlContext.AnomalyDetection.Trainers.Autoencoder(codeSize: 3, hiddenLayerSizes: [12], epochs: 60, contamination: 0.05, batchSize: 32, learningRate: 3e-3f)
            .Fit(AnomalyData.Train(mlContext));
        Assert.Equal([AnomalyData.Width, 12, 3, 12, AnomalyData.Width], detector.Model.LayerWidths);
        Assert.Equal(0.05, detector.Contamination);
        Assert.InRange(mlContext.AnomalyDetection.EvaluateAutoencoder(detector.Transform(AnomalyData.Test(mlContext))).AreaUnderRocCurve, 0.9, 1.0);
    }
}
