using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Autoencoders.Engine.Training;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;

namespace Microsoft.ML.Autoencoders;

/// <summary>
/// The streaming anomaly detector for time series: reads one or more time-ordered Single columns, standardizes each
/// channel with the training series' statistics, cuts sliding windows, trains a sequence autoencoder (LSTM or 1-D
/// convolutional) on them, and returns a <see cref="SequenceAnomalyTransformer"/> that gives every row a Score (that
/// point's reconstruction error: the mean over the windows that cover it, or with <see cref="SequenceScoring.Causal"/>
/// the newest step's error in the window that ends at it), a PredictedLabel and, optionally, each channel's error.
/// Create it with <c>mlContext.AnomalyDetection.Trainers.SequenceAutoencoder(...)</c>.
/// </summary>
/// <remarks>
/// Fit: values [N, C] → standardized with each channel's training mean and standard deviation → windows of T steps every
/// <see cref="SequenceAnomalyOptions.TrainingStride"/> steps → the network trained on them → every training point scored
/// as Transform will score (centered: with all its windows, <see cref="WindowErrors"/>; causal: every point that ends a
/// window, from that window, <see cref="NewestStepErrors"/>) → the threshold from the contamination (the
/// (1 − contamination) quantile of those scores, N of them centered, N − T + 1 causal; with fewer than ⌈1/contamination⌉
/// a warning, <see cref="ThresholdScoreCount"/>) or the explicit value. The training series must be finite and at least
/// T points long.
/// </remarks>
public sealed class SequenceAnomalyEstimator : IEstimator<SequenceAnomalyTransformer>
{
    /// <summary>The defaults the options, the catalog methods and the docs share.</summary>
    public static class Defaults
    {
        /// <summary>ML.NET's anomaly score column.</summary>
        public const string ScoreColumnName = "Score";
        /// <summary>ML.NET's decision column.</summary>
        public const string PredictedLabelColumnName = "PredictedLabel";
        /// <summary>Steps per window: long enough for a daily cycle of half-hourly readings, short enough to train quickly.</summary>
        public const int WindowLength = 32;
        /// <summary>Every window trains.</summary>
        public const int TrainingStride = 1;
        /// <summary>Anomalous points are rare in a metric stream: one in a hundred.</summary>
        public const double Contamination = 0.01;
    }

    private readonly SequenceAnomalyOptions _options;
    private readonly SeriesColumns _columns;
    private readonly AutoencoderOptions _network;
    private readonly IHostEnvironment? _environment;

    /// <summary>Creates the estimator, checking the options now rather than at Fit; prefer the catalog method, whose Fit also logs.</summary>
    public SequenceAnomalyEstimator(SequenceAnomalyOptions options) : this(options, environment: null)
    {
    }

