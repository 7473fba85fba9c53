namespace MnistOneClassAnomaly;

/// <summary>The autoencoder detector's network (--network).</summary>
internal enum DetectorNetwork
{
    /// <summary>784-128-16-128-784, fully connected.</summary>
    Dense,

    /// <summary>The Keras blog's convolutional autoencoder: Conv16-Pool-Conv8-Pool-Conv8-Pool, a code of 8×4×4, mirrored back.</summary>
    Conv,
}
