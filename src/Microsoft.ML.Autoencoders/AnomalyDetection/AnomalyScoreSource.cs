namespace Microsoft.ML.Autoencoders;

/// <summary>What a detector's raw score is, before any normalization.</summary>
public enum AnomalyScoreSource
{
    /// <summary>The row's mean squared reconstruction error: every kind of autoencoder.</summary>
    ReconstructionError,

    /// <summary>
    /// A variational autoencoder's negative ELBO in nats (reconstruction likelihood plus the KL term), as PyOD's VAE scores:
    /// a row is also unusual when its code lies where the prior puts little mass, not only when it reconstructs badly.
    /// </summary>
    NegativeElbo,
}
