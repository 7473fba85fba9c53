using Microsoft.ML.Autoencoders.Engine.Corruption;
using Microsoft.ML.Autoencoders.Engine.Specs;
using Microsoft.ML.Autoencoders.Engine.Regularization;
using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Variational;

namespace Microsoft.ML.Autoencoders;

/// <summary>
/// Turns the regularized kinds' options (noise, sparsity, contractive, dropout) into the engine's corruption and
/// penalties, and decides whether a network is regularized enough to be overcomplete.
/// </summary>
internal static class AutoencoderRegularization
{
    /// <summary>
    /// The engine corruption for <paramref name="options"/>, or null. <paramref name="inputRange"/> is the training
    /// inputs' [min, max] (null before the data is seen): Gaussian noise is clipped to it, salt and pepper take its ends.
    /// </summary>
    public static InputCorruption? Corruption(AutoencoderOptions options, (float Min, float Max)? inputRange)
    {
        if (options.Noise == AutoencoderNoise.None) return null;
        if (!(options.NoiseLevel > 0) || !float.IsFinite(options.NoiseLevel))
            throw new ArgumentException($"NoiseLevel must be positive when Noise is {options.Noise} (was {options.NoiseLevel}).", nameof(options));
        // Constant training data has no range to clip to or to take salt and pepper from.
        var range = inputRange is { } r && r.Min < r.Max ? r : ((float Min, float Max)?)null;
        return options.Noise switch
        {
            AutoencoderNoise.Gaussian => options.ClipNoiseToInputRange && range is { } clip
                ? new GaussianNoise(options.NoiseLevel, clip.Min, clip.Max)
                : new GaussianNoise(options.NoiseLevel),
            AutoencoderNoise.Masking => new MaskingNoise(options.NoiseLevel),
            AutoencoderNoise.SaltAndPepper => range is { } ends
                ? new SaltAndPepperNoise(options.NoiseLevel, ends.Min, ends.Max)
                : new SaltAndPepperNoise(options.NoiseLevel), // before Fit: checks the level; Fit uses the data's ends
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Noise, "Unknown noise."),
        };
    }

    /// <summary>
    /// The code penalties <paramref name="options"/> ask for, in a fixed order. A VAE's KL term attaches to its network's
    /// moments node, so it is included only once <paramref name="spec"/> is known.
    /// </summary>
    public static List<CodeRegularizer> CodeRegularizers(AutoencoderOptions options, NetworkSpec? spec = null)
    {
        var regularizers = new List<CodeRegularizer>();
        if (options.Variational && spec != null)
            regularizers.Add(new GaussianKlDivergence(MomentsNode(spec), spec.InputShape.Size, AutoencoderEstimator.Schedule(options)));
        if (options.SparsityL1 != 0) regularizers.Add(new L1ActivityRegularizer(options.SparsityL1));
        if (options.SparsityWeight != 0) regularizers.Add(new KlSparsityRegularizer(options.SparsityTarget, options.SparsityWeight));
        if (options.ContractiveWeight != 0) regularizers.Add(new ContractiveRegularizer(options.ContractiveWeight, options.ContractiveProbes));
        return regularizers;
    }

    /// <summary>
    /// Throws when <see cref="AutoencoderOptions.ContractiveWeight"/> is on and an activation option puts a GELU or SiLU in
    /// the encoder, naming the option and the activation. The engine refuses such a network too
    /// (<see cref="ContractiveRegularizer.Validate(NetworkSpec)"/>), but in terms of its layers, and only once the network is built.
    /// </summary>
    public static void CheckContractiveActivations(AutoencoderOptions options)
    {
        if (options.ContractiveWeight == 0) return;
        // The hidden activation is in the encoder only when there are hidden layers or convolution blocks; the code's always is.
        bool hiddenInEncoder = options.HiddenLayerSizes is { Length: > 0 } || options.ConvolutionBlocks is { Count: > 0 };
        var (option, activation) =
            hiddenInEncoder && IsSelfGated(options.HiddenActivation) ? (nameof(options.HiddenActivation), options.HiddenActivation)
            : IsSelfGated(options.CodeActivation) ? (nameof(options.CodeActivation), options.CodeActivation)
            : (null, default);
        if (option == null) return;
        throw new ArgumentException(
            $"{nameof(options.ContractiveWeight)} cannot be used with {option} = {activation}: the contractive penalty's gradient reaches each " +
            $"encoder activation through its slope as a function of its output, and {activation} is not monotonic, so its slope is not one. " +
            $"Choose another {option} ({nameof(AutoencoderActivation.Elu)} and {nameof(AutoencoderActivation.Softplus)} are smooth ones the penalty " +
            $"differentiates), or set {nameof(options.ContractiveWeight)} to 0.", nameof(options));
    }

    private static bool IsSelfGated(AutoencoderActivation activation) => SelfGatedActivationLayer.IsSelfGated(AutoencoderEstimator.ToEngine(activation));

    /// <summary>
    /// Throws when the code is wider than the input and nothing stops the network from copying its input through:
    /// noise, a sparsity or contractive penalty, or dropout. Weight penalties do not count — a small-weight network
    /// can still pass the input straight through an overcomplete code.
    /// </summary>
    public static void CheckOvercomplete(AutoencoderOptions options, NetworkSpec spec)
    {
        int code = spec.CodeShape.Size, input = spec.InputShape.Size;
        if (code <= input || AllowsOvercomplete(options, spec)) return;
        // A sequence network reads windows, and the sequence detector's window column has a reserved name the user never gave.
        string what = options.Sequence != null ? $"each window {spec.InputShape}" : $"column '{options.InputColumnName}'";
        // One feature is a column the default code cannot be capped for (its width − 1 is 0): "the code (32 values) is wider"
        // would blame a CodeSize the user never set, and "make CodeSize smaller" has no answer.
        if (input == 1 && options.CodeSize == AutoencoderEstimator.Defaults.CodeSize && UsesSizeOptions(options))
            throw new ArgumentException(
                $"Column '{options.InputColumnName}' holds one value per row: an autoencoder learns a code narrower than its input, and one " +
                "value has nothing to compress. Gather the features into one vector column first (mlContext.Transforms.Concatenate), " +
                "or turn on a regularizer that lets the code be wider: Noise (denoising), SparsityL1 or SparsityWeight (sparse), " +
                "ContractiveWeight (contractive), or Variational.",
                nameof(options));
        throw new ArgumentException(
            $"The code ({code} values) is wider than {what} ({input} values): an overcomplete " +
            $"autoencoder without a regularizer can learn to copy its input and nothing else. {NarrowerCode(options, spec)}, or turn on a " +
            "regularizer: Noise (denoising), SparsityL1 or SparsityWeight (sparse), ContractiveWeight (contractive), or DropoutRate (a DropoutSpec with EncoderLayers).",
            nameof(options));
    }

    /// <summary>
    /// How to narrow the code with the options that shape it: CodeSize only sizes the dense builder's network, and the
    /// estimator refuses it beside ConvolutionBlocks, EncoderLayers or Sequence, so advice to lower it would send the user
    /// into that error instead.
    /// </summary>
    private static string NarrowerCode(AutoencoderOptions options, NetworkSpec spec) =>
        options.InitialModel != null ? "InitialModel brings its own code width: start from a model with a narrower code"
        : options.Sequence != null ? "Give the sequence architecture a smaller CodeSize (or, for the convolutional kind, fewer filters in its last layer)"
        : options.ConvolutionBlocks is { Count: > 0 } blocks
            ? $"The code is the last ConvolutionBlock's output ({spec.CodeShape}, channels × height × width): give that block fewer Filters " +
              $"(it has {blocks[^1].Filters}), or pool more (Pooling or Stride above 1) or add a block"
        : options.EncoderLayers != null ? $"The code is the last of EncoderLayers' outputs ({spec.CodeShape}): end the list with a narrower layer"
        : "Make CodeSize smaller than the input";

    /// <summary>Whether the network comes from the size options (CodeSize, HiddenLayerSizes) rather than layers or a model of its own.</summary>
    private static bool UsesSizeOptions(AutoencoderOptions options) =>
        options.InitialModel == null && options.Sequence == null && options.ConvolutionBlocks is not { Count: > 0 } && options.EncoderLayers == null;

    /// <summary>The node feeding the network's Gaussian sampling layer: μ ‖ log σ², where the KL term reads.</summary>
    private static string MomentsNode(NetworkSpec spec)
    {
        var layers = spec.Layers.ToArray();
        int sampling = Array.FindIndex(layers, l => l is GaussianSamplingSpec);
        if (sampling <= 0)
            throw new ArgumentException("A variational autoencoder needs a gaussian_sampling layer after a dense layer of twice the latent width; this network has none.");
        return layers[sampling - 1].Name!;
    }

    /// <summary>
    /// Whether a code wider than the input is safe with these options: a regularizer keeps it from copying the input, or a
    /// paired target (colouring, watermark removal) is not the input, so copying does not reach it.
    /// </summary>
    public static bool AllowsOvercomplete(AutoencoderOptions options, NetworkSpec? spec = null) =>
        (options.TargetColumnName != null && options.TargetColumnName != options.InputColumnName)
        || options.Noise != AutoencoderNoise.None || options.SparsityL1 > 0 || options.SparsityWeight > 0
        || options.ContractiveWeight > 0 || options.DropoutRate > 0 || options.Variational
        || (spec != null && spec.Layers.Any(l => l is Engine.Layers.DropoutSpec { Rate: > 0 }));
}
