using Microsoft.ML.Data;
using Xunit.Abstractions;

namespace Microsoft.ML.Autoencoders.Tests.AnomalyDetection;

/// <summary>
/// Thresholds from a false-alarm budget (split-conformal: the ⌈(n + 1)(1 − α)⌉-th smallest held-out score) and per-row
/// p-values: the rank arithmetic on known score lists, the options, and the promise itself — over many seeds, the
/// false-alarm rate on fresh normal rows stays within the budget.
/// </summary>
public sealed class AnomalyFalseAlarmTests(ITestOutputHelper output)
{
    private static readonly MLContext MlContext = new(seed: 1);

    [Theory]
    [InlineData(10, 0.2, 9)]    // 11 × 0.8 = 8.8 → 9; without the + 1, ⌈10 × 0.8⌉ = 8
    [InlineData(100, 0.1, 91)]  // 101 × 0.9 = 90.9 → 91; without it, 90
    [InlineData(19, 0.05, 19)]  // 20 × 0.95 is 19.000000000000004 in doubles: the rank must still be 19
    [InlineData(99, 0.05, 95)]
    [InlineData(99, 0.01, 99)]  // the fewest rows for which α = 0.01 has a finite threshold: 1/α − 1
    [InlineData(98, 0.01, 99)]  // one fewer: rank n + 1, the threshold is +∞
    [InlineData(4, 0.1, 5)]
    public void ConformalRankIsTheCeilingOfNPlusOneTimesOneMinusAlpha(int count, double falseAlarmRate, int rank) =>
        Assert.Equal(rank, AnomalyReferenceScores.ConformalRank(count, falseAlarmRate));

