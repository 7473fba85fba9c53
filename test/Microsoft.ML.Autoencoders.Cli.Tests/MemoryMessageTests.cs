using Microsoft.ML.Autoencoders.Cli.Commands;

namespace Microsoft.ML.Autoencoders.Cli.Tests;

/// <summary>
/// train's error for a CSV that does not fit in memory keeps the library's figures but not its advice, which names API
/// (AutoencoderOptions.StreamTrainingData, mlContext.Data.TakeRows) the command line does not show.
/// </summary>
public sealed class MemoryMessageTests
{
    // The library's two messages (MemoryBudget.TooLarge and Refused), as Fit throws them for an autoencoder and a detector.
    private const string TooLarge = "Reading column 'Features' (2,000,000 rows of 16 floats) into memory needs 122 MiB, more than the 20 MiB this " +
        "process can still allocate (the GC heap limit, e.g. DOTNET_GCHeapHardLimit, or the machine's memory). Set AutoencoderOptions.StreamTrainingData " +
        "to train from the IDataView a batch at a time without holding the column.";
    private const string Refused = "Reading column 'Features' (2,000,000 rows of 16 floats) into memory ran out of memory allocating 1,024 MiB more " +
        "(the GC heap limit, e.g. DOTNET_GCHeapHardLimit, or the machine's memory). Train on fewer rows (e.g. mlContext.Data.TakeRows) or give the process more memory.";

    [Fact]
    public void The_library_figures_are_kept_and_its_advice_left_out()
    {
        Assert.Equal("'big.csv' does not fit in memory (needs 122 MiB, more than the 20 MiB this process can still allocate): train with --stream to read it a pass at a time.",
            TrainCommand.DoesNotFit("big.csv", asDetector: false, new InsufficientMemoryException(TooLarge)).Message);
        Assert.Equal("'big.csv' does not fit in memory (ran out of memory allocating 1,024 MiB more): a detector needs its training rows in memory, " +
            "so train it on a sample of the file (a plain autoencoder trains on all of it with --stream).",
            TrainCommand.DoesNotFit("big.csv", asDetector: true, new InsufficientMemoryException(Refused)).Message);
        // The runtime's own exception has no figures to keep.
        Assert.Equal("'big.csv' does not fit in memory: train with --stream to read it a pass at a time.",
            TrainCommand.DoesNotFit("big.csv", asDetector: false, new OutOfMemoryException()).Message);
    }
}
