namespace Microsoft.ML.Autoencoders.Tests;

/// <summary>
/// Autoencoder settings small enough to train in milliseconds on <see cref="SyntheticData"/>, so that every test
/// can fit its own model. One thread keeps training reproducible from run to run.
/// </summary>
internal static class TestAutoencoders
{
    public const int CodeSize = 3;

    /// <summary>12 → 8 → 3 → 8 → 12 with all three outputs under their usual names.</summary>
    public static AutoencoderOptions Options(int epochs = 8, int seed = 0) => new()
    {
        InputColumnName = "Features",
        EncodedColumnName = "Encoded",
        ReconstructionColumnName = "Reconstruction",
        ReconstructionErrorColumnName = "Error",
        HiddenLayerSizes = [8],
        CodeSize = CodeSize,
        // SyntheticData lies in (0, 1).
        OutputActivation = AutoencoderActivation.Sigmoid,
        Epochs = epochs,
        BatchSize = 32,
        LearningRate = 0.01f,
        Seed = seed,
        NumberOfThreads = 1,
    };

    /// <summary>
    /// <see cref="Options"/> for a detector's network: without the reconstruction and error columns, which a detector
    /// refuses because it writes its own.
    /// </summary>
    public static AutoencoderOptions DetectorNetwork(int epochs = 8, int seed = 0)
    {
        var options = Options(epochs, seed);
        options.ReconstructionColumnName = options.ReconstructionErrorColumnName = null;
        return options;
    }

    /// <summary>Fits <see cref="Options"/> (after <paramref name="configure"/>) on <paramref name="data"/>.</summary>
    public static AutoencoderTransformer Fit(MLContext mlContext, IDataView data, Action<AutoencoderOptions>? configure = null)
    {
        var options = Options();
        configure?.Invoke(options);
        return mlContext.Transforms.Autoencoder(options).Fit(data);
    }
}
