namespace Microsoft.ML.Autoencoders.Tests;

/// <summary>
/// <see cref="AutoencoderOptions.CheckpointPath"/>: a Fit cancelled part way and started again with the same options goes
/// on from its checkpoint to the same model, bit for bit, as a Fit never interrupted; a checkpoint of another
/// configuration is refused, naming what differs. (The engine's tests cover each kind and a killed process.)
/// </summary>
public class CheckpointResumeTests
{
    private static AutoencoderOptions Options(string? checkpointPath)
    {
        var options = TestAutoencoders.Options(epochs: 6);
        options.ValidationFraction = 0.2;
        options.EarlyStoppingPatience = 6;
        options.Noise = AutoencoderNoise.Gaussian;
        options.CheckpointPath = checkpointPath;
        return options;
    }

    private static float[] Weights(AutoencoderTransformer transformer) => transformer.Model.Network.Parameters.Values.ToArray();

    [Fact]
    public void CancelledFit_StartedAgain_EndsWithTheModelOfAnUninterruptedFit()
    {
        var ml = new MLContext(seed: 1);
        var data = SyntheticData.DataView(ml, 300);
        float[] straight = Weights(ml.Transforms.Autoencoder(Options(checkpointPath: null)).Fit(data));

        using var checkpoint = new TemporaryFile(".ckpt");
        using var source = new CancellationTokenSource();
        var interrupted = Options(checkpoint.Path);
        interrupted.CancellationToken = source.Token;
        interrupted.EpochCompleted = m => { if (m.Epoch == 3) source.Cancel(); };
        Assert.ThrowsAny<OperationCanceledException>(() => ml.Transforms.Autoencoder(interrupted).Fit(data));

        var epochs = new List<int>();
        var resumed = Options(checkpoint.Path);
        resumed.EpochCompleted = m => epochs.Add(m.Epoch);
        var transformer = ml.Transforms.Autoencoder(resumed).Fit(data);
        Assert.Equal([4, 5, 6], epochs);
        Assert.Equal(straight, Weights(transformer));
        Assert.Equal(6, transformer.Model.TrainingHistory!.Epochs.Count);
    }

    [Fact]
    public void ACheckpointOfAnotherNetwork_IsRefusedAtFit()
    {
        var ml = new MLContext(seed: 1);
        var data = SyntheticData.DataView(ml, 100);
        using var checkpoint = new TemporaryFile(".ckpt");
        var first = Options(checkpoint.Path);
        first.Epochs = 1;
        ml.Transforms.Autoencoder(first).Fit(data);

        var other = Options(checkpoint.Path);
        other.Epochs = 1;
        other.HiddenLayerSizes = [6];
        var error = Assert.Throws<InvalidOperationException>(() => ml.Transforms.Autoencoder(other).Fit(data));
        Assert.Contains("network", error.Message);
        Assert.Contains("CheckpointPath", error.Message);
    }

    [Fact]
    public void CheckpointEveryEpochs_OutOfRange_IsRefusedByName()
    {
        var options = Options("x.ckpt");
        options.CheckpointEveryEpochs = 0;
        var error = Assert.ThrowsAny<ArgumentException>(() => new MLContext().Transforms.Autoencoder(options));
        Assert.Contains(nameof(AutoencoderOptions.CheckpointEveryEpochs), error.Message);
    }
}
