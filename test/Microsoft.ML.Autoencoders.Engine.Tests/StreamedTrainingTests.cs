using System.Runtime.InteropServices;
using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Autoencoders.Engine.Optimizers;
using Microsoft.ML.Autoencoders.Engine.Training;

namespace Microsoft.ML.Autoencoders.Engine.Tests;

/// <summary>
/// Training from a source read a pass at a time (<see cref="StreamedTrainer"/>): it learns what the in-memory trainer learns,
/// it is reproducible for a seed, every row is trained once per epoch, and memory does not grow with the rows.
/// </summary>
public class StreamedTrainingTests
{
    private const int Width = 16;

    private static (float[] Data, int Rows) Data(int rows)
    {
        var (data, _) = TestData.NearSubspace(new SeededRandom(11), rows, Width, [2.0, 1.5, 1.0], noise: 0.05);
        return (data, rows);
    }

    private static AutoencoderNetwork Network() => AutoencoderNetwork.Create(new AutoencoderArchitecture
    {
        InputSize = Width, HiddenSizes = [12], CodeSize = 3, HiddenActivation = Activation.Tanh,
    }, seed: 4);

    private static TrainingOptions Options(int epochs = 15, double validation = 0) => new()
    {
        Epochs = epochs, BatchSize = 32, Seed = 9, Threads = 1, ValidationFraction = validation,
        Optimizer = new OptimizerSettings { Kind = OptimizerKind.Adam, LearningRate = 1e-2f },
        ShuffleBufferRows = 256,
    };

    [Fact]
    public void StreamedTrainingReachesTheInMemoryLoss()
    {
        var (data, rows) = Data(2000);
        var inMemory = Network();
        new AutoencoderTrainer(inMemory, Options()).Fit(data, null, rows);
        var streamed = Network();
        var history = new StreamedTrainer(streamed, Options()).Fit(new ArrayRowSource(data, null, rows, Width));

        double memoryMse = TrainingTests.ReconstructionMse(inMemory, data, rows), streamedMse = TrainingTests.ReconstructionMse(streamed, data, rows);
        double untrainedMse = TrainingTests.ReconstructionMse(Network(), data, rows);
        // A buffer of an eighth of the rows shuffles less than the whole set; the model should not care much.
        Assert.True(streamedMse < memoryMse * 1.25, $"Streamed MSE {streamedMse}, in memory {memoryMse}.");
        Assert.True(streamedMse < untrainedMse / 2, $"Streamed training left the MSE at {streamedMse} (in memory {memoryMse}, untrained {untrainedMse}).");
        Assert.Equal(Options().Epochs, history.Epochs.Count);
        Assert.True(history.Epochs[^1].TrainingLoss < history.Epochs[0].TrainingLoss);
    }

    [Fact]
    public void TheSameSeedGivesTheSameWeightsAndAnotherSeedOthers()
    {
        var (data, rows) = Data(600);
        float[] Train(long seed)
        {
            var network = Network();
            new StreamedTrainer(network, Options(epochs: 3, validation: 0.2) with { Seed = seed }).Fit(new ArrayRowSource(data, null, rows, Width));
            return network.Parameters.Values.ToArray();
        }
        float[] first = Train(9), again = Train(9), other = Train(10);
        Assert.Equal(MemoryMarshal.AsBytes(first.AsSpan()).ToArray(), MemoryMarshal.AsBytes(again.AsSpan()).ToArray());
        Assert.NotEqual(first, other);
    }

    [Fact]
    public void TheShuffleBufferGivesEveryRowOncePerPassInASeededOrder()
    {
        const int rows = 1000, capacity = 64;
        int[] Pass(long seed)
        {
            var buffer = new ShuffleBuffer(capacity, width: 1, withTargets: false);
            var random = new SeededRandom(seed);
            buffer.Clear();
            var order = new List<int>();
            var outRow = new float[1];
            for (int row = 0; row < rows; row++)
                if (buffer.Exchange([row], [], outRow, [], random)) order.Add((int)outRow[0]);
            while (buffer.TryDrain(outRow, [], random)) order.Add((int)outRow[0]);
            return [.. order];
        }
        int[] order = Pass(1);
        Assert.Equal(Enumerable.Range(0, rows), order.Order());
        Assert.Equal(order, Pass(1));
        Assert.NotEqual(order, Pass(2));
        // Shuffled, not passed through: most rows leave the buffer somewhere other than where they came in.
        Assert.True(order.Where((row, position) => row != position).Count() > rows * 0.9);
    }

