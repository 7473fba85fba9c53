using Microsoft.ML.Autoencoders.Engine.Training;

namespace Microsoft.ML.Autoencoders;

/// <summary>
/// Autoencoders on <c>mlContext.Transforms</c>. Add <c>using Microsoft.ML.Autoencoders;</c> and call
/// <c>mlContext.Transforms.Autoencoder(...)</c>, or one of the regularized kinds: <c>DenoisingAutoencoder</c>,
/// <c>SparseAutoencoder</c>, <c>ContractiveAutoencoder</c>, <c>VariationalAutoencoder</c> (all return the same estimator, preconfigured; dropout,
/// weight penalties, tied weights and paired targets are on <see cref="AutoencoderOptions"/>).
/// </summary>
public static class AutoencoderCatalog
{
    /// <summary>
    /// Trains a dense autoencoder on <paramref name="inputColumnName"/> and adds its code as
    /// <paramref name="outputColumnName"/> (and, optionally, the reconstruction and its error).
    /// </summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="outputColumnName">The code column (a vector of <paramref name="codeSize"/> floats), or null for none.</param>
    /// <param name="inputColumnName">The input column: a known-size vector of Single.</param>
    /// <param name="codeSize">The code width.</param>
    /// <param name="hiddenLayerSizes">The encoder's hidden widths, outermost first (mirrored by the decoder); null for none.</param>
    /// <param name="reconstructionColumnName">The reconstruction column, or null for none.</param>
    /// <param name="reconstructionErrorColumnName">The per-row mean squared error column, or null for none.</param>
    /// <param name="epochs">Passes over the training data.</param>
    /// <param name="batchSize">Rows per gradient step.</param>
    /// <param name="learningRate">Adam's step size.</param>
    /// <param name="seed">Fixes initialization and shuffling.</param>
    /// <param name="progress">Told each epoch's metrics as it ends (see <see cref="AutoencoderOptions.Progress"/>); null for none.</param>
    /// <param name="cancellationToken">Stops Fit within one batch with <see cref="OperationCanceledException"/>.</param>
    /// <example><code>
    /// var pipeline = mlContext.Transforms.Autoencoder("Encoded", "Features", codeSize: 64, hiddenLayerSizes: [256])
    ///     .Append(mlContext.MulticlassClassification.Trainers.SdcaMaximumEntropy(featureColumnName: "Encoded"));
    /// </code></example>
    public static AutoencoderEstimator Autoencoder(
        this TransformsCatalog catalog,
        string? outputColumnName = AutoencoderEstimator.Defaults.EncodedColumnName,
        string inputColumnName = AutoencoderEstimator.Defaults.InputColumnName,
        int codeSize = AutoencoderEstimator.Defaults.CodeSize,
        int[]? hiddenLayerSizes = null,
        string? reconstructionColumnName = null,
        string? reconstructionErrorColumnName = null,
        int epochs = AutoencoderEstimator.Defaults.Epochs,
        int batchSize = AutoencoderEstimator.Defaults.BatchSize,
        float learningRate = AutoencoderEstimator.Defaults.LearningRate,
        int seed = AutoencoderEstimator.Defaults.Seed,
        IProgress<EpochMetrics>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var options = CommonOptions(inputColumnName, outputColumnName, reconstructionColumnName, codeSize, hiddenLayerSizes, epochs, batchSize, learningRate, seed, progress, cancellationToken);
        options.ReconstructionErrorColumnName = reconstructionErrorColumnName;
        return Autoencoder(catalog, options);
    }

    /// <summary>Trains a dense autoencoder configured by <paramref name="options"/>.</summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="options">Columns, architecture and training settings.</param>
    public static AutoencoderEstimator Autoencoder(this TransformsCatalog catalog, AutoencoderOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return Create(catalog, options);
    }

