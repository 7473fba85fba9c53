using Microsoft.ML.Data;
using Microsoft.ML.Runtime;

namespace Microsoft.ML.Autoencoders;

/// <summary>
/// Trains an autoencoder on (mostly) normal rows and returns an <see cref="AutoencoderAnomalyTransformer"/> that scores
/// rows by their reconstruction error: <c>Score</c> (Single, higher = more anomalous) and <c>PredictedLabel</c>
/// (Boolean), the columns <c>mlContext.AnomalyDetection.Evaluate</c> reads. Create it with
/// <c>mlContext.AnomalyDetection.Trainers.Autoencoder(...)</c>.
/// </summary>
/// <remarks>
/// With <see cref="AutoencoderAnomalyOptions.ImportedModel"/> (an ONNX autoencoder made elsewhere) nothing is trained:
/// Fit scores the rows with the imported graph and sets the threshold from those scores, as below.
/// Otherwise Fit trains the network exactly as <see cref="AutoencoderEstimator"/> would (any kind), scores every training row
/// with the trained network, keeps the scores' quantile table (<see cref="AnomalyScoreDistribution"/>) and sets the
/// threshold from the contamination, or takes the explicit one. With a false-alarm budget it first holds out a random
/// fraction of the rows, trains on the rest, and sets the threshold from the held-out rows' scores
/// (<see cref="AnomalyReferenceScores"/>); <see cref="Fit(IDataView, IDataView)"/> takes the calibration rows explicitly.
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
        /// <summary>The share of the training rows held out to calibrate a false-alarm threshold.</summary>
        public const double CalibrationFraction = 0.2;
        /// <summary>Rows that cannot be scored are flagged, never called normal.</summary>
        public const InvalidRowPolicy InvalidRowPolicy = Autoencoders.InvalidRowPolicy.FlagAsAnomaly;
        /// <summary>How many input columns an explanation names.</summary>
        public const int ExplanationTopK = 3;
    }

    // The column the inner autoencoder writes its error to; dropped before the user sees the schema.
    internal const string ErrorColumn = AnomalyColumns.ReservedPrefix + "error";
    internal const string ReconstructionColumn = AnomalyColumns.ReservedPrefix + "reconstruction";

    private readonly AutoencoderAnomalyOptions _options;
    private readonly AnomalyColumns _columns;
    private readonly AutoencoderEstimator _autoencoder;

    /// <summary>Creates the estimator, checking the options now rather than at Fit; prefer the catalog method, whose Fit also logs.</summary>
    public AutoencoderAnomalyEstimator(AutoencoderAnomalyOptions options) : this(options, environment: null)
    {
    }

    /// <summary>The estimator whose Fit writes its training lines to <paramref name="environment"/> (null: none).</summary>
    internal AutoencoderAnomalyEstimator(AutoencoderAnomalyOptions options, IHostEnvironment? environment)
    {
        ArgumentNullException.ThrowIfNull(options);
        options = options.Snapshot(); // checked below and trained from at Fit, whatever the caller does to its object afterwards
        if (options.Autoencoder == null)
            throw new ArgumentException("Autoencoder must hold the network's options (new AutoencoderOptions() for the defaults).", nameof(options));
        _options = options;
        _columns = AnomalyColumns.FromOptions(options);
        if (options.FalseAlarmRate is double falseAlarmRate)
        {
            AnomalyThreshold.CheckFalseAlarmRate(falseAlarmRate, nameof(options.FalseAlarmRate));
            if (options.Threshold != null || options.Contamination != null)
                throw new ArgumentException(
                    $"FalseAlarmRate ({falseAlarmRate}) and {(options.Threshold != null ? $"Threshold ({options.Threshold})" : $"Contamination ({options.Contamination})")} " +
                    "both set the threshold; set only one of them.", nameof(options));
            AnomalyThreshold.CheckNotNormalized(options.NormalizeScores, nameof(options));
        }
        else if (options.Threshold is float threshold)
        {
            AnomalyThreshold.CheckNotBothThresholdAndContamination(threshold, options.Contamination, nameof(options));
            AnomalyThreshold.CheckThreshold(threshold, options.NormalizeScores, nameof(options.Threshold));
        }
        else AnomalyThreshold.CheckContamination(ContaminationOrDefault, nameof(options.Contamination));
        if (options.CalibrationFraction is double fraction) AnomalyThreshold.CheckCalibrationFraction(fraction, nameof(options.CalibrationFraction));
        if (!Enum.IsDefined(options.ScoreSource))
            throw new ArgumentOutOfRangeException(nameof(options), options.ScoreSource, "ScoreSource must be ReconstructionError or NegativeElbo.");
        if (options.StandardizeFeatures && options.ImportedModel != null)
            throw new ArgumentException("StandardizeFeatures puts a standardization in front of a network trained here; an imported ONNX model expects its own inputs. Standardize in the pipeline that feeds it.", nameof(options));
        if (options.StandardizeFeatures && options.Autoencoder.Loss == AutoencoderLoss.BinaryCrossEntropy)
            throw new ArgumentException(
                "StandardizeFeatures gives each feature mean 0, so about half its values fall below 0, which BinaryCrossEntropy " +
                "(a Bernoulli likelihood, for values in [0, 1]) cannot read: for features already in [0, 1] leave StandardizeFeatures off, " +
                "else use Loss = AutoencoderLoss.MeanSquaredError.", nameof(options));
        if (options.ScoreSource == AnomalyScoreSource.NegativeElbo && options.ImportedModel != null)
            throw new ArgumentException("ScoreSource NegativeElbo needs a variational network trained here; an imported ONNX model is scored by its reconstruction error.", nameof(options));
        if (options.ScoreSource == AnomalyScoreSource.NegativeElbo && options.Autoencoder is { Variational: false })
            throw new ArgumentException("ScoreSource NegativeElbo scores a variational autoencoder: set Autoencoder.Variational (and its likelihood), or score by ReconstructionError.", nameof(options));
        if (!Enum.IsDefined(options.InvalidRowPolicy))
            throw new ArgumentOutOfRangeException(nameof(options), options.InvalidRowPolicy, "InvalidRowPolicy must be FlagAsAnomaly or Throw.");
        if (options.Autoencoder.TargetColumnName != null)
            throw new ArgumentException(
                "Autoencoder.TargetColumnName is set, but an anomaly detector scores how well each row reconstructs itself; leave it null.", nameof(options));
        if (options.Autoencoder.InputColumnName != AutoencoderEstimator.Defaults.InputColumnName && options.Autoencoder.InputColumnName != options.FeatureColumnName)
            throw new ArgumentException(
                $"Autoencoder.InputColumnName is '{options.Autoencoder.InputColumnName}' but the detector reads FeatureColumnName ('{options.FeatureColumnName}'); set FeatureColumnName instead.", nameof(options));
        OptionsReadByNothing.CheckDetectorNetworkColumns(options.Autoencoder,
            $"the detector writes ScoreColumnName ('{_columns.Score}') and PredictedLabelColumnName ('{_columns.PredictedLabel}'), and the optional " +
            "PValueColumnName, FeatureErrorsColumnName and explanation columns",
            option => option switch
            {
                nameof(AutoencoderOptions.EncodedColumnName) => "For the code, call detector.Model.Encode(rows) on the fitted detector (detector.ImportedModel.Encode on an imported graph).",
                nameof(AutoencoderOptions.ReconstructionErrorColumnName) => "The reconstruction error is the score: name its column with ScoreColumnName.",
                nameof(AutoencoderOptions.NegativeElboColumnName) => "To score by a variational network's negative ELBO, set ScoreSource = NegativeElbo: Score then holds it.",
                _ => "For how well each feature reconstructs, set FeatureErrorsColumnName (each feature's squared error); for the reconstruction itself, call detector.Model.Reconstruct(rows) (detector.ImportedModel.Reconstruct on an imported graph).",
            });
        // One autoencoder estimator for the detector's lifetime: its constructor runs the network's own checks now,
        // before any data is read, and Fit and GetOutputSchema use it as it is.
        _autoencoder = new AutoencoderEstimator(NetworkOptions(), reservedNamesAllowed: true)
        {
            InputOption = InputColumn.DetectorOption, LogEnvironment = environment, LogPurpose = " for the anomaly detector",
        };
    }

    /// <summary>
    /// Trains the network on <paramref name="input"/>'s feature column and sets the threshold from its scores, or, with a
    /// false-alarm budget (or an explicit <see cref="AutoencoderAnomalyOptions.CalibrationFraction"/>), trains on a random
    /// part of the rows and calibrates on the rest.
    /// </summary>
    public AutoencoderAnomalyTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        double? fraction = _options.CalibrationFraction ?? (_options.FalseAlarmRate.HasValue ? Defaults.CalibrationFraction : null);
        if (_options.ImportedModel is { } imported) return FitImported(ReadingFor(imported, input), input, fraction);
        if (fraction is not double holdOut) return FitCore(input, calibration: null);

        var names = FeatureNames(input);
        var (view, standardization) = Standardized(input, holdOut);
        int[] trainRows = [], calibrationRows = [];
        var autoencoder = _autoencoder.Fit(view, rows =>
        {
            (trainRows, calibrationRows) = CalibrationSplit(rows, holdOut, _options.Autoencoder.Seed);
            return trainRows;
        }, out _, out float[] data);
        int inputSize = autoencoder.Model.InputSize;
        return Calibrated(new EngineDetectorNetwork(autoencoder.Model, _options.ScoreSource), autoencoder.ScoringThreads,
            TrainingData.Gather(data, trainRows, inputSize), trainRows.Length,
            TrainingData.Gather(data, calibrationRows, inputSize), calibrationRows.Length, names, standardization);
    }

    /// <summary>
    /// Trains the network on every row of <paramref name="trainData"/>, and calibrates the threshold (with a false-alarm
    /// budget) and the p-values on <paramref name="calibrationData"/>: normal rows the network does not train on, drawn as
    /// the rows to be scored will be. The threshold comes from the contamination or explicit threshold when no
    /// false-alarm budget is set; the calibration rows then serve the p-values only.
    /// </summary>
    public AutoencoderAnomalyTransformer Fit(IDataView trainData, IDataView calibrationData)
    {
        ArgumentNullException.ThrowIfNull(trainData);
        ArgumentNullException.ThrowIfNull(calibrationData);
        if (_options.CalibrationFraction != null)
            throw new ArgumentException(
                $"CalibrationFraction ({_options.CalibrationFraction}) holds training rows out for calibration, but calibration data was given too. " +
                "Leave CalibrationFraction null to calibrate on the given rows, or call Fit(trainData) to hold rows out.", nameof(calibrationData));
        return FitCore(trainData, calibrationData);
    }

    private AutoencoderAnomalyTransformer FitCore(IDataView input, IDataView? calibration)
    {
        if (_options.ImportedModel is { } given)
        {
            var imported = ReadingFor(given, input);
            var (rows, data) = ReadCalibrationRows(input, _columns.Features, imported.InputSize, role: DataRole.ScoredTraining, cancellation: _options.Autoencoder.CancellationToken);
            var (calibrationRows, calibrationData) = ReadCalibrationRows(calibration!, _columns.Features, imported.InputSize, cancellation: _options.Autoencoder.CancellationToken);
            return Calibrated(new ImportedDetectorNetwork(imported), imported.NumberOfThreads, data, rows, calibrationData, calibrationRows, FeatureNames(input));
        }
        var names = FeatureNames(input);
        var (view, standardization) = Standardized(input, holdOut: null);
        var autoencoder = _autoencoder.Fit(view, out int trainRows, out float[] trainData);
        var network = new EngineDetectorNetwork(autoencoder.Model, _options.ScoreSource);
        if (calibration == null) return Calibrated(network, autoencoder.ScoringThreads, trainData, trainRows, calibrationData: null, calibrationRows: 0, names, standardization);
        var (heldOutRows, heldOutData) = ReadCalibrationRows(calibration, _columns.Features, autoencoder.Model.InputSize, cancellation: _options.Autoencoder.CancellationToken);
        if (standardization != null) heldOutData = standardization.Apply(heldOutData, heldOutRows);
        return Calibrated(network, autoencoder.ScoringThreads, trainData, trainRows, heldOutData, heldOutRows, names, standardization);
    }

    /// <summary>Which input column each feature slot came from, read from the feature column's slot names.</summary>
    private AnomalyFeatureNames FeatureNames(IDataView input)
    {
        int width = InputColumn.GetVectorSize(input.Schema, _columns.Features, InputColumn.DetectorOption);
        return AnomalyFeatureNames.FromSchema(input.Schema, _columns.Features, width);
    }

    /// <summary>
    /// With <see cref="AutoencoderAnomalyOptions.StandardizeFeatures"/>, the standardization fitted on the rows the network
    /// will train on (not the held-out calibration rows, whose exchangeability with new rows the false-alarm bound needs),
    /// and a view whose feature column is standardized by it; otherwise <paramref name="input"/> unchanged. Reads the feature
    /// column once more than training does, a price paid only with the option.
    /// </summary>
    private (IDataView View, FeatureStandardization? Standardization) Standardized(IDataView input, double? holdOut)
    {
        if (!_options.StandardizeFeatures) return (input, null);
        int width = InputColumn.GetVectorSize(input.Schema, _columns.Features, InputColumn.DetectorOption);
        var (rows, data) = TrainingData.ReadDense(input, _columns.Features, width, cancellation: _options.Autoencoder.CancellationToken);
        int[] trainRows = holdOut is double fraction ? CalibrationSplit(rows, fraction, _options.Autoencoder.Seed).Train : [.. Enumerable.Range(0, rows)];
        var standardization = FeatureStandardization.Fit(TrainingData.Gather(data, trainRows, width), trainRows.Length, width);
        var vector = new VectorDataViewType(NumberDataViewType.Single, width);
        var inputDefinition = SchemaDefinition.Create(typeof(StandardizationRow), SchemaDefinition.Direction.Read);
        var outputDefinition = SchemaDefinition.Create(typeof(StandardizationRow), SchemaDefinition.Direction.Write);
        foreach (var definition in new[] { inputDefinition, outputDefinition })
        {
            definition[nameof(StandardizationRow.Features)].ColumnName = _columns.Features;
            definition[0].ColumnType = vector;
        }
        var mapping = new MLContext().Transforms.CustomMapping<StandardizationRow, StandardizationRow>(
            (row, output) =>
            {
                output.Features = new float[width];
                standardization.ApplyRow(row.Features, output.Features);
            },
            contractName: null, inputDefinition, outputDefinition);
        return (mapping.Fit(input).Transform(input), standardization);
    }

    /// <summary>One row's features, for the standardizing view the network trains on.</summary>
    internal sealed class StandardizationRow
    {
        public float[] Features { get; set; } = [];
    }

    /// <summary>
    /// The imported graph as the feature column reads it: for a fixed batch [B, d] taken as the batch, a column of B·d
    /// values makes the whole tensor one row (see <see cref="OnnxAutoencoderModel.ReadingForWidth"/>).
    /// </summary>
    private OnnxAutoencoderModel ReadingFor(OnnxAutoencoderModel imported, IDataView input) =>
        input.Schema.GetColumnOrNull(_columns.Features) is { Type: VectorDataViewType { Size: > 0 } vector } ? imported.ReadingForWidth(vector.Size) : imported;

    /// <summary>
    /// A detector on an imported graph: nothing is trained. Every row is scored; with a hold-out fraction the same seeded
    /// split as for a trained network picks the rows the threshold is calibrated on, and the rest form the score table.
    /// </summary>
    private AutoencoderAnomalyTransformer FitImported(OnnxAutoencoderModel imported, IDataView input, double? fraction)
    {
        var network = new ImportedDetectorNetwork(imported);
        var (rows, data) = ReadCalibrationRows(input, _columns.Features, imported.InputSize, role: DataRole.ScoredTraining, cancellation: _options.Autoencoder.CancellationToken);
        var names = FeatureNames(input);
        if (fraction is not double holdOut) return Calibrated(network, imported.NumberOfThreads, data, rows, calibrationData: null, calibrationRows: 0, names);
        var (trainRows, calibrationRows) = CalibrationSplit(rows, holdOut, _options.Autoencoder.Seed);
        return Calibrated(network, imported.NumberOfThreads,
            TrainingData.Gather(data, trainRows, imported.InputSize), trainRows.Length,
            TrainingData.Gather(data, calibrationRows, imported.InputSize), calibrationRows.Length, names);
    }

    /// <summary>The rows of <paramref name="calibration"/>'s feature column, checked like training rows.</summary>
    internal static (int Rows, float[] Data) ReadCalibrationRows(IDataView calibration, string featureColumn, int inputSize, DataRole? role = null,
        CancellationToken cancellation = default)
    {
        InputColumn.CheckMatches(calibration.Schema, featureColumn, inputSize, InputColumn.DetectorOption);
        return TrainingData.ReadDense(calibration, featureColumn, inputSize, role ?? DataRole.Calibration, cancellation: cancellation);
    }

    /// <summary>
    /// The detector for a trained network: the training rows' score table, the reference scores (the calibration rows'
    /// when given, else the training rows' when p-values are asked for), and the threshold.
    /// </summary>
    private AutoencoderAnomalyTransformer Calibrated(DetectorNetwork network, int scoringThreads, float[] trainData, int trainRows, float[]? calibrationData, int calibrationRows,
        AnomalyFeatureNames names, FeatureStandardization? standardization = null)
    {
        int threads = _options.Autoencoder.NumberOfThreads ?? Environment.ProcessorCount;
        // Score the training rows the estimator already read, in batches of the network's own size, straight from the array.
        float[] scores = network.RawScores(trainData, trainRows, threads);
        var distribution = AnomalyScoreDistribution.FromScores(scores);
        AnomalyReferenceScores? reference =
            calibrationData != null ? AnomalyReferenceScores.FromScores(network.RawScores(calibrationData, calibrationRows, threads), isHeldOut: true)
            : _columns.PValue != null ? AnomalyReferenceScores.FromScores(scores, isHeldOut: false)
            : null;

        float threshold;
        double? contamination = null;
        if (_options.FalseAlarmRate is double falseAlarmRate) threshold = reference!.FalseAlarmThreshold(falseAlarmRate);
        else if (_options.Threshold is float explicitThreshold) threshold = explicitThreshold;
        else
        {
            contamination = ContaminationOrDefault;
            threshold = AnomalyThreshold.FromContamination(distribution, contamination.Value, _options.NormalizeScores);
        }
        var state = new AnomalyDetectorState(_columns, threshold, contamination, _options.NormalizeScores, distribution)
        {
            FalseAlarmRate = _options.FalseAlarmRate,
            ReferenceScores = reference,
            InvalidRowPolicy = _options.InvalidRowPolicy,
            ScoreSource = _options.ScoreSource,
            FeatureNames = names,
            ExplanationTopK = _columns.Explanation != null ? AnomalyCulprits.Count(names, _options.ExplanationTopK) : 0,
            Standardization = standardization,
        };
        return new AutoencoderAnomalyTransformer(network, state, scoringThreads);
    }

    /// <summary>
    /// A seeded random split of <paramref name="rows"/> row indices: round(fraction × rows) calibration rows, the rest for
    /// training, each list ascending. A random split, not the last rows, so that sorted or grouped data still gives
    /// calibration rows drawn like the rest — the exchangeability the false-alarm bound rests on.
    /// </summary>
    internal static (int[] Train, int[] Calibration) CalibrationSplit(int rows, double fraction, int seed)
    {
        int calibrationCount = (int)Math.Round(rows * fraction, MidpointRounding.AwayFromZero);
        if (calibrationCount < 1 || calibrationCount > rows - 1)
            throw new InvalidOperationException(
                $"Holding out {fraction:P0} of {rows} training rows for calibration leaves {calibrationCount} calibration and {rows - calibrationCount} training rows; " +
                "both need at least one. Give more rows, change CalibrationFraction, or pass calibration data to Fit(trainData, calibrationData).");
        var order = Enumerable.Range(0, rows).ToArray();
        new Random(seed).Shuffle(order);
        var calibration = order[..calibrationCount];
        var train = order[calibrationCount..];
        Array.Sort(calibration);
        Array.Sort(train);
        return (train, calibration);
    }

    private double ContaminationOrDefault => _options.Contamination ?? Defaults.Contamination;

    /// <summary>Describes the added columns without training: Score (Single), PredictedLabel (Boolean), the optional p-value and feature errors.</summary>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        _ = _autoencoder.GetOutputSchema(inputSchema); // checks the feature column
        var result = inputSchema.ToDictionary(c => c.Name);
        result[_columns.Score] = SchemaShapeColumns.Scalar(_columns.Score, NumberDataViewType.Single);
        result[_columns.PredictedLabel] = SchemaShapeColumns.Scalar(_columns.PredictedLabel, BooleanDataViewType.Instance);
        if (_columns.PValue != null) result[_columns.PValue] = SchemaShapeColumns.Scalar(_columns.PValue, NumberDataViewType.Single);
        if (_columns.FeatureErrors != null) result[_columns.FeatureErrors] = SchemaShapeColumns.Vector(_columns.FeatureErrors, NumberDataViewType.Single);
        if (_columns.Explanation != null) result[_columns.Explanation] = SchemaShapeColumns.Vector(_columns.Explanation, TextDataViewType.Instance);
        if (_columns.ExplanationShares != null) result[_columns.ExplanationShares] = SchemaShapeColumns.Vector(_columns.ExplanationShares, NumberDataViewType.Single);
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
        // The raw score goes to the reserved column under whichever output it is.
        bool elbo = _options.ScoreSource == AnomalyScoreSource.NegativeElbo;
        copy.ReconstructionErrorColumnName = elbo ? null : ErrorColumn;
        copy.NegativeElboColumnName = elbo ? ErrorColumn : null;
        return copy;
    }
}
