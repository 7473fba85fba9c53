namespace Microsoft.ML.Autoencoders;

/// <summary>
/// Refuses an <see cref="AutoencoderOptions"/> value out of its range with a message that names the option, before the
/// engine sees it.
/// </summary>
/// <remarks>
/// The engine checks these values too, but in its own words ("The L1 activity strength", "The masking fraction",
/// "ShuffleBufferRows", "Unknown activation"), which do not say which of the options to change. The checks the engine
/// already phrases with the options' names (Epochs, BatchSize, LearningRate, ValidationFraction, ...) are left to it.
/// </remarks>
internal static class OptionRanges
{
    /// <summary>Throws <see cref="ArgumentException"/> naming the first option out of its range.</summary>
    public static void Check(AutoencoderOptions options)
    {
        CheckDefined(options.HiddenActivation, nameof(options.HiddenActivation));
        CheckDefined(options.CodeActivation, nameof(options.CodeActivation));
        CheckDefined(options.OutputActivation, nameof(options.OutputActivation));
        CheckDefined(options.Loss, nameof(options.Loss));
        CheckDefined(options.Optimizer, nameof(options.Optimizer));
        CheckDefined(options.Noise, nameof(options.Noise));
        CheckDefined(options.WeightInitialization, nameof(options.WeightInitialization));

        if (options.Noise is AutoencoderNoise.Masking or AutoencoderNoise.SaltAndPepper && options.NoiseLevel > 1)
            throw new ArgumentException($"NoiseLevel is the fraction of inputs {options.Noise} noise corrupts, so it must be in (0, 1] (was {options.NoiseLevel}).", nameof(options));
        CheckStrength(options.SparsityL1, nameof(options.SparsityL1), "the L1 penalty on the code's activity");
        CheckStrength(options.SparsityWeight, nameof(options.SparsityWeight), "the weight of the KL sparsity penalty");
        if (options.SparsityWeight != 0 && !(options.SparsityTarget > 0 && options.SparsityTarget < 1))
            throw new ArgumentException($"SparsityTarget must be in (0, 1) (was {options.SparsityTarget}): the average activation the KL sparsity penalty pulls each code unit towards.", nameof(options));
        CheckStrength(options.ContractiveWeight, nameof(options.ContractiveWeight), "the weight of the contractive penalty");
        if (options.ContractiveWeight != 0 && options.ContractiveProbes < 1)
            throw new ArgumentException($"ContractiveProbes must be at least 1 (was {options.ContractiveProbes}): the random probes per batch that estimate the contractive penalty.", nameof(options));
        CheckStrength(options.L1WeightPenalty, nameof(options.L1WeightPenalty), "the L1 penalty on the weights");
        CheckStrength(options.L2WeightPenalty, nameof(options.L2WeightPenalty), "the L2 penalty on the weights");
        if (options.StreamingShuffleBufferRows < 1)
            throw new ArgumentException($"StreamingShuffleBufferRows must be positive (was {options.StreamingShuffleBufferRows}): the rows streamed training shuffles at a time.", nameof(options));
    }

    /// <summary>
    /// An enum value outside its type's members, as a cast from a number read from configuration gives; the engine's own
    /// error names its parameter ("activation"), not which of three activation options holds it.
    /// </summary>
    private static void CheckDefined<TEnum>(TEnum value, string option) where TEnum : struct, Enum
    {
        if (!Enum.IsDefined(value))
            throw new ArgumentException($"{option} is {value}, which is not a defined {typeof(TEnum).Name} value: use one of {string.Join(", ", Enum.GetNames<TEnum>())}.", "options");
    }

    private static void CheckStrength(float value, string option, string what)
    {
        if (!(value >= 0 && float.IsFinite(value)))
            throw new ArgumentException($"{option} must be finite and non-negative (was {value}): {what}, 0 for none.", "options");
    }
}