    /// <summary>
    /// A denoising autoencoder: trains to reconstruct the clean <paramref name="inputColumnName"/> from a corrupted
    /// copy of it, and adds the cleaned-up rows as <paramref name="denoisedColumnName"/>. Scoring adds no noise.
    /// </summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="denoisedColumnName">The denoised output (a vector the input's size), or null for none.</param>
    /// <param name="inputColumnName">The input column: a known-size vector of Single.</param>
    /// <param name="noise">The corruption applied to training inputs.</param>
    /// <param name="noiseLevel">The Gaussian standard deviation, or the fraction of inputs masked / set to salt or pepper.</param>
    /// <param name="codeSize">The code width.</param>
    /// <param name="hiddenLayerSizes">The encoder's hidden widths, outermost first (mirrored by the decoder); null for none.</param>
    /// <param name="encodedColumnName">The code column, or null for none.</param>
    /// <param name="epochs">Passes over the training data.</param>
    /// <param name="batchSize">Rows per gradient step.</param>
    /// <param name="learningRate">Adam's step size.</param>
    /// <param name="seed">Fixes initialization, shuffling and the noise.</param>
    /// <param name="progress">Told each epoch's metrics as it ends (see <see cref="AutoencoderOptions.Progress"/>); null for none.</param>
    /// <param name="cancellationToken">Stops Fit within one batch with <see cref="OperationCanceledException"/>.</param>
    /// <example><code>
    /// // Pixels in [0, 1]: Gaussian noise is clipped to the training data's range.
    /// var denoiser = mlContext.Transforms.DenoisingAutoencoder("Denoised", "Pixels", AutoencoderNoise.Gaussian, noiseLevel: 0.5f, codeSize: 64);
    /// </code></example>
    public static AutoencoderEstimator DenoisingAutoencoder(
        this TransformsCatalog catalog,
        string? denoisedColumnName = AutoencoderEstimator.Defaults.DenoisedColumnName,
        string inputColumnName = AutoencoderEstimator.Defaults.InputColumnName,
        AutoencoderNoise noise = AutoencoderNoise.Gaussian,
        float noiseLevel = AutoencoderEstimator.Defaults.NoiseLevel,
        int codeSize = AutoencoderEstimator.Defaults.CodeSize,
        int[]? hiddenLayerSizes = null,
        string? encodedColumnName = null,
        int epochs = AutoencoderEstimator.Defaults.Epochs,
        int batchSize = AutoencoderEstimator.Defaults.BatchSize,
        float learningRate = AutoencoderEstimator.Defaults.LearningRate,
        int seed = AutoencoderEstimator.Defaults.Seed,
        IProgress<EpochMetrics>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var options = CommonOptions(inputColumnName, encodedColumnName, reconstructionColumnName: null, codeSize, hiddenLayerSizes, epochs, batchSize, learningRate, seed, progress, cancellationToken);
        options.DenoisedColumnName = denoisedColumnName;
        options.Noise = noise;
        options.NoiseLevel = noiseLevel;
        return DenoisingAutoencoder(catalog, options);
    }

    /// <summary>A denoising autoencoder configured by <paramref name="options"/>, whose <see cref="AutoencoderOptions.Noise"/> must be set.</summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="options">Columns, architecture, noise and training settings.</param>
    public static AutoencoderEstimator DenoisingAutoencoder(this TransformsCatalog catalog, AutoencoderOptions options) =>
        CreateKind(catalog, options, static o => o.Noise != AutoencoderNoise.None,
            "A denoising autoencoder needs a corruption: set Noise to Gaussian, Masking or SaltAndPepper (and NoiseLevel).");