    /// <summary>The estimator whose Fit writes its training lines to <paramref name="environment"/> (null: none).</summary>
    internal SequenceAnomalyEstimator(SequenceAnomalyOptions options, IHostEnvironment? environment)
    {
        _environment = environment;
        ArgumentNullException.ThrowIfNull(options);
        options = options.Snapshot(); // checked below and trained from at Fit, whatever the caller does to its object afterwards
        _options = options;
        _columns = SeriesColumns.FromOptions(options);
        if (options.Architecture == null) throw new ArgumentException("Architecture must hold the network, e.g. SequenceArchitecture.LstmAutoencoder(32, channels).", nameof(options));
        if (options.Architecture.WindowLength < 1)
            throw new ArgumentOutOfRangeException(nameof(options), options.Architecture.WindowLength,
                "Architecture.WindowLength is the number of time steps in each window and must be at least 1 (a few periods of the series is typical, e.g. 32).");
        if (options.Architecture.Channels != _columns.Channels.Length)
            throw new ArgumentException(
                $"Architecture.Channels is {options.Architecture.Channels} but ChannelColumnNames names {_columns.Channels.Length} columns; " +
                $"make them equal (Architecture = ... with {{ Channels = {_columns.Channels.Length} }}).", nameof(options));
        if (!Enum.IsDefined(options.Scoring))
            throw new ArgumentOutOfRangeException(nameof(options), options.Scoring, "Scoring must be SequenceScoring.Centered or SequenceScoring.Causal.");
        if (options.TrainingStride <= 0) throw new ArgumentOutOfRangeException(nameof(options), options.TrainingStride, "TrainingStride must be at least 1.");
        if (options.Threshold is float threshold)
        {
            AnomalyThreshold.CheckNotBothThresholdAndContamination(threshold, options.Contamination, nameof(options));
            AnomalyThreshold.CheckThreshold(threshold, normalizedScores: false, nameof(options.Threshold));
        }
        else AnomalyThreshold.CheckContamination(options.Contamination ?? Defaults.Contamination, nameof(options.Contamination));
        if (options.Autoencoder == null) throw new ArgumentException("Autoencoder must hold the training settings (new AutoencoderOptions() for the defaults).", nameof(options));
        if (options.Autoencoder.Sequence != null || options.Autoencoder.TargetColumnName != null)
            throw new ArgumentException("Autoencoder.Sequence and Autoencoder.TargetColumnName are not used by the sequence detector: set Architecture instead, and leave them null.", nameof(options));
        if (options.Autoencoder.InputColumnName != AutoencoderEstimator.Defaults.InputColumnName)
            throw new ArgumentException(
                $"Autoencoder.InputColumnName is '{options.Autoencoder.InputColumnName}', but the sequence detector reads the channel columns in ChannelColumnNames " +
                "and cuts the windows itself; name the columns there and leave Autoencoder.InputColumnName at its default.", nameof(options));
        OptionsReadByNothing.CheckDetectorNetworkColumns(options.Autoencoder,
            $"the detector writes ScoreColumnName ('{_columns.Score}') and PredictedLabelColumnName ('{_columns.PredictedLabel}') for each time step, and the optional ChannelErrorsColumnName",
            option => option == nameof(AutoencoderOptions.ReconstructionErrorColumnName)
                ? "The point's reconstruction error is the score: name its column with ScoreColumnName."
                : "The network's codes and reconstructions are per window, not per time step; ChannelErrorsColumnName gives each channel's error at the point.");
        _network = NetworkOptions();
        // The autoencoder estimator's own checks: the architecture, and no dense setting that would go unused beside it.
        _ = new AutoencoderEstimator(_network, reservedNamesAllowed: true);
    }

    /// <summary>Trains on the series in <paramref name="input"/>'s channel columns (rows in time order) and sets the threshold.</summary>
    public SequenceAnomalyTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        _columns.CheckInput(input.Schema);
        var architecture = _options.Architecture;
        int windowLength = architecture.WindowLength, channels = _columns.Channels.Length, width = windowLength * channels;
        float[] series = SeriesReader.ReadAll(input, _columns.Channels);
        int points = series.Length / channels;
        for (int i = 0; i < series.Length; i++)
        {
            if (!float.IsFinite(series[i]))
                throw new InvalidOperationException(
                    $"Channel column '{_columns.Channels[i % channels]}' row {i / channels} is {series[i]}: the training series must be finite. " +
                    "Fill such gaps first (e.g. mlContext.Transforms.ReplaceMissingValues), keeping one row per time step.");
        }
        if (points < windowLength)
            throw new InvalidOperationException($"The training series has {points} rows, fewer than one window (Architecture.WindowLength = {windowLength}). Give a longer series or a shorter window.");

        var standardization = SeriesStandardization.Fit(series, points, channels);
        standardization.Apply(series);
        int windows = (points - windowLength) / _options.TrainingStride + 1;
        var trainingWindows = new float[windows * width];
        for (int w = 0; w < windows; w++) series.AsSpan(w * _options.TrainingStride * channels, width).CopyTo(trainingWindows.AsSpan(w * width, width));

        var spec = AutoencoderEstimator.ToSpec(_network, width);
        AutoencoderRegularization.CheckOvercomplete(_network, spec);
        var network = AutoencoderNetwork.Create(spec, _network.Seed);
        var inputRange = _network.Noise == AutoencoderNoise.None ? ((float, float)?)null : TrainingData.Range(trainingWindows, trainingWindows.Length);
        var history = ObservedTraining.Fit(_environment, "sequence autoencoder for the anomaly detector", network,
            AutoencoderEstimator.ToTrainingOptions(_network, inputRange), _network, trainingWindows, null, windows);
        var model = new AutoencoderModel(network, history);

