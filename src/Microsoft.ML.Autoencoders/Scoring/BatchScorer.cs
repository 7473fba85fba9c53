namespace Microsoft.ML.Autoencoders.Scoring;

/// <summary>
/// Scores up to <see cref="Capacity"/> rows at once: callers write rows into <see cref="Input"/>, call <see cref="Score"/>,
/// and read each row's code, reconstruction and error. Cursors and prediction engines use it without knowing what runs
/// the network: the library's engine (<see cref="EngineBatchScorer"/>) or ONNX Runtime for an imported graph
/// (<see cref="OnnxRuntimeBatchScorer"/>). One per cursor or prediction engine: not thread-safe.
/// </summary>
internal abstract class BatchScorer
{
    /// <summary>The most rows one <see cref="Score"/> call takes.</summary>
    public abstract int Capacity { get; }

    /// <summary>False when only codes are read: the decoder is then never run.</summary>
    public abstract bool NeedsDecoder { get; }

    /// <summary>Values per input row.</summary>
    public abstract int InputSize { get; }

    /// <summary>Where row <paramref name="row"/> of the next batch is written before <see cref="Score"/>.</summary>
    public abstract Span<float> Input(int row);

    /// <summary>Scores the first <paramref name="rows"/> rows written to <see cref="Input"/>.</summary>
    public abstract void Score(int rows);

    /// <summary>Row <paramref name="row"/>'s code from the last <see cref="Score"/>.</summary>
    public abstract ReadOnlySpan<float> Code(int row);

    /// <summary>Row <paramref name="row"/>'s reconstruction from the last <see cref="Score"/>; needs the decoder.</summary>
    public abstract ReadOnlySpan<float> Reconstruction(int row);

    /// <summary>Row <paramref name="row"/>'s mean squared reconstruction error from the last <see cref="Score"/>; needs the decoder.</summary>
    public abstract float Error(int row);

    /// <summary>Row <paramref name="row"/>'s negative ELBO in nats from the last <see cref="Score"/>; only a variational engine network has one.</summary>
    public virtual float NegativeElbo(int row) =>
        throw new InvalidOperationException("This scorer has no negative ELBO: only a variational autoencoder scores one.");
}
