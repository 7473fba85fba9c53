using Microsoft.ML.Autoencoders.Engine.Corruption;
using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Autoencoders.Engine.Training;

namespace Microsoft.ML.Autoencoders.Engine.Tests;

/// <summary>A cancelled token stops <see cref="AutoencoderTrainer.Fit"/> within one batch, mid-epoch too.</summary>
public class CancellationTests
{
    /// <summary>
    /// A corruption that does nothing to the values but counts the batches it sees (the trainer applies it to each input
    /// batch, after its cancellation check), cancels the token at one of them, and counts any batch started after that.
    /// </summary>
    private sealed class CancellingProbe(CancellationTokenSource source, int cancelAtCall) : InputCorruption
    {
        public int Calls { get; private set; }
        public int CallsAfterCancel { get; private set; }

        public override void Apply(Span<float> values, SeededRandom random)
        {
            if (source.IsCancellationRequested) CallsAfterCancel++;
            if (++Calls == cancelAtCall) source.Cancel();
        }

        public override void Validate() { }

        public override string ToString() => "cancelling probe";
    }

    [Fact]
    public void TokenCancelledMidEpoch_StartsNoFurtherBatch()
    {
        const int rows = 400, width = 10;
        var (data, _) = TestData.NearSubspace(new SeededRandom(1), rows, width, [1.0, 0.5], noise: 0.05);
        var network = AutoencoderNetwork.Create(new AutoencoderArchitecture { InputSize = width, CodeSize = 2 }, 1);
        using var source = new CancellationTokenSource();
        // 50 batches an epoch; call 80 lands in the middle of an epoch, past the untrained-loss batches the guard corrupts first.
        var probe = new CancellingProbe(source, cancelAtCall: 80);
        var options = new TrainingOptions { Epochs = 5, BatchSize = 8, Threads = 1, Corruption = probe };
        int epochs = 0;

        Assert.ThrowsAny<OperationCanceledException>(() => new AutoencoderTrainer(network, options).Fit(data, null, rows, _ => epochs++, source.Token));

        Assert.Equal(80, probe.Calls);
        Assert.Equal(0, probe.CallsAfterCancel); // the batch under way finished; none started after it
        Assert.InRange(epochs, 0, 1);             // stopped inside an epoch, not at its end
    }
}
