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
}
