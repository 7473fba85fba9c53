namespace Microsoft.ML.Autoencoders.Scoring;

/// <summary>
/// The outputs of the row a cursor or prediction engine stands on, scored on first read. The output getters of
/// <see cref="AutoencoderRowMapper"/> read through it, so a row scored alone and a row scored in a batch share them.
/// </summary>
internal abstract class ScoredRow
{
    public abstract ReadOnlySpan<float> Code { get; }

    public abstract ReadOnlySpan<float> Reconstruction { get; }

    public abstract float Error { get; }

    /// <summary>A variational model's negative ELBO of the row, in nats.</summary>
    public abstract float NegativeElbo { get; }
}
