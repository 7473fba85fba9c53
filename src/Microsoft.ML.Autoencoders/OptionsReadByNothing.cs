namespace Microsoft.ML.Autoencoders;

/// <summary>
/// Refuses a setting that was moved off its default although nothing in the configured network or training reads it.
/// </summary>
/// <remarks>
/// Such a setting is a user's intent that would otherwise be dropped without a word: Momentum = 0.5 under the default
/// Adam trains exactly as if it were never set, and a NoiseLevel without a Noise kind trains a plain autoencoder. The
/// estimator already refuses the variational and trimming settings in the same situation; these are the remaining ones
/// whose reader is another single option and that change what is learned. Settings a comparison may legitimately hold
/// fixed while it flips their reader are left alone: LeakyReluSlope over a sweep of activations, ClipNoiseToInputRange,
/// and the settings of how training runs rather than what it learns (StreamingShuffleBufferRows while StreamTrainingData
/// is compared on and off, CheckpointEveryEpochs while CheckpointPath is).
/// The detectors add one more kind: the output columns of the network options they embed, which nothing writes because a
/// detector writes its own columns (<see cref="CheckDetectorNetworkColumns"/>).
/// </remarks>
internal static class OptionsReadByNothing
{
    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting nothing reads, and what would read it.</summary>
    public static void Check(AutoencoderOptions options)
    {
        string? unread =
            options.Momentum != AutoencoderEstimator.Defaults.Momentum && options.Optimizer != AutoencoderOptimizer.Sgd
                ? $"{nameof(options.Momentum)} is SGD's momentum, and {options.Optimizer} does not read it: set {nameof(options.Optimizer)} = {nameof(AutoencoderOptimizer.Sgd)}, or leave {nameof(options.Momentum)} at its default"
            : options.NoiseLevel != AutoencoderEstimator.Defaults.NoiseLevel && options.Noise == AutoencoderNoise.None
                ? $"{nameof(options.NoiseLevel)} scales the input corruption, but {nameof(options.Noise)} is {nameof(AutoencoderNoise.None)}: choose a {nameof(options.Noise)} kind (Gaussian, Masking, SaltAndPepper), or leave {nameof(options.NoiseLevel)} at its default"
            : options.SparsityTarget != AutoencoderEstimator.Defaults.SparsityTarget && options.SparsityWeight == 0
                ? $"{nameof(options.SparsityTarget)} is the KL sparsity penalty's target, but {nameof(options.SparsityWeight)} is 0: set {nameof(options.SparsityWeight)} above 0 to turn the penalty on, or leave {nameof(options.SparsityTarget)} at its default"
            : options.ContractiveProbes != AutoencoderEstimator.Defaults.ContractiveProbes && options.ContractiveWeight == 0
                ? $"{nameof(options.ContractiveProbes)} sets the contractive penalty's probes, but {nameof(options.ContractiveWeight)} is 0: set {nameof(options.ContractiveWeight)} above 0 to turn the penalty on, or leave {nameof(options.ContractiveProbes)} at its default"
            : null;
        if (unread != null) throw new ArgumentException(unread + ".", nameof(options));
    }

    /// <summary>
    /// Throws <see cref="ArgumentException"/> when <paramref name="network"/>, the autoencoder options a detector embeds, names
    /// an output column: the detector writes its own columns (<paramref name="detectorWrites"/>) and would drop that one
    /// without a word. <paramref name="instead"/> gives, for the option, what to use in its place. The default code column
    /// and a null ask for nothing in particular and are taken.
    /// </summary>
    public static void CheckDetectorNetworkColumns(AutoencoderOptions network, string detectorWrites, Func<string, string> instead)
    {
        static bool Named(string? name) => !string.IsNullOrWhiteSpace(name);
        (string Option, string? Name) named =
            Named(network.EncodedColumnName) && network.EncodedColumnName != AutoencoderEstimator.Defaults.EncodedColumnName ? (nameof(network.EncodedColumnName), network.EncodedColumnName)
            : Named(network.ReconstructionColumnName) ? (nameof(network.ReconstructionColumnName), network.ReconstructionColumnName)
            : Named(network.ReconstructionErrorColumnName) ? (nameof(network.ReconstructionErrorColumnName), network.ReconstructionErrorColumnName)
            : Named(network.DenoisedColumnName) ? (nameof(network.DenoisedColumnName), network.DenoisedColumnName)
            : Named(network.NegativeElboColumnName) ? (nameof(network.NegativeElboColumnName), network.NegativeElboColumnName)
            : (string.Empty, null);
        if (named.Name == null) return;
        string leave = named.Option == nameof(network.EncodedColumnName) ? $"at its default ('{AutoencoderEstimator.Defaults.EncodedColumnName}') or null" : "null";
        throw new ArgumentException(
            $"Autoencoder.{named.Option} is '{named.Name}', but a detector does not write its network's columns: {detectorWrites}. " +
            $"{instead(named.Option)} Leave Autoencoder.{named.Option} {leave}.", "options");
    }
}