    /// <summary>
    /// A sparse autoencoder: penalizes the code's activity so that each row is described by a few active code
    /// units. By default an L1 penalty (Keras' <c>activity_regularizer=l1(1e-4)</c>); give
    /// <paramref name="sparsityWeight"/> a value to add the KL-divergence penalty towards a mean activation of
    /// <paramref name="sparsityTarget"/>, which also makes the code a Sigmoid (its activations must be probabilities).
    /// </summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="outputColumnName">The code column (a vector of <paramref name="codeSize"/> floats), or null for none.</param>
    /// <param name="inputColumnName">The input column: a known-size vector of Single.</param>
    /// <param name="codeSize">The code width; may exceed the input's (overcomplete), the penalty keeps it from copying.</param>
    /// <param name="hiddenLayerSizes">The encoder's hidden widths, outermost first; null for none.</param>
    /// <param name="sparsityL1">Strength of the L1 activity penalty Σ|code| per row; 0 for none.</param>
    /// <param name="sparsityTarget">ρ, the KL penalty's target mean activation per code unit.</param>
    /// <param name="sparsityWeight">β, the KL penalty's weight; 0 (the default) for none.</param>
    /// <param name="reconstructionColumnName">The reconstruction column, or null for none.</param>
    /// <param name="epochs">Passes over the training data.</param>
    /// <param name="batchSize">Rows per gradient step.</param>
    /// <param name="learningRate">Adam's step size.</param>
    /// <param name="seed">Fixes initialization and shuffling.</param>
    /// <param name="progress">Told each epoch's metrics as it ends (see <see cref="AutoencoderOptions.Progress"/>); null for none.</param>
    /// <param name="cancellationToken">Stops Fit within one batch with <see cref="OperationCanceledException"/>.</param>
    public static AutoencoderEstimator SparseAutoencoder(
        this TransformsCatalog catalog,
        string? outputColumnName = AutoencoderEstimator.Defaults.EncodedColumnName,
        string inputColumnName = AutoencoderEstimator.Defaults.InputColumnName,
        int codeSize = AutoencoderEstimator.Defaults.CodeSize,
        int[]? hiddenLayerSizes = null,
        float sparsityL1 = AutoencoderEstimator.Defaults.SparsityL1,
        float sparsityTarget = AutoencoderEstimator.Defaults.SparsityTarget,
        float sparsityWeight = 0f,
        string? reconstructionColumnName = null,
        int epochs = AutoencoderEstimator.Defaults.Epochs,
        int batchSize = AutoencoderEstimator.Defaults.BatchSize,
        float learningRate = AutoencoderEstimator.Defaults.LearningRate,
        int seed = AutoencoderEstimator.Defaults.Seed,
        IProgress<EpochMetrics>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var options = CommonOptions(inputColumnName, outputColumnName, reconstructionColumnName, codeSize, hiddenLayerSizes, epochs, batchSize, learningRate, seed, progress, cancellationToken);
        options.CodeActivation = sparsityWeight > 0 ? AutoencoderActivation.Sigmoid : AutoencoderEstimator.Defaults.CodeActivation;
        options.SparsityL1 = sparsityL1;
        options.SparsityTarget = sparsityTarget;
        options.SparsityWeight = sparsityWeight;
        return SparseAutoencoder(catalog, options);
    }

    /// <summary>A sparse autoencoder configured by <paramref name="options"/>, whose SparsityL1 or SparsityWeight must be set.</summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="options">Columns, architecture, sparsity and training settings.</param>
    public static AutoencoderEstimator SparseAutoencoder(this TransformsCatalog catalog, AutoencoderOptions options) =>
        CreateKind(catalog, options, static o => o.SparsityL1 > 0 || o.SparsityWeight > 0,
            "A sparse autoencoder needs a sparsity penalty: set SparsityL1 (L1 on the code), or SparsityWeight with SparsityTarget (KL divergence, Sigmoid code).");

    /// <summary>
    /// A contractive autoencoder: adds λ·‖∂code/∂input‖²_F to the loss so the code changes little when the input
    /// moves slightly. The code is a Sigmoid, as in Rifai et al.; with no hidden layers the penalty is exact in
    /// closed form, with hidden layers it is an unbiased random-probe estimate.
    /// </summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="outputColumnName">The code column (a vector of <paramref name="codeSize"/> floats), or null for none.</param>
    /// <param name="inputColumnName">The input column: a known-size vector of Single.</param>
    /// <param name="codeSize">The code width.</param>
    /// <param name="hiddenLayerSizes">The encoder's hidden widths, outermost first; null for none.</param>
    /// <param name="contractiveWeight">λ, the weight of the Jacobian's squared Frobenius norm.</param>
    /// <param name="reconstructionColumnName">The reconstruction column, or null for none.</param>
    /// <param name="epochs">Passes over the training data.</param>
    /// <param name="batchSize">Rows per gradient step.</param>
    /// <param name="learningRate">Adam's step size.</param>
    /// <param name="seed">Fixes initialization, shuffling and the probes.</param>
    /// <param name="progress">Told each epoch's metrics as it ends (see <see cref="AutoencoderOptions.Progress"/>); null for none.</param>
    /// <param name="cancellationToken">Stops Fit within one batch with <see cref="OperationCanceledException"/>.</param>
    public static AutoencoderEstimator ContractiveAutoencoder(
        this TransformsCatalog catalog,
        string? outputColumnName = AutoencoderEstimator.Defaults.EncodedColumnName,
        string inputColumnName = AutoencoderEstimator.Defaults.InputColumnName,
        int codeSize = AutoencoderEstimator.Defaults.CodeSize,
        int[]? hiddenLayerSizes = null,
        float contractiveWeight = AutoencoderEstimator.Defaults.ContractiveWeight,
        string? reconstructionColumnName = null,
        int epochs = AutoencoderEstimator.Defaults.Epochs,
        int batchSize = AutoencoderEstimator.Defaults.BatchSize,
        float learningRate = AutoencoderEstimator.Defaults.LearningRate,
        int seed = AutoencoderEstimator.Defaults.Seed,
        IProgress<EpochMetrics>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var options = CommonOptions(inputColumnName, outputColumnName, reconstructionColumnName, codeSize, hiddenLayerSizes, epochs, batchSize, learningRate, seed, progress, cancellationToken);
        options.CodeActivation = AutoencoderActivation.Sigmoid;
        options.ContractiveWeight = contractiveWeight;
        return ContractiveAutoencoder(catalog, options);
    }

