namespace Microsoft.ML.Autoencoders.Scoring;

/// <summary>
/// Scores up to <see cref="Capacity"/> rows at once: callers write rows into <see cref="Input"/>, call <see cref="Score"/>,
/// and read each row's code, reconstruction and error. Cursors and prediction engines use it without knowing what runs
/// the network: the library's engine (<see cref="EngineBatchScorer"/>) or ONNX Runtime for an imported graph
/// (<see cref="OnnxRuntimeBatchScorer"/>). One per cursor or prediction engine: not thread-safe, and two threads in
/// <see cref="Score"/> at once are refused with <see cref="ConcurrentUseMessage"/> rather than left to overwrite each
/// other's buffers (the engine's forward pass writes through pointers into them).
/// </summary>
internal abstract class BatchScorer
{
    /// <summary>What a second thread entering a scorer is told: the fix, not only the fault.</summary>
    public const string ConcurrentUseMessage =
        "This prediction engine (or cursor) is being used from two threads at once, which it does not support: its buffers " +
        "would be overwritten mid-scoring. Create one PredictionEngine per thread, or use PredictionEnginePool " +
        "(Microsoft.Extensions.ML); the transformer itself is safe to share, and Transform may be called from several threads.";

    private int _inUse;

    /// <summary>The most rows one <see cref="Score"/> call takes.</summary>
    public abstract int Capacity { get; }

    /// <summary>False when only codes are read: the decoder is then never run.</summary>
    public abstract bool NeedsDecoder { get; }

    /// <summary>Values per input row.</summary>
    public abstract int InputSize { get; }

    /// <summary>Where row <paramref name="row"/> of the next batch is written before <see cref="Score"/>.</summary>
    public abstract Span<float> Input(int row);

    /// <summary>Scores the first <paramref name="rows"/> rows written to <see cref="Input"/>.</summary>
    /// <exception cref="InvalidOperationException">Another thread is scoring with this scorer.</exception>
    public void Score(int rows)
    {
        // One interlocked operation per batch (or per row of a prediction engine): nothing next to a forward pass.
        if (Interlocked.CompareExchange(ref _inUse, 1, 0) != 0) throw new InvalidOperationException(ConcurrentUseMessage);
        try
        {
            ScoreBatch(rows);
        }
        finally
        {
            Volatile.Write(ref _inUse, 0);
        }
    }

    /// <summary>What <see cref="Score"/> does, with no other thread in it.</summary>
    protected abstract void ScoreBatch(int rows);

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
