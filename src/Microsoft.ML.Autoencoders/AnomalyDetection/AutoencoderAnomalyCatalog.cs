using Microsoft.ML.Autoencoders.Engine.Training;

namespace Microsoft.ML.Autoencoders;

/// <summary>
/// The autoencoder anomaly detector on <c>mlContext.AnomalyDetection.Trainers</c>, beside ML.NET's RandomizedPca. Add
/// <c>using Microsoft.ML.Autoencoders;</c> and call <c>mlContext.AnomalyDetection.Trainers.Autoencoder(...)</c>.
/// </summary>
public static class AutoencoderAnomalyCatalog
{
    /// <summary>
    /// Trains a dense autoencoder on <paramref name="featureColumnName"/> and scores rows by reconstruction error, with a
    /// threshold that flags a fraction <paramref name="contamination"/> of the training rows.
    /// </summary>
    /// <param name="catalog">The anomaly-detection trainers catalog.</param>
    /// <param name="featureColumnName">The input column: a known-size vector of Single.</param>
    /// <param name="codeSize">The code (bottleneck) width; smaller than the input, or the network can learn the identity.</param>
    /// <param name="hiddenLayerSizes">The encoder's hidden widths, outermost first (mirrored by the decoder); null for none.</param>
    /// <param name="epochs">Passes over the training data.</param>
    /// <param name="contamination">The expected fraction of anomalies in the training data, in (0, 0.5].</param>
    /// <param name="normalizeScores">Report Score in [0, 1] against the training scores instead of the raw error.</param>
    /// <param name="featureErrorsColumnName">A column for each feature's squared reconstruction error, or null for none.</param>
    /// <param name="batchSize">Rows per gradient step.</param>
    /// <param name="learningRate">Adam's step size.</param>
    /// <param name="seed">Fixes initialization and shuffling.</param>
    /// <param name="progress">Told each epoch's metrics as it ends (see <see cref="AutoencoderOptions.Progress"/>); null for none.</param>
    /// <param name="cancellationToken">Stops Fit within one batch with <see cref="OperationCanceledException"/>.</param>
    /// <example><code>
    /// var detector = mlContext.AnomalyDetection.Trainers.Autoencoder("Features", codeSize: 16, hiddenLayerSizes: [64], contamination: 0.05).Fit(train);
    /// var metrics = mlContext.AnomalyDetection.EvaluateAutoencoder(detector.Transform(test));
    /// </code></example>
    public static AutoencoderAnomalyEstimator Autoencoder(
        this AnomalyDetectionCatalog.AnomalyDetectionTrainers catalog,
        string featureColumnName = AutoencoderAnomalyEstimator.Defaults.FeatureColumnName,
        int codeSize = AutoencoderEstimator.Defaults.CodeSize,
        int[]? hiddenLayerSizes = null,
        int epochs = AutoencoderEstimator.Defaults.Epochs,
        double contamination = AutoencoderAnomalyEstimator.Defaults.Contamination,
        bool normalizeScores = false,
        string? featureErrorsColumnName = null,
        int batchSize = AutoencoderEstimator.Defaults.BatchSize,
        float learningRate = AutoencoderEstimator.Defaults.LearningRate,
        int seed = AutoencoderEstimator.Defaults.Seed,
        IProgress<EpochMetrics>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return Autoencoder(catalog, new AutoencoderAnomalyOptions
        {
            FeatureColumnName = featureColumnName,
            Contamination = contamination,
            NormalizeScores = normalizeScores,
            FeatureErrorsColumnName = featureErrorsColumnName,
            // The detector chooses its own output columns, so only the network's shape and training come from here.
            Autoencoder = AutoencoderCatalog.CommonOptions(featureColumnName, AutoencoderEstimator.Defaults.EncodedColumnName,
                reconstructionColumnName: null, codeSize, hiddenLayerSizes, epochs, batchSize, learningRate, seed, progress, cancellationToken),
        });
    }

    /// <summary>
    /// Puts the detector's threshold and score rule on an autoencoder made elsewhere, imported from ONNX: Fit trains
    /// nothing, it scores the rows and flags a fraction <paramref name="contamination"/> of them.
    /// </summary>
    /// <param name="catalog">The anomaly-detection trainers catalog.</param>
    /// <param name="importedModel">The imported graph (<c>OnnxAutoencoderModel.Load</c>).</param>
    /// <param name="featureColumnName">The input column: a known-size vector of Single of the graph's per-row size.</param>
    /// <param name="contamination">The expected fraction of anomalies in the rows Fit sees, in (0, 0.5].</param>
    /// <param name="normalizeScores">Report Score in [0, 1] against the fitted rows' scores instead of the raw error.</param>
    /// <example><code>
    /// using var imported = OnnxAutoencoderModel.Load("pca.onnx", "x", "reconstruction");
    /// var detector = mlContext.AnomalyDetection.Trainers.Autoencoder(imported, contamination: 0.05).Fit(normalRows);
    /// </code></example>
    public static AutoencoderAnomalyEstimator Autoencoder(
        this AnomalyDetectionCatalog.AnomalyDetectionTrainers catalog,
        OnnxAutoencoderModel importedModel,
        string featureColumnName = AutoencoderAnomalyEstimator.Defaults.FeatureColumnName,
        double contamination = AutoencoderAnomalyEstimator.Defaults.Contamination,
        bool normalizeScores = false)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(importedModel);
        return Autoencoder(catalog, new AutoencoderAnomalyOptions
        {
            FeatureColumnName = featureColumnName,
            Contamination = contamination,
            NormalizeScores = normalizeScores,
            ImportedModel = importedModel,
        });
    }

    /// <summary>
    /// Trains the detector configured by <paramref name="options"/>: any kind of autoencoder (set its options in
    /// <see cref="AutoencoderAnomalyOptions.Autoencoder"/>), a contamination or explicit threshold, normalization and explanations.
    /// </summary>
    /// <param name="catalog">The anomaly-detection trainers catalog.</param>
    /// <param name="options">Columns, threshold and the autoencoder's own options.</param>
    public static AutoencoderAnomalyEstimator Autoencoder(this AnomalyDetectionCatalog.AnomalyDetectionTrainers catalog, AutoencoderAnomalyOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        // The catalog's environment, so that the training lines reach mlContext.Log.
        return new AutoencoderAnomalyEstimator(options, CatalogEnvironment.Of(catalog));
    }
}