    /// <summary>A contractive autoencoder configured by <paramref name="options"/>, whose ContractiveWeight must be set.</summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="options">Columns, architecture, penalty and training settings.</param>
    public static AutoencoderEstimator ContractiveAutoencoder(this TransformsCatalog catalog, AutoencoderOptions options) =>
        CreateKind(catalog, options, static o => o.ContractiveWeight > 0,
            "A contractive autoencoder needs ContractiveWeight (lambda) above 0.");

    /// <summary>
    /// A variational autoencoder (Kingma and Welling): the encoder maps each row to a Gaussian over a latent of
    /// <paramref name="latentSize"/> values, trained on the ELBO (the reconstruction likelihood plus the KL divergence to
    /// N(0, I)). Scoring is deterministic: the code column is the latent mean, and <paramref name="negativeElboColumnName"/>
    /// gets each row's negative ELBO in nats (the decoded mean's likelihood plus the KL term), an anomaly score. The trained
    /// model generates new rows, decodes latent points and interpolates through <c>transformer.Model.Variational</c>.
    /// </summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="outputColumnName">The latent mean column (a vector of <paramref name="latentSize"/> floats), or null for none.</param>
    /// <param name="inputColumnName">The input column: a known-size vector of Single.</param>
    /// <param name="latentSize">L, the latent's width.</param>
    /// <param name="hiddenLayerSizes">The encoder's hidden widths, outermost first (the decoder reverses them); null for none.</param>
    /// <param name="likelihood">
    /// BinaryCrossEntropy: a Bernoulli likelihood for data in [0, 1] such as pixels, with a Sigmoid output; MeanSquaredError: a
    /// Gaussian one for real-valued data, with a Linear output.
    /// </param>
    /// <param name="klWeight">β, the KL term's weight: 1 is the ELBO, above 1 a β-VAE with a smoother, less detailed latent.</param>
    /// <param name="negativeElboColumnName">The per-row negative ELBO column, or null for none.</param>
    /// <param name="reconstructionColumnName">The reconstruction (decoded from the latent mean) column, or null for none.</param>
    /// <param name="epochs">Passes over the training data.</param>
    /// <param name="batchSize">Rows per gradient step.</param>
    /// <param name="learningRate">Adam's step size.</param>
    /// <param name="seed">Fixes initialization, shuffling and the latent samples drawn while training.</param>
    /// <param name="progress">Told each epoch's metrics as it ends (see <see cref="AutoencoderOptions.Progress"/>); null for none.</param>
    /// <param name="cancellationToken">Stops Fit within one batch with <see cref="OperationCanceledException"/>.</param>
    /// <example><code>
    /// var vae = mlContext.Transforms.VariationalAutoencoder("Latent", "Pixels", latentSize: 20, hiddenLayerSizes: [400]);
    /// </code></example>
    public static AutoencoderEstimator VariationalAutoencoder(
        this TransformsCatalog catalog,
        string? outputColumnName = AutoencoderEstimator.Defaults.EncodedColumnName,
        string inputColumnName = AutoencoderEstimator.Defaults.InputColumnName,
        int latentSize = AutoencoderEstimator.Defaults.LatentSize,
        int[]? hiddenLayerSizes = null,
        AutoencoderLoss likelihood = AutoencoderLoss.BinaryCrossEntropy,
        float klWeight = AutoencoderEstimator.Defaults.KlWeight,
        string? negativeElboColumnName = AutoencoderEstimator.Defaults.NegativeElboColumnName,
        string? reconstructionColumnName = null,
        int epochs = AutoencoderEstimator.Defaults.Epochs,
        int batchSize = AutoencoderEstimator.Defaults.BatchSize,
        float learningRate = AutoencoderEstimator.Defaults.LearningRate,
        int seed = AutoencoderEstimator.Defaults.Seed,
        IProgress<EpochMetrics>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var options = CommonOptions(inputColumnName, outputColumnName, reconstructionColumnName, latentSize, hiddenLayerSizes, epochs, batchSize, learningRate, seed, progress, cancellationToken);
        options.Variational = true;
        options.Loss = likelihood;
        options.OutputActivation = likelihood == AutoencoderLoss.BinaryCrossEntropy ? AutoencoderActivation.Sigmoid : AutoencoderActivation.Linear;
        options.KlWeight = klWeight;
        options.NegativeElboColumnName = negativeElboColumnName;
        return VariationalAutoencoder(catalog, options);
    }

