namespace Microsoft.ML.Autoencoders.Engine.Training;

/// <summary>One pass over an <see cref="ITrainingRowSource"/>, a row at a time.</summary>
public interface ITrainingRowPass : IDisposable
{
    /// <summary>
    /// Copies the next row into <paramref name="input"/> (and its target into <paramref name="target"/> when the source
    /// <see cref="ITrainingRowSource.HasTargets"/>; otherwise <paramref name="target"/> is empty and left alone); false at
    /// the end of the pass. A pass refuses a NaN or infinite value itself, naming where it is: the trainer trusts the values.
    /// </summary>
    bool TryRead(Span<float> input, Span<float> target);

    /// <summary>
    /// Moves past the next row without handing out its values; false at the end of the pass. The trainer skips the rows a
    /// pass does not need (the held-out rows while training, the training rows while validating), so a source whose rows
    /// cost something to produce (an <c>IDataView</c> cursor: parsing, transforms, the copy and the finiteness check)
    /// need not produce them. A source that cannot skip more cheaply than it reads need not override this: by default the
    /// row is read into <paramref name="scratchInput"/> and <paramref name="scratchTarget"/> (one row's width each, the
    /// target empty without targets) and dropped.
    /// </summary>
    bool TrySkip(Span<float> scratchInput, Span<float> scratchTarget) => TryRead(scratchInput, scratchTarget);
}
