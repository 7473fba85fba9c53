namespace Microsoft.ML.Autoencoders.Tests;

/// <summary>
/// A cancel that comes while Fit is still reading the data — the in-memory Fit's read of the column, streaming's counting
/// pass over a view that cannot say its row count, the detector's read — stops Fit there, as docs/progress-and-cancellation.md
/// promises ("within one batch"), rather than after a whole pass over a file that may be larger than memory.
/// </summary>
public class CancellationWhileReadingTests
{
    private const int Rows = 20_000;
    private const int CancelAfter = 100;

    /// <summary>A lazy view of <see cref="Rows"/> rows that cancels <paramref name="cancel"/> when the <see cref="CancelAfter"/>th is read.</summary>
    private static (IDataView View, CountingSource Source) CancellingView(MLContext ml, CancellationTokenSource cancel)
    {
        var source = new CountingSource(SyntheticData.Rows(200));
        IEnumerable<SyntheticData.Row> Rows()
        {
            foreach (var row in source.Rows(CancellationWhileReadingTests.Rows))
            {
                if (source.Produced == CancelAfter) cancel.Cancel();
                yield return row;
            }
        }
        return (ml.Data.LoadFromEnumerable(Rows()), source);
    }

    private static void AssertStoppedWhileReading(CountingSource source) =>
        // A cursor may read a little ahead; a whole pass (20,000 rows) means the cancel was not looked at while reading.
        Assert.InRange(source.Produced, CancelAfter, CancelAfter + 10);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AutoencoderFitStopsWhileReading(bool streamed)
    {
        var ml = new MLContext(seed: 1);
        using var cancel = new CancellationTokenSource();
        var (view, source) = CancellingView(ml, cancel);
        var options = TestAutoencoders.Options(epochs: 2);
        options.StreamTrainingData = streamed;
        options.CancellationToken = cancel.Token;
        Assert.ThrowsAny<OperationCanceledException>(() => ml.Transforms.Autoencoder(options).Fit(view));
        AssertStoppedWhileReading(source);
    }

    [Fact]
    public void DetectorFitStopsWhileReading()
    {
        var ml = new MLContext(seed: 1);
        using var cancel = new CancellationTokenSource();
        var (view, source) = CancellingView(ml, cancel);
        var autoencoder = TestAutoencoders.DetectorNetwork(epochs: 2);
        autoencoder.CancellationToken = cancel.Token;
        var options = new AutoencoderAnomalyOptions { FeatureColumnName = "Features", Autoencoder = autoencoder, StandardizeFeatures = true };
        Assert.ThrowsAny<OperationCanceledException>(() => ml.AnomalyDetection.Trainers.Autoencoder(options).Fit(view));
        AssertStoppedWhileReading(source);
    }

    [Fact]
    public void DetectorFitStopsWhileReadingItsCalibrationRows()
    {
        // The network trains on a small table; the cancel comes while Fit reads the separate calibration data.
        var ml = new MLContext(seed: 1);
        using var cancel = new CancellationTokenSource();
        var (calibration, source) = CancellingView(ml, cancel);
        var autoencoder = TestAutoencoders.DetectorNetwork(epochs: 2);
        autoencoder.CancellationToken = cancel.Token;
        var options = new AutoencoderAnomalyOptions { FeatureColumnName = "Features", Autoencoder = autoencoder };
        var train = ml.Data.LoadFromEnumerable(SyntheticData.Rows(200));
        Assert.ThrowsAny<OperationCanceledException>(() => ml.AnomalyDetection.Trainers.Autoencoder(options).Fit(train, calibration));
        AssertStoppedWhileReading(source);
    }
}