    [Fact]
    public void TheHashedSplitHoldsOutAboutTheFractionTheSameWayEveryTime()
    {
        var split = new HashedValidationSplit(seed: 3, fraction: 0.2);
        long held = split.CountValidation(10_000);
        Assert.InRange(held, 1_850, 2_150);
        Assert.Equal(held, Enumerable.Range(0, 10_000).Count(row => new HashedValidationSplit(3, 0.2).IsValidation(row)));
        Assert.NotEqual(Enumerable.Range(0, 100).Select(r => split.IsValidation(r)), Enumerable.Range(0, 100).Select(r => new HashedValidationSplit(4, 0.2).IsValidation(r)));
        Assert.Equal(0, new HashedValidationSplit(3, 0).CountValidation(1000));
    }

    [Fact]
    public void MemoryDoesNotGrowWithTheRows()
    {
        // 400,000 rows of 64 floats: 102 MB that exist only one row at a time, made up as each pass reads them.
        const int rows = 400_000, width = 64;
        var source = new GeneratedSource(rows, width);
        var network = AutoencoderNetwork.Create(new AutoencoderArchitecture { InputSize = width, CodeSize = 4 }, seed: 1);
        var options = new TrainingOptions { Epochs = 1, BatchSize = 256, Seed = 2, Threads = 1, ValidationFraction = 0.05, ShuffleBufferRows = 1024 };
        var trainer = new StreamedTrainer(network, options);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var history = trainer.Fit(source);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        long dataBytes = (long)rows * width * sizeof(float);
        // The batch, the buffer (1024 rows = 256 KiB) and the step's caches: well under a megabyte and a half, against 102 MB of rows.
        Assert.True(allocated < dataBytes / 50, $"Fit allocated {allocated:N0} bytes for {dataBytes:N0} bytes of rows.");
        Assert.Equal(3, source.PassesOpened); // the sample, the epoch, its validation
        Assert.True(double.IsFinite(history.Epochs[0].ValidationLoss));
    }

    [Fact]
    public void HeldOutRowsAreSkippedWhileTrainingAndTrainingRowsWhileValidatingWithTheSameWeights()
    {
        var (data, rows) = Data(600);
        var split = new HashedValidationSplit(seed: 9, fraction: 0.2);
        long heldOut = split.CountValidation(rows);
        // Without its own skip a pass reads every row (the interface's default); with it, it reads only the rows it needs.
        var reading = new CountingSource(data, rows, skips: false);
        var skipping = new CountingSource(data, rows, skips: true);
        float[] Train(ITrainingRowSource source)
        {
            var network = Network();
            new StreamedTrainer(network, Options(epochs: 2, validation: 0.2)).Fit(source);
            return network.Parameters.Values.ToArray();
        }

        Assert.Equal(MemoryMarshal.AsBytes(Train(reading).AsSpan()).ToArray(), MemoryMarshal.AsBytes(Train(skipping).AsSpan()).ToArray());
        // Five passes: the sample (which stops once it has its rows), then each epoch's training and validation passes.
        Assert.Equal(0, reading.Skipped);
        Assert.Equal(2 * rows, skipping.Read - skipping.SampleRead);      // each epoch reads each row once: trained or validated
        Assert.Equal(2 * rows, skipping.Skipped - skipping.SampleSkipped); // and moves past it once in the other pass
        Assert.Equal(2 * 2 * rows, reading.Read - reading.SampleRead);
        Assert.True(heldOut > 0);
        // Of the sample pass's rows, the held-out ones were moved past.
        Assert.Equal(skipping.SampleSkipped, Enumerable.Range(0, (int)(skipping.SampleRead + skipping.SampleSkipped)).Count(r => split.IsValidation(r)));
    }

