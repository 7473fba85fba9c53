namespace Microsoft.ML.Autoencoders;

/// <summary>
/// How long training runs when the user leaves both <see cref="AutoencoderOptions.Epochs"/> and
/// <see cref="AutoencoderOptions.BatchSize"/> at their defaults: long enough for the data at hand. Ten epochs of 256 rows
/// are 2,350 gradient steps on MNIST but 10 on a 150-row table, where the codes stay near their random start; so the batch
/// shrinks to about a tenth of the rows (not below 16) and the epochs grow until training takes at least
/// <see cref="MinimumSteps"/> steps (not past <see cref="MaximumEpochs"/>). On MNIST-sized data both stay at their defaults.
/// Either setting changed by the user keeps both as given.
/// </summary>
internal static class TrainingLength
{
    /// <summary>
    /// The fewest gradient steps an adapted run takes. On scikit-learn's digits, wine and breast-cancer tables a default
    /// model's codes matched PCA's at the same rank with 2,000 (within one row of 569), and fell 0.1–1.8 points short with 1,000
    /// (samples/TabularFeatures); MNIST's 10 epochs of 256 are 2,350, so it keeps them.
    /// </summary>
    public const int MinimumSteps = 2000;

    /// <summary>The smallest adapted batch: below it the step's noise outweighs the extra steps.</summary>
    public const int MinimumBatchSize = 16;

    /// <summary>The most epochs an adapted run takes, however few the rows.</summary>
    public const int MaximumEpochs = 300;

    /// <summary>The epochs and batch size to train <paramref name="trainingRows"/> rows with.</summary>
    public static (int Epochs, int BatchSize) For(AutoencoderOptions options, int trainingRows)
    {
        if (options.Epochs != AutoencoderEstimator.Defaults.Epochs || options.BatchSize != AutoencoderEstimator.Defaults.BatchSize || trainingRows <= 0)
            return (options.Epochs, options.BatchSize);
        int rows = Math.Max(1, (int)Math.Round(trainingRows * (1 - options.ValidationFraction)));
        int batchSize = Math.Clamp(rows / 10, MinimumBatchSize, AutoencoderEstimator.Defaults.BatchSize);
        int batchesPerEpoch = (rows + batchSize - 1) / batchSize;
        int epochs = Math.Clamp((MinimumSteps + batchesPerEpoch - 1) / batchesPerEpoch, AutoencoderEstimator.Defaults.Epochs, MaximumEpochs);
        return (epochs, batchSize);
    }
}
