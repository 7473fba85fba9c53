namespace Microsoft.ML.Autoencoders.Engine.Training;

/// <summary>
/// Training rows that can be read again from the start, one pass at a time, without being held in memory: what
/// <see cref="StreamedTrainer"/> trains from. A pass must give the same rows in the same order every time (the validation
/// split and the reproducibility of a seeded run rest on it).
/// </summary>
public interface ITrainingRowSource
{
    /// <summary>Values per row (the network's input size).</summary>
    int Width { get; }

    /// <summary>How many rows a pass gives.</summary>
    long RowCount { get; }

    /// <summary>True when each row has its own target (a denoising pair); false to reconstruct the input itself.</summary>
    bool HasTargets { get; }

    /// <summary>Starts a pass over the rows from the first.</summary>
    ITrainingRowPass OpenPass();
}