    [Fact]
    public void ThresholdOnAKnownScoreListIsTheCorrectedOrderStatistic()
    {
        // 1..10 in scrambled order: the k-th smallest score is k.
        var reference = AnomalyReferenceScores.FromScores([7, 3, 10, 1, 9, 2, 8, 5, 4, 6], isHeldOut: true);
        Assert.Equal(new float[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 }, reference.Scores);
        Assert.Equal(9f, reference.FalseAlarmThreshold(0.2));   // not 8, the uncorrected 80th percentile's rank
        Assert.Equal(10f, reference.FalseAlarmThreshold(0.1));  // ⌈11 × 0.9⌉ = 10: the largest score
        Assert.Equal(float.PositiveInfinity, reference.FalseAlarmThreshold(0.05)); // ⌈10.45⌉ = 11 > 10
        Assert.Throws<ArgumentOutOfRangeException>(() => reference.FalseAlarmThreshold(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => reference.FalseAlarmThreshold(1));
    }

    [Fact]
    public void PValueCountsTheReferenceScoresAtLeastAsLarge()
    {
        var reference = AnomalyReferenceScores.FromScores([1, 2, 2, 3], isHeldOut: true);
        Assert.Equal(1f, reference.PValue(0));        // (1 + 4) / 5
        Assert.Equal(1f, reference.PValue(1));        // ties count as at least as large
        Assert.Equal(0.8f, reference.PValue(2));      // (1 + 3) / 5
        Assert.Equal(0.4f, reference.PValue(2.5f));   // (1 + 1) / 5
        Assert.Equal(0.2f, reference.PValue(3.5f));   // the smallest possible, 1 / (n + 1)
        Assert.Equal(0.2f, reference.PValue(float.NaN));
        Assert.Equal(0.2f, reference.PValue(float.PositiveInfinity));
    }

    [Fact]
    public void AScoreIsAboveTheThresholdExactlyWhenItsPValueIsAtMostTheBudget()
    {
        var reference = AnomalyReferenceScores.FromScores(Enumerable.Range(1, 19).Select(i => (float)i).ToArray(), isHeldOut: true);
        foreach (double budget in new[] { 0.05, 0.1, 0.2, 0.37 })
        {
            float threshold = reference.FalseAlarmThreshold(budget);
            for (float score = 0; score <= 21; score += 0.25f)
            {
                // p-values lie on the grid 1/(n + 1); the 1e-6 only absorbs p's float rounding against α's double.
                Assert.True(score > threshold == reference.PValue(score) <= budget + 1e-6, $"α {budget}, score {score}");
            }
        }
    }

    [Fact]
    public void FalseAlarmRateOnFreshNormalRowsStaysWithinTheBudgetOverManySeeds()
    {
        const double budget = 0.1;
        const int seeds = 30, trainingRows = 500, freshRows = 2000;
        var rates = new List<double>();
        for (int seed = 0; seed < seeds; seed++)
        {
            // A few epochs are enough: the guarantee needs exchangeable rows, not a good network.
            var network = AnomalyData.Network();
            network.Epochs = 3;
            network.Seed = seed;
            var detector = MlContext.AnomalyDetection.Trainers.Autoencoder(new AutoencoderAnomalyOptions { FalseAlarmRate = budget, Autoencoder = network })
                .Fit(MlContext.Data.LoadFromEnumerable(AnomalyData.Rows(trainingRows, 0, seed: 1000 + seed)));
            Assert.Equal(100, detector.ReferenceScores!.Count); // 0.2 of the rows held out
            var fresh = MlContext.Data.LoadFromEnumerable(AnomalyData.Rows(freshRows, 0, seed: 5000 + seed));
            rates.Add(detector.Transform(fresh).GetColumn<bool>("PredictedLabel").Count(flagged => flagged) / (double)freshRows);
        }

        // With n = 100 calibration rows the threshold is the k = ⌈101 × 0.9⌉ = 91st smallest, so for one calibration set the
        // false-alarm rate is the probability mass above that order statistic: Beta(n + 1 − k, k) = Beta(10, 91), mean
        // 10/101 = 0.099 (≤ α: the promise), standard deviation 0.030. Counting it on 2,000 fresh rows adds binomial noise
        // of sqrt(0.1 × 0.9 / 2000) = 0.007, so one seed's rate has sd ≈ 0.030 and the mean of 30 seeds sd ≈ 0.0055.
        // Three of those, 0.017, is the tolerance either side; the lower bound catches a detector that keeps its promise
        // by flagging nothing.
        const double tolerance = 0.017;
        double mean = rates.Average();
        double expected = 10.0 / 101;
        output.WriteLine($"false-alarm rate over {seeds} seeds: mean {mean:F4}, min {rates.Min():F4}, max {rates.Max():F4} (budget {budget}, expected {expected:F4})");
        Assert.True(mean <= budget + tolerance, $"mean false-alarm rate {mean:F4} over {seeds} seeds exceeds the budget {budget} + {tolerance}");
        Assert.True(mean >= expected - tolerance, $"mean false-alarm rate {mean:F4} is far below the {expected:F4} the threshold should give");
    }

    [Fact]
    public void RecalibratingOneModelOnFreshRowsKeepsTheBudgetToo()
    {
        // One trained network, 30 fresh calibration sets of n = 49 rows: k = ⌈50 × 0.9⌉ = 45, expected rate 5/50 = 0.1,
        // Beta(5, 45) sd 0.042, plus 0.007 binomial noise from 2,000 fresh rows: the mean of 30 has sd 0.0078, tolerance 3 × that.
        const double budget = 0.1, tolerance = 0.023;
        var network = AnomalyData.Network();
        network.Epochs = 5;
        var detector = MlContext.AnomalyDetection.Trainers.Autoencoder(new AutoencoderAnomalyOptions { Autoencoder = network })
            .Fit(AnomalyData.Train(MlContext, rows: 300));
        var rates = new List<double>();
        for (int seed = 0; seed < 30; seed++)
        {
            var calibrated = detector.Calibrate(MlContext.Data.LoadFromEnumerable(AnomalyData.Rows(49, 0, seed: 200 + seed)), budget);
            Assert.Equal(budget, calibrated.FalseAlarmRate);
            Assert.Null(calibrated.Contamination);
            Assert.Equal(calibrated.ReferenceScores!.Scores[44], calibrated.Threshold);
            var fresh = MlContext.Data.LoadFromEnumerable(AnomalyData.Rows(2000, 0, seed: 700 + seed));
            rates.Add(calibrated.Transform(fresh).GetColumn<bool>("PredictedLabel").Count(flagged => flagged) / 2000.0);
        }
        output.WriteLine($"false-alarm rate over 30 calibration sets: mean {rates.Average():F4}, min {rates.Min():F4}, max {rates.Max():F4} (budget {budget})");
        Assert.InRange(rates.Average(), budget - tolerance, budget + tolerance);
    }

    [Fact]
    public void FitHoldsOutTheCalibrationFractionAndThresholdsOnIt()
    {
        var network = AnomalyData.Network();
        network.Epochs = 5;
        var detector = MlContext.AnomalyDetection.Trainers.Autoencoder(new AutoencoderAnomalyOptions
        {
            FalseAlarmRate = 0.05,
            CalibrationFraction = 0.25,
            PValueColumnName = "PValue",
            Autoencoder = network,
        }).Fit(AnomalyData.Train(MlContext, rows: 400));

        Assert.Equal(0.05, detector.FalseAlarmRate);
        Assert.Null(detector.Contamination);
        Assert.True(detector.ReferenceScores!.IsHeldOut);
        Assert.Equal(100, detector.ReferenceScores.Count);
        Assert.Equal(300, detector.TrainingScores.Count);
        Assert.Equal(detector.ReferenceScores.Scores[95], detector.Threshold); // ⌈101 × 0.95⌉ = 96th smallest

        // The decision is the p-value against the budget, row by row.
        var scored = detector.Transform(AnomalyData.Test(MlContext));
        var labels = scored.GetColumn<bool>("PredictedLabel").ToList();
        var pValues = scored.GetColumn<float>("PValue").ToList();
        for (int i = 0; i < labels.Count; i++) Assert.Equal(pValues[i] <= 0.05 + 1e-6, labels[i]);
        Assert.Contains(true, labels);
        Assert.Contains(false, labels);

        // A later budget reads the same held-out scores.
        var looser = detector.ChangeFalseAlarmRate(0.2);
        Assert.Equal(detector.ReferenceScores.FalseAlarmThreshold(0.2), looser.Threshold);
        Assert.True(looser.Threshold < detector.Threshold);
        // Changing to a contamination forgets the budget but keeps the reference for p-values.
        var byContamination = detector.ChangeContamination(0.1);
        Assert.Null(byContamination.FalseAlarmRate);
        Assert.Same(detector.ReferenceScores, byContamination.ReferenceScores);
    }

    [Fact]
    public void TheSplitIsSeededByTheNetworksSeed()
    {
        var (train, calibration) = AutoencoderAnomalyEstimator.CalibrationSplit(50, 0.2, seed: 4);
        Assert.Equal(10, calibration.Length);
        Assert.Equal(Enumerable.Range(0, 50), train.Concat(calibration).Order());
        Assert.Equal(calibration, AutoencoderAnomalyEstimator.CalibrationSplit(50, 0.2, seed: 4).Calibration);
        Assert.NotEqual(calibration, AutoencoderAnomalyEstimator.CalibrationSplit(50, 0.2, seed: 5).Calibration);
        Assert.NotEqual(Enumerable.Range(40, 10), calibration); // random rows, not the last ones
        Assert.Throws<InvalidOperationException>(() => AutoencoderAnomalyEstimator.CalibrationSplit(2, 0.1, seed: 0));
    }

    [Fact]
    public void ExplicitCalibrationDataIsUsedAsGiven()
    {
        var network = AnomalyData.Network();
        network.Epochs = 3;
        var calibrationRows = AnomalyData.Rows(60, 0, seed: 21);
        var detector = MlContext.AnomalyDetection.Trainers.Autoencoder(new AutoencoderAnomalyOptions { FalseAlarmRate = 0.1, Autoencoder = network })
            .Fit(AnomalyData.Train(MlContext, rows: 200), MlContext.Data.LoadFromEnumerable(calibrationRows));
        Assert.Equal(200, detector.TrainingScores.Count); // every training row trained
        var expected = detector.Model.ReconstructionErrors(calibrationRows.SelectMany(r => r.Features).ToArray(), calibrationRows.Count, threads: 1);
        Array.Sort(expected);
        Assert.Equal(expected, detector.ReferenceScores!.Scores);
        Assert.Equal(expected[55 - 1], detector.Threshold); // ⌈61 × 0.9⌉ = 55

        // Given calibration rows and a CalibrationFraction as well, Fit cannot tell which to use.
        var both = MlContext.AnomalyDetection.Trainers.Autoencoder(new AutoencoderAnomalyOptions { FalseAlarmRate = 0.1, CalibrationFraction = 0.2, Autoencoder = network });
        Assert.Throws<ArgumentException>(() => both.Fit(AnomalyData.Train(MlContext, rows: 50), MlContext.Data.LoadFromEnumerable(calibrationRows)));
    }

    [Fact]
    public void TooFewCalibrationRowsGiveAnInfiniteThresholdThatStillFlagsBadRows()
    {
        var network = AnomalyData.Network();
        network.Epochs = 2;
        // 0.01 needs 99 calibration rows; 0.2 of 200 is 40.
        var detector = MlContext.AnomalyDetection.Trainers.Autoencoder(new AutoencoderAnomalyOptions { FalseAlarmRate = 0.01, Autoencoder = network })
            .Fit(AnomalyData.Train(MlContext, rows: 200));
        Assert.Equal(float.PositiveInfinity, detector.Threshold);

        var rows = AnomalyData.Rows(5, 5, seed: 8);
        rows[2].Features[0] = float.NaN;
        var data = MlContext.Data.LoadFromEnumerable(rows);
        using var file = new TemporaryFile();
        MlContext.Model.Save(detector, data.Schema, file.Path);
        Assert.Equal(float.PositiveInfinity, AutoencoderAnomalyTransformer.LoadFromModelFile(file.Path).Threshold);
        foreach (var model in new ITransformer[] { detector, new MLContext().Model.Load(file.Path, out _) })
        {
            var labels = model.Transform(data).GetColumn<bool>("PredictedLabel").ToList();
            Assert.Equal(Enumerable.Range(0, 10).Select(i => i == 2), labels);
        }
    }

    [Fact]
    public void PValuesWithoutCalibrationUseTheTrainingScores()
    {
        var network = AnomalyData.Network();
        network.Epochs = 2;
        var detector = MlContext.AnomalyDetection.Trainers.Autoencoder(new AutoencoderAnomalyOptions { PValueColumnName = "P", Autoencoder = network })
            .Fit(AnomalyData.Train(MlContext, rows: 120));
        Assert.False(detector.ReferenceScores!.IsHeldOut);
        Assert.Equal(120, detector.ReferenceScores.Count);
        Assert.Equal(0.1, detector.Contamination);
        // Training scores would give too low a threshold for new rows: a false-alarm budget needs held-out rows.
        Assert.Throws<InvalidOperationException>(() => detector.ChangeFalseAlarmRate(0.1));
        // Calibrating without a budget swaps the reference and keeps the threshold.
        var calibrated = detector.Calibrate(MlContext.Data.LoadFromEnumerable(AnomalyData.Rows(30, 0, seed: 3)));
        Assert.True(calibrated.ReferenceScores!.IsHeldOut);
        Assert.Equal(detector.Threshold, calibrated.Threshold);
        Assert.Equal(0.1, calibrated.Contamination);
    }

    [Fact]
    public void ACalibrationFractionAloneHoldsRowsOutForThePValues()
    {
        var network = AnomalyData.Network();
        network.Epochs = 2;
        var detector = MlContext.AnomalyDetection.Trainers.Autoencoder(new AutoencoderAnomalyOptions { CalibrationFraction = 0.5, PValueColumnName = "P", Autoencoder = network })
            .Fit(AnomalyData.Train(MlContext, rows: 100));
        Assert.True(detector.ReferenceScores!.IsHeldOut);
        Assert.Equal(50, detector.ReferenceScores.Count);
        Assert.Equal(detector.TrainingScores.Quantile(0.9), detector.Threshold); // the contamination's, from the 50 training rows
    }

    [Fact]
    public void ABudgetBesideAnotherThresholdRuleIsRefusedNamingBoth()
    {
        var withContamination = Assert.Throws<ArgumentException>(() => MlContext.AnomalyDetection.Trainers.Autoencoder(
            new AutoencoderAnomalyOptions { FalseAlarmRate = 0.05, Contamination = 0.1 }));
        Assert.Contains("FalseAlarmRate (0.05) and Contamination (0.1)", withContamination.Message);
        var withThreshold = Assert.Throws<ArgumentException>(() => MlContext.AnomalyDetection.Trainers.Autoencoder(
            new AutoencoderAnomalyOptions { FalseAlarmRate = 0.05, Threshold = 0.3f }));
        Assert.Contains("FalseAlarmRate (0.05) and Threshold (0.3)", withThreshold.Message);
        var normalized = Assert.Throws<ArgumentException>(() => MlContext.AnomalyDetection.Trainers.Autoencoder(
            new AutoencoderAnomalyOptions { FalseAlarmRate = 0.05, NormalizeScores = true }));
        Assert.Contains("PValueColumnName", normalized.Message);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    [InlineData(-0.1)]
    [InlineData(double.NaN)]
    public void BudgetsAndFractionsOutsideZeroToOneAreRefused(double value)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => MlContext.AnomalyDetection.Trainers.Autoencoder(new AutoencoderAnomalyOptions { FalseAlarmRate = value }));
        Assert.Throws<ArgumentOutOfRangeException>(() => MlContext.AnomalyDetection.Trainers.Autoencoder(new AutoencoderAnomalyOptions { CalibrationFraction = value }));
    }

    [Fact]
    public void CalibrationRowsWithBadValuesAreRefused()
    {
        var network = AnomalyData.Network();
        network.Epochs = 1;
        var detector = MlContext.AnomalyDetection.Trainers.Autoencoder(new AutoencoderAnomalyOptions { Autoencoder = network }).Fit(AnomalyData.Train(MlContext, rows: 40));
        var rows = AnomalyData.Rows(10, 0, seed: 2);
        rows[4].Features[1] = float.NaN;
        var error = Assert.Throws<InvalidOperationException>(() => detector.Calibrate(MlContext.Data.LoadFromEnumerable(rows), 0.1));
        Assert.Contains("row 4, element 1 is NaN: calibration data must be finite", error.Message);
    }
}
