using Microsoft.ML.Data;
using Xunit.Abstractions;

namespace Microsoft.ML.Autoencoders.Tests.AnomalyDetection;

/// <summary>
/// Robust training (<see cref="AutoencoderOptions.TrimmedFraction"/>): with anomalies in the training data, a detector
/// trained on every row learns to reconstruct them and loses much of its AUC; one that leaves each batch's
/// worst-reconstructed rows out of the loss keeps most of it.
/// </summary>
public sealed class AnomalyRobustTrainingTests(ITestOutputHelper output)
{
    private const int Width = 16, Rank = 3;

    public sealed class Row
    {
        public float Label { get; set; }

        [VectorType(Width)]
        public float[] Features { get; set; } = new float[Width];
    }

    private static double[,] Basis(int seed)
    {
        var random = new Random(seed);
        var b = new double[Rank, Width];
        for (int k = 0; k < Rank; k++)
            for (int j = 0; j < Width; j++) b[k, j] = random.NextDouble() * 2 - 1;
        return b;
    }

    /// <summary>
    /// Normal rows fill a 3-dimensional subspace; anomalies lie on one line outside it — a pattern one spare code unit
    /// can learn, which is what makes contamination harmful: a detector with a 5-unit code learns the line when enough
    /// anomalies are in its training rows. Small noise on both. Shuffled, so contamination spreads over the batches.
    /// </summary>
    private static List<Row> Rows(int normal, int anomalies, int seed)
    {
        var normalBasis = Basis(7);
        var otherBasis = Basis(8);
        var random = new Random(seed);
        var rows = new List<Row>();
        for (int i = 0; i < normal + anomalies; i++)
        {
            bool anomaly = i >= normal;
            var b = anomaly ? otherBasis : normalBasis;
            var row = new Row { Label = anomaly ? 1 : 0 };
            var z = new double[Rank];
            for (int k = 0; k < Rank; k++) z[k] = anomaly && k > 0 ? 0 : random.NextDouble() * 2 - 1;
            for (int j = 0; j < Width; j++)
            {
                double v = 0;
                for (int k = 0; k < Rank; k++) v += b[k, j] * z[k];
                row.Features[j] = (float)(v + 0.05 * (random.NextDouble() * 2 - 1));
            }
            rows.Add(row);
        }
        return rows.OrderBy(_ => random.Next()).ToList();
    }

    [Fact]
    public void TrimmingKeepsMostOfTheCleanAucWhenTenPercentOfTheTrainingRowsAreAnomalies()
    {
        var ml = new MLContext(seed: 1);
        var test = ml.Data.LoadFromEnumerable(Rows(300, 60, seed: 2));
        const int seeds = 5;
        double MeanAuc(int contaminated, double trimmed, bool acrossTrainingSet = false)
        {
            double sum = 0;
            for (int seed = 0; seed < seeds; seed++)
            {
                var network = new AutoencoderOptions
                {
                    HiddenLayerSizes = [12], CodeSize = 5, Epochs = 40, BatchSize = 32, LearningRate = 3e-3f, NumberOfThreads = 1, Seed = seed,
                    TrimmedFraction = trimmed, TrimAcrossTrainingSet = acrossTrainingSet,
                };
                var train = ml.Data.LoadFromEnumerable(Rows(600 - contaminated, contaminated, seed: 10 + seed));
                var detector = ml.AnomalyDetection.Trainers.Autoencoder(new AutoencoderAnomalyOptions { Autoencoder = network }).Fit(train);
                sum += ml.AnomalyDetection.EvaluateAutoencoder(detector.Transform(test)).AreaUnderRocCurve;
            }
            return sum / seeds;
        }

        double clean = MeanAuc(0, 0), plain = MeanAuc(60, 0), robust = MeanAuc(60, 0.1), across = MeanAuc(60, 0.1, acrossTrainingSet: true);
        output.WriteLine($"mean AUC over {seeds} seeds: clean {clean:F3}, 10% contaminated {plain:F3}, same with TrimmedFraction 0.1 {robust:F3}, " +
            $"trimmed across the training set {across:F3}");
        Assert.True(clean - plain > 0.1, $"contamination should hurt the plain detector here (clean {clean:F3}, contaminated {plain:F3})");
        // The bar: the robust detector loses at most half of what the plain one loses.
        Assert.True(clean - robust <= 0.5 * (clean - plain), $"robust {robust:F3} loses more than half of the plain detector's loss ({clean:F3} → {plain:F3})");
        Assert.True(clean - across <= 0.5 * (clean - plain), $"trimmed across the set {across:F3} loses more than half of the plain detector's loss ({clean:F3} → {plain:F3})");
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(0.5)]
    public void FractionsOutsideZeroToHalfAreRefusedWhenTheEstimatorIsMade(double fraction)
    {
        var error = Assert.Throws<ArgumentException>(() => new MLContext().AnomalyDetection.Trainers.Autoencoder(
            new AutoencoderAnomalyOptions { Autoencoder = new AutoencoderOptions { TrimmedFraction = fraction } }));
        Assert.Contains("TrimmedFraction", error.Message);
    }
}