    /// <summary>
    /// A variational autoencoder configured by <paramref name="options"/> (<see cref="AutoencoderOptions.Variational"/> is
    /// set for you): KL annealing, the capacity C, convolutional blocks and explicit layers are all on the options.
    /// </summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="options">Columns, architecture, KL settings and training settings.</param>
    public static AutoencoderEstimator VariationalAutoencoder(this TransformsCatalog catalog, AutoencoderOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        if (!options.Variational)
        {
            options = options.Clone();
            options.Variational = true;
        }
        if (options.Loss == AutoencoderLoss.BinaryCrossEntropy && options.OutputActivation != AutoencoderActivation.Sigmoid
            && options.DecoderLayers == null && options.EncoderLayers == null)
        {
            throw new ArgumentException("A Bernoulli likelihood (BinaryCrossEntropy) needs outputs in (0, 1): set OutputActivation to Sigmoid, or use MeanSquaredError for real-valued data.", nameof(options));
        }
        return Create(catalog, options);
    }

    /// <summary>
    /// The estimator for a kind's options overload: null checks, then <paramref name="hasWhatTheKindNeeds"/> or an
    /// <see cref="ArgumentException"/> on <paramref name="options"/> that says <paramref name="whatIsMissing"/>.
    /// </summary>
    private static AutoencoderEstimator CreateKind(
        TransformsCatalog catalog, AutoencoderOptions options, Func<AutoencoderOptions, bool> hasWhatTheKindNeeds, string whatIsMissing)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        if (!hasWhatTheKindNeeds(options)) throw new ArgumentException(whatIsMissing, nameof(options));
        return Create(catalog, options);
    }

    /// <summary>The estimator, writing its training lines to the catalog's environment, so that they reach <c>mlContext.Log</c>.</summary>
    private static AutoencoderEstimator Create(TransformsCatalog catalog, AutoencoderOptions options) =>
        new(options) { LogEnvironment = CatalogEnvironment.Of(catalog) };

    /// <summary>The settings every simple overload shares (the anomaly catalog's too), so each overload only adds its own.</summary>
    internal static AutoencoderOptions CommonOptions(
        string inputColumnName, string? outputColumnName, string? reconstructionColumnName, int codeSize, int[]? hiddenLayerSizes,
        int epochs, int batchSize, float learningRate, int seed, IProgress<EpochMetrics>? progress, CancellationToken cancellationToken) => new()
    {
        InputColumnName = inputColumnName,
        EncodedColumnName = outputColumnName,
        ReconstructionColumnName = reconstructionColumnName,
        CodeSize = codeSize,
        HiddenLayerSizes = hiddenLayerSizes ?? AutoencoderEstimator.Defaults.HiddenLayerSizes,
        Epochs = epochs,
        BatchSize = batchSize,
        LearningRate = learningRate,
        Seed = seed,
        Progress = progress,
        CancellationToken = cancellationToken,
    };
}
