using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders;

/// <summary>
/// Trains an autoencoder on (mostly) normal rows and returns an <see cref="AutoencoderAnomalyTransformer"/> that scores
/// rows by their reconstruction error: <c>Score</c> (Single, higher = more anomalous) and <c>PredictedLabel</c>
/// (Boolean), the columns <c>mlContext.AnomalyDetection.Evaluate</c> reads. Create it with
/// <c>mlContext.AnomalyDetection.Trainers.Autoencoder(...)</c>.
/// </summary>
/// <remarks>
/// Fit trains the network exactly as <see cref="AutoencoderEstimator"/> would (any kind), scores every training row
/// with the trained network, keeps the scores' quantile table (<see cref="AnomalyScoreDistribution"/>) and sets the
/// threshold from the contamination, or takes the explicit one.
/// </remarks>
public sealed class AutoencoderAnomalyEstimator : IEstimator<AutoencoderAnomalyTransformer>
{
    /// <summary>The defaults the options, the catalog methods and the docs share.</summary>
    public static class Defaults
    {
        /// <summary>ML.NET's conventional feature column.</summary>
        public const string FeatureColumnName = "Features";
        /// <summary>ML.NET's anomaly score column.</summary>
        public const string ScoreColumnName = "Score";
        /// <summary>ML.NET's decision column.</summary>
        public const string PredictedLabelColumnName = "PredictedLabel";
        /// <summary>PyOD's default contamination.</summary>
        public const double Contamination = 0.1;
    }

    // The column the inner autoencoder writes its error to; dropped before the user sees the schema.
    internal const string ErrorColumn = AnomalyColumns.ReservedPrefix + "error";
    internal const string ReconstructionColumn = AnomalyColumns.ReservedPrefix + "reconstruction";

    private readonly AutoencoderAnomalyOptions _options;
    private readonly AnomalyColumns _columns;
    private readonly AutoencoderEstimator _autoencoder;

    /// <summary>Creates the estimator, checking the options now rather than at Fit; prefer the catalog method.</summary>
    public AutoencoderAnomalyEstimator(AutoencoderAnomalyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Autoencoder == null)
            throw new ArgumentException("Autoencoder must hold the network's options (new AutoencoderOptions() for the defaults).", nameof(options));
        _options = options;
        _columns = AnomalyColumns.FromOptions(options);
        if (options.Threshold is float threshold) AnomalyThreshold.CheckThreshold(threshold, options.NormalizeScores, nameof(options.Threshold));
        else AnomalyThreshold.CheckContamination(options.Contamination, nameof(options.Contamination));
        if (options.Autoencoder.TargetColumnName != null)
            throw new ArgumentException(
                "Autoencoder.TargetColumnName is set, but an anomaly detector scores how well each row reconstructs itself; leave it null.", nameof(options));
        if (options.Autoencoder.InputColumnName != AutoencoderEstimator.Defaults.InputColumnName && options.Autoencoder.InputColumnName != options.FeatureColumnName)
            throw new ArgumentException(
                $"Autoencoder.InputColumnName is '{options.Autoencoder.InputColumnName}' but the detector reads FeatureColumnName ('{options.FeatureColumnName}'); set FeatureColumnName instead.", nameof(options));
        // One autoencoder estimator for the detector's lifetime: its constructor runs the network's own checks now,
        // before any data is read, and Fit and GetOutputSchema use it as it is.
        _autoencoder = new AutoencoderEstimator(NetworkOptions());
    }

    /// <summary>Trains the network on <paramref name="input"/>'s feature column and sets the threshold from its scores.</summary>
    public AutoencoderAnomalyTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var autoencoder = _autoencoder.Fit(input, out int rows, out float[] data);
        int threads = _options.Autoencoder.NumberOfThreads ?? Environment.ProcessorCount;

        // Score the training rows the estimator already read, in batches of the engine's own size, straight from the array.
        float[] scores = autoencoder.Model.ReconstructionErrors(data, rows, threads);
        var distribution = AnomalyScoreDistribution.FromScores(scores);

        double? contamination = _options.Threshold.HasValue ? null : _options.Contamination;
        float threshold = _options.Threshold
            ?? AnomalyThreshold.FromContamination(distribution, _options.Contamination, _options.NormalizeScores);
        var state = new AnomalyDetectorState(_columns, threshold, contamination, _options.NormalizeScores, distribution);
        return new AutoencoderAnomalyTransformer(autoencoder.Model, state, autoencoder.ScoringThreads);
    }

    /// <summary>Describes the added columns without training: Score (Single), PredictedLabel (Boolean) and the optional feature errors.</summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        _ = _autoencoder.GetOutputSchema(inputSchema); // checks the feature column
        var result = inputSchema.ToDictionary(c => c.Name);
        result[_columns.Score] = SchemaShapeColumns.Scalar(_columns.Score, NumberDataViewType.Single);
        result[_columns.PredictedLabel] = SchemaShapeColumns.Scalar(_columns.PredictedLabel, BooleanDataViewType.Instance);
        if (_columns.FeatureErrors != null) result[_columns.FeatureErrors] = SchemaShapeColumns.Vector(_columns.FeatureErrors, NumberDataViewType.Single);
        return new SchemaShape(result.Values);
    }

    /// <summary>
    /// The user's autoencoder options with the detector's columns: a copy (<see cref="AutoencoderOptions.Clone"/>), so the
    /// caller's object is untouched and every setting — including ones added for future kinds — carries over unlisted.
    /// </summary>
    private AutoencoderOptions NetworkOptions()
    {
        var copy = _options.Autoencoder.Clone();
        copy.InputColumnName = _columns.Features;
        copy.EncodedColumnName = null;
        copy.ReconstructionColumnName = null;
        copy.DenoisedColumnName = null;
        copy.ReconstructionErrorColumnName = ErrorColumn;
        return copy;
    }
}
