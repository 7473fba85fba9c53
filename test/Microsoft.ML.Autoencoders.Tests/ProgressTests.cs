using System.Diagnostics;

namespace Microsoft.ML.Autoencoders.Tests;

/// <summary>
/// Progress and cancellation reach every catalog form: the short forms take an <see cref="IProgress{T}"/> and a token as
/// optional trailing arguments, the options forms carry them on <see cref="AutoencoderOptions"/>.
/// </summary>
public sealed class ProgressTests
{
    [Fact]
    public void ShortForms_ReportEveryEpoch()
    {
        var ml = new MLContext(seed: 1);
        var data = SyntheticData.DataView(ml, 100);
        var autoencoder = new EpochRecorder();
        ml.Transforms.Autoencoder("Code", "Features", codeSize: 3, epochs: 3, batchSize: 50, progress: autoencoder).Fit(data);
        Assert.Equal([1, 2, 3], autoencoder.Reports.Select(r => r.Epoch));

        var detector = new EpochRecorder();
        ml.AnomalyDetection.Trainers.Autoencoder("Features", codeSize: 3, epochs: 2, batchSize: 50, progress: detector).Fit(data);
        Assert.Equal([1, 2], detector.Reports.Select(r => r.Epoch));
    }

    [Fact]
    public void Progress_RunsBesideTheEpochCompletedCallback()
    {
        var ml = new MLContext(seed: 1);
        var options = TestAutoencoders.Options(epochs: 2);
        var order = new List<string>();
        options.EpochCompleted = m => order.Add($"callback {m.Epoch}");
        options.Progress = new EpochRecorder();
        ml.Transforms.Autoencoder(options).Fit(SyntheticData.DataView(ml, 64));
        Assert.Equal(["callback 1", "callback 2"], order);
        Assert.Equal(2, ((EpochRecorder)options.Progress).Reports.Count);
    }

    [Fact]
    public void TokenCancelledFromProgress_StopsFitBeforeTheNextBatch()
    {
        var ml = new MLContext(seed: 1);
        var log = new LogLines(ml);
        var data = SyntheticData.DataView(ml, 400);
        using var source = new CancellationTokenSource();
        var progress = new EpochRecorder(cancelAfter: source, epoch: 1);
        // 50 epochs of 400 rows in batches of 8: cancelled after the first, Fit must not run a second epoch's batches.
        var estimator = ml.Transforms.Autoencoder("Code", "Features", codeSize: 3, epochs: 50, batchSize: 8, progress: progress, cancellationToken: source.Token);
        var clock = Stopwatch.StartNew();
        Assert.ThrowsAny<OperationCanceledException>(() => estimator.Fit(data));
        var afterCancel = Stopwatch.GetElapsedTime(progress.CancelledAt);

        Assert.Single(progress.Reports);
        // Well under one epoch of 50 batches: the trainer checks the token before every batch.
        Assert.True(afterCancel.TotalSeconds < progress.Reports[0].Seconds / 2 + 0.05, $"{afterCancel.TotalMilliseconds:F1} ms after the cancel; an epoch took {progress.Reports[0].Seconds * 1000:F1} ms");
        Assert.StartsWith("Cancelled after 1 of 50 epochs (", log.Info[^1]);
    }

    [Fact]
    public void DetectorShortForms_TakeTheToken()
    {
        var ml = new MLContext(seed: 1);
        var cancelled = new CancellationToken(canceled: true);
        Assert.ThrowsAny<OperationCanceledException>(() =>
            ml.AnomalyDetection.Trainers.Autoencoder("Features", codeSize: 3, epochs: 2, cancellationToken: cancelled).Fit(SyntheticData.DataView(ml, 50)));
        var series = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 60).Select(t => new SeriesPoint { Value = t % 5 }));
        Assert.ThrowsAny<OperationCanceledException>(() =>
            ml.AnomalyDetection.Trainers.SequenceAutoencoder(["Value"], epochs: 2, cancellationToken: cancelled).Fit(series));
    }

    private sealed class SeriesPoint
    {
        public float Value { get; set; }
    }
}
