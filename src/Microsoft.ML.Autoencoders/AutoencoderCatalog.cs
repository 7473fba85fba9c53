namespace Microsoft.ML.Autoencoders;

/// <summary>
/// Autoencoders on <c>mlContext.Transforms</c>. Add <c>using Microsoft.ML.Autoencoders;</c> and call
/// <c>mlContext.Transforms.Autoencoder(...)</c>.
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
        int seed = AutoencoderEstimator.Defaults.Seed)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new AutoencoderEstimator(new AutoencoderOptions
        {
            InputColumnName = inputColumnName,
            EncodedColumnName = outputColumnName,
            ReconstructionColumnName = reconstructionColumnName,
            ReconstructionErrorColumnName = reconstructionErrorColumnName,
            CodeSize = codeSize,
            HiddenLayerSizes = hiddenLayerSizes ?? AutoencoderEstimator.Defaults.HiddenLayerSizes,
            Epochs = epochs,
            BatchSize = batchSize,
            LearningRate = learningRate,
            Seed = seed,
        });
    }

    /// <summary>Trains a dense autoencoder configured by <paramref name="options"/>.</summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="options">Columns, architecture and training settings.</param>
    public static AutoencoderEstimator Autoencoder(this TransformsCatalog catalog, AutoencoderOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new AutoencoderEstimator(options);
    }
}