        int threads = _network.NumberOfThreads ?? Environment.ProcessorCount;
        // The threshold must mean the same for either scoring: a quantile of the training points' scores of the kind Transform gives.
        float[] scores = _options.Scoring == SequenceScoring.Causal
            ? NewestStepErrors.ScoreSeries(model, windowLength, channels, series, threads)
            : ScorePoints(model, windowLength, channels, series, threads);
        var distribution = AnomalyScoreDistribution.FromScores(scores);
        double? contamination = _options.Threshold == null ? _options.Contamination ?? Defaults.Contamination : null;
        float threshold = _options.Threshold ?? AnomalyThreshold.FromContamination(distribution, contamination!.Value, normalizedScores: false);
        if (_environment != null && contamination is double c
            && ThresholdScoreCount.Warning(scores.Length, c, _options.Scoring, points, windowLength) is { } warning)
        {
            using var channel = _environment.Register(TrainingLog.ComponentName).Start(TrainingLog.ChannelName);
            channel.Warning(MessageSensitivity.None, "{0}", warning);
        }
        float[] tail = series.AsSpan((points - (windowLength - 1)) * channels).ToArray();
        var state = new SequenceDetectorState(_columns, windowLength, standardization, threshold, contamination, distribution, tail, _options.ContinuesTrainingSeries, _options.Scoring);
        return new SequenceAnomalyTransformer(model, state, threads);
    }

    /// <summary>Every point's score in a whole standardized series, [points, channels], each from all the windows that cover it.</summary>
    internal static float[] ScorePoints(AutoencoderModel model, int windowLength, int channels, float[] series, int threads)
    {
        int points = series.Length / channels;
        var sums = new float[series.Length];
        var counts = new int[points];
        WindowErrors.Accumulate(model, windowLength, channels, series, 0, 0, points, sums, counts, threads);
        var scores = new float[points];
        var channelErrors = new float[channels];
        for (int p = 0; p < points; p++) scores[p] = WindowErrors.PointError(sums, counts, p, series.AsSpan(p * channels, channels), channelErrors);
        return scores;
    }

    /// <summary>Describes the added columns without training: Score (Single), PredictedLabel (Boolean) and the optional channel errors.</summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        foreach (var name in _columns.Channels)
        {
            var column = inputSchema.LastOrDefault(c => c.Name == name);
            if (column.Name == null)
                throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Channel column '{name}' was not found (ChannelColumnNames). Available columns: {string.Join(", ", inputSchema.Select(c => c.Name))}.");
            if (column.Kind != SchemaShape.Column.VectorKind.Scalar || column.ItemType != NumberDataViewType.Single)
                throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Channel column '{name}' must be a Single scalar, one value per row.");
        }
        var result = inputSchema.ToDictionary(c => c.Name);
        result[_columns.Score] = SchemaShapeColumns.Scalar(_columns.Score, NumberDataViewType.Single);
        result[_columns.PredictedLabel] = SchemaShapeColumns.Scalar(_columns.PredictedLabel, BooleanDataViewType.Instance);
        if (_columns.ChannelErrors != null) result[_columns.ChannelErrors] = SchemaShapeColumns.Vector(_columns.ChannelErrors, NumberDataViewType.Single);
        return new SchemaShape(result.Values);
    }

    /// <summary>The user's training settings with the detector's network: a copy, so the caller's object is untouched.</summary>
    private AutoencoderOptions NetworkOptions()
    {
        var copy = _options.Autoencoder.Clone();
        copy.InputColumnName = SeriesColumns.ReservedPrefix + "window";
        copy.EncodedColumnName = null;
        copy.ReconstructionColumnName = null;
        copy.ReconstructionErrorColumnName = SeriesColumns.ReservedPrefix + "error"; // unused: the detector reads reconstructions itself
        copy.DenoisedColumnName = null;
        copy.Sequence = _options.Architecture;
        return copy;
    }
}
