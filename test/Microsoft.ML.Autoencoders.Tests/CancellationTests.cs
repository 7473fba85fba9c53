namespace Microsoft.ML.Autoencoders.Tests;

/// <summary><see cref="AutoencoderOptions.CancellationToken"/> stops Fit within a batch, with no model.</summary>
public class CancellationTests
{
    [Fact]
    public void CancelledFit_ThrowsWithinTheEpochItWasCancelledIn()
    {
        var ml = new MLContext(seed: 1);
        var data = SyntheticData.DataView(ml, 400);
        using var source = new CancellationTokenSource();
        var options = TestAutoencoders.Options(epochs: 50);
        options.BatchSize = 8;
        int epochsSeen = 0;
        options.EpochCompleted = _ => { if (++epochsSeen == 2) source.Cancel(); };
        options.CancellationToken = source.Token;

        Assert.ThrowsAny<OperationCanceledException>(() => ml.Transforms.Autoencoder(options).Fit(data));
        Assert.Equal(2, epochsSeen);
    }

    [Fact]
    public void AlreadyCancelledToken_StopsBeforeTheFirstBatch()
    {
        var ml = new MLContext(seed: 1);
        var options = TestAutoencoders.Options(epochs: 5);
        options.CancellationToken = new CancellationToken(canceled: true);
        int epochsSeen = 0;
        options.EpochCompleted = _ => epochsSeen++;
        Assert.ThrowsAny<OperationCanceledException>(() => ml.Transforms.Autoencoder(options).Fit(SyntheticData.DataView(ml, 50)));
        Assert.Equal(0, epochsSeen);
    }
}