    [Fact]
    public void OptionsThatNeedTheWholeSetAreRefusedByName()
    {
        var trim = Assert.Throws<ArgumentException>(() => new StreamedTrainer(Network(), Options() with { TrimmedFraction = 0.1, TrimAcrossTrainingSet = true }));
        Assert.Contains("TrimAcrossTrainingSet", trim.Message);
        var checkpoint = Assert.Throws<ArgumentException>(() => new StreamedTrainer(Network(), Options() with { CheckpointPath = "run.ckpt" }));
        Assert.Contains("CheckpointPath", checkpoint.Message);
    }

    [Fact]
    public void ASourceWhosePassesDifferIsRefused()
    {
        var source = new GeneratedSource(1000, Width) { AnnouncedRows = 1200 };
        var error = Assert.Throws<InvalidOperationException>(() => new StreamedTrainer(Network(), Options(epochs: 1)).Fit(source));
        Assert.Contains("1200", error.Message);
    }

    /// <summary>Rows computed from their index as a pass reaches them: no array of them exists.</summary>
    private sealed class GeneratedSource(int rows, int width) : ITrainingRowSource
    {
        public int Width => width;
        public long RowCount => AnnouncedRows ?? rows;
        public long? AnnouncedRows { get; init; }
        public bool HasTargets => false;
        public int PassesOpened { get; private set; }

        public ITrainingRowPass OpenPass()
        {
            PassesOpened++;
            return new Pass(rows);
        }

        private sealed class Pass(int rows) : ITrainingRowPass
        {
            private int _row;

            public bool TryRead(Span<float> input, Span<float> target)
            {
                if (_row == rows) return false;
                // Two latent values per row, spread over the width: something an autoencoder can learn.
                float a = MathF.Sin(_row * 0.37f), b = MathF.Cos(_row * 0.11f);
                for (int j = 0; j < input.Length; j++) input[j] = a * MathF.Sin(j * 0.5f) + b * MathF.Cos(j * 0.3f);
                _row++;
                return true;
            }

            public void Dispose() { }
        }
    }

    /// <summary>An array source that counts the rows its passes hand out and move past, the first pass's apart.</summary>
    private sealed class CountingSource(float[] data, int rows, bool skips) : ITrainingRowSource
    {
        private readonly ArrayRowSource _rows = new(data, null, rows, StreamedTrainingTests.Width);
        private int _passes;

        public int Width => StreamedTrainingTests.Width;
        public long RowCount => rows;
        public bool HasTargets => false;
        public long Read { get; private set; }
        public long Skipped { get; private set; }
        public long SampleRead { get; private set; }
        public long SampleSkipped { get; private set; }

        public ITrainingRowPass OpenPass() => skips ? new SkippingPass(this, _rows.OpenPass(), ++_passes == 1) : new ReadingPass(this, _rows.OpenPass(), ++_passes == 1);

        private class ReadingPass(CountingSource owner, ITrainingRowPass inner, bool first) : ITrainingRowPass
        {
            public bool TryRead(Span<float> input, Span<float> target)
            {
                if (!inner.TryRead(input, target)) return false;
                owner.Read++;
                if (first) owner.SampleRead++;
                return true;
            }

            protected bool Skip(Span<float> input, Span<float> target)
            {
                if (!inner.TrySkip(input, target)) return false;
                owner.Skipped++;
                if (first) owner.SampleSkipped++;
                return true;
            }

            public void Dispose() => inner.Dispose();
        }

        private sealed class SkippingPass(CountingSource owner, ITrainingRowPass inner, bool first) : ReadingPass(owner, inner, first), ITrainingRowPass
        {
            public bool TrySkip(Span<float> scratchInput, Span<float> scratchTarget) => Skip(scratchInput, scratchTarget);
        }
    }
}
