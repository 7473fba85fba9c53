using Microsoft.ML.Autoencoders.Persistence;
using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders;

/// <summary>
/// A trained autoencoder anomaly detector. Adds <c>Score</c> (Single: the row's mean squared reconstruction error, or
/// that error normalized to [0, 1]; higher = more anomalous; +∞ for a row that cannot be scored), <c>PredictedLabel</c>
/// (Boolean: Score &gt; Threshold, or the row cannot be scored) and, optionally, a p-value and each feature's squared
/// reconstruction error — the columns <c>mlContext.AnomalyDetection.Evaluate</c> reads. Saving through
/// <c>mlContext.Model.Save</c> keeps the threshold, normalization, reference scores and invalid-row policy;
/// <see cref="LoadFromModelFile"/> brings the typed detector back.
/// </summary>
public sealed class AutoencoderAnomalyTransformer : ISingleFeaturePredictionTransformer<AutoencoderModel>, ICanSaveModel
{
    private readonly Lazy<TransformerChain<ITransformer>> _pipeline;

    internal AutoencoderAnomalyTransformer(AutoencoderModel model, AnomalyDetectorState state, int? scoringThreads = null)
        : this(new EngineDetectorNetwork(model, state.ScoreSource), state, scoringThreads)
    {
    }

    internal AutoencoderAnomalyTransformer(DetectorNetwork network, AnomalyDetectorState state, int? scoringThreads = null)
    {
        Network = network;
        State = state;
        ScoringThreads = scoringThreads ?? Environment.ProcessorCount;
        _pipeline = new Lazy<TransformerChain<ITransformer>>(() => AnomalyEnginePipeline.Build(this));
    }

    /// <summary>
    /// The trained autoencoder (network and weights). A detector on an imported ONNX graph has none: it throws
    /// <see cref="InvalidOperationException"/> there, and <see cref="ImportedModel"/> holds the graph instead.
    /// </summary>
    public AutoencoderModel Model => Network is EngineDetectorNetwork engine
        ? engine.Model
        : throw new InvalidOperationException("This detector scores with an imported ONNX graph, not a network this library trained: read ImportedModel.");

    /// <summary>The imported ONNX graph the detector scores with, or null when the library trained its network.</summary>
    public OnnxAutoencoderModel? ImportedModel => (Network as ImportedDetectorNetwork)?.Model;

    /// <summary>The network under the threshold, trained here or imported.</summary>
    internal DetectorNetwork Network { get; }

    /// <summary>The most threads scoring one batch may use (see <see cref="AutoencoderTransformer.ScoringThreads"/>).</summary>
    internal int ScoringThreads { get; }

    /// <summary>
    /// The decision threshold, in Score units: rows with Score &gt; Threshold are predicted anomalous, and so are rows that
    /// cannot be scored. +∞ when a false-alarm budget had too few calibration rows (see <see cref="AnomalyReferenceScores"/>).
    /// </summary>
    public float Threshold => State.Threshold;

    /// <summary>The contamination the threshold was derived from, or null when it was given explicitly or calibrated.</summary>
    public double? Contamination => State.Contamination;

    /// <summary>The false-alarm budget the threshold was calibrated for (split-conformal), or null when it came from elsewhere.</summary>
    public double? FalseAlarmRate => State.FalseAlarmRate;

    /// <summary>
    /// The scores p-values and false-alarm thresholds are read from: the held-out calibration rows' when the detector was
    /// calibrated, else the training rows' when it produces p-values, else null.
    /// </summary>
    public AnomalyReferenceScores? ReferenceScores => State.ReferenceScores;

    /// <summary>What the detector does with a row whose features hold NaN or ±∞.</summary>
    public InvalidRowPolicy InvalidRowPolicy => State.InvalidRowPolicy;

    /// <summary>What the raw score is: the reconstruction error, or a variational model's negative ELBO.</summary>
    public AnomalyScoreSource ScoreSource => State.ScoreSource;

    /// <summary>True when Score is normalized to [0, 1] against <see cref="TrainingScores"/>.</summary>
    public bool NormalizeScores => State.NormalizeScores;

    /// <summary>The training rows' raw scores (mean squared reconstruction errors), as a quantile table.</summary>
    public AnomalyScoreDistribution TrainingScores => State.TrainingScores;

    /// <summary>The input column.</summary>
    public string FeatureColumnName => State.Columns.Features;

    /// <summary>The input column's type: a vector of Single values, as many as the network takes per row.</summary>
    public DataViewType FeatureColumnType => new VectorDataViewType(NumberDataViewType.Single, Network.InputSize);

    /// <summary>The score column.</summary>
    public string ScoreColumnName => State.Columns.Score;

    /// <summary>The decision column.</summary>
    public string PredictedLabelColumnName => State.Columns.PredictedLabel;

    /// <summary>The per-feature error column, or null when not produced.</summary>
    public string? FeatureErrorsColumnName => State.Columns.FeatureErrors;

    /// <summary>The p-value column, or null when not produced.</summary>
    public string? PValueColumnName => State.Columns.PValue;

    /// <summary>The explanation column (culprit names, a Text vector), or null when not produced.</summary>
    public string? ExplanationColumnName => State.Columns.Explanation;

    /// <summary>The culprits' error-share column (a Single vector), or null when not produced.</summary>
    public string? ExplanationSharesColumnName => State.Columns.ExplanationShares;

    /// <summary>
    /// The input column each feature slot came from, one entry per slot: read at Fit from the feature column's slot names
    /// (as <c>Concatenate</c> writes them), "Feature j" for a slot without one. These are the names explanations use.
    /// </summary>
    public IReadOnlyList<string> FeatureColumns
    {
        get
        {
            var names = State.NamesOrNumbered(Network.InputSize);
            return [.. names.ColumnOfSlot.Select(c => names.Columns[c])];
        }
    }

    /// <summary>The distinct input columns explanations choose from, in the order of their first slot.</summary>
    public IReadOnlyList<string> ExplanationColumns => State.NamesOrNumbered(Network.InputSize).Columns;

    /// <summary>True when the features are standardized with the training rows' mean and standard deviation before the network.</summary>
    public bool StandardizesFeatures => State.Standardization != null;

    /// <summary>
    /// The <paramref name="topK"/> input columns (at most all of them) that contribute most to a row's error, largest first:
    /// each column's slots' squared errors summed, and its share of the row's total. <paramref name="featureErrors"/> is the
    /// row's per-feature error (the <see cref="FeatureErrorsColumnName"/> column, one value per slot). The explanation column
    /// holds the same names for every row.
    /// </summary>
    public IReadOnlyList<AnomalyCulprit> Explain(ReadOnlySpan<float> featureErrors, int topK = AutoencoderAnomalyEstimator.Defaults.ExplanationTopK)
    {
        if (featureErrors.Length != Network.InputSize)
            throw new ArgumentException($"The detector has {Network.InputSize} features but {featureErrors.Length} errors were given: pass one row of the feature-error column.", nameof(featureErrors));
        ArgumentOutOfRangeException.ThrowIfLessThan(topK, 1);
        var names = State.NamesOrNumbered(Network.InputSize);
        return AnomalyCulprits.Top(names, featureErrors, AnomalyCulprits.Count(names, topK));
    }

    /// <summary>True: rows can be scored one at a time (prediction engines rely on this).</summary>
    public bool IsRowToRowMapper => true;

    internal AnomalyDetectorState State { get; }

    /// <summary>
    /// A detector identical to this one but with <paramref name="threshold"/>, in Score units (within [0, 1] when
    /// scores are normalized). ML.NET's <c>ChangeModelThreshold</c> only accepts its own trainers' models, hence this.
    /// </summary>
    public AutoencoderAnomalyTransformer ChangeThreshold(float threshold)
    {
        AnomalyThreshold.CheckThreshold(threshold, State.NormalizeScores, nameof(threshold));
        return new AutoencoderAnomalyTransformer(Network, State with { Threshold = threshold, Contamination = null, FalseAlarmRate = null }, ScoringThreads);
    }

    /// <summary>
    /// A detector identical to this one whose threshold flags a fraction <paramref name="contamination"/> (in (0, 0.5]) of
    /// the training rows, read from the saved quantile table — so this works on a reloaded model too.
    /// </summary>
    public AutoencoderAnomalyTransformer ChangeContamination(double contamination)
    {
        float threshold = AnomalyThreshold.FromContamination(State.TrainingScores, contamination, State.NormalizeScores);
        return new AutoencoderAnomalyTransformer(Network, State with { Threshold = threshold, Contamination = contamination, FalseAlarmRate = null }, ScoringThreads);
    }

    /// <summary>
    /// A detector identical to this one whose threshold is the split-conformal threshold for the false-alarm budget
    /// <paramref name="falseAlarmRate"/> (in (0, 1)), read from the held-out calibration scores saved with the model — so
    /// this works on a reloaded model too. Needs a calibrated detector (FalseAlarmRate or CalibrationFraction at Fit,
    /// Fit with calibration data, or <see cref="Calibrate"/>) with raw scores.
    /// </summary>
    public AutoencoderAnomalyTransformer ChangeFalseAlarmRate(double falseAlarmRate)
    {
        AnomalyThreshold.CheckFalseAlarmRate(falseAlarmRate, nameof(falseAlarmRate));
        AnomalyThreshold.CheckNotNormalized(State.NormalizeScores, nameof(falseAlarmRate));
        if (State.ReferenceScores is not { IsHeldOut: true } reference)
            throw new InvalidOperationException(
                "This detector has no held-out calibration scores, and its own training scores would give too low a threshold (the network fits " +
                "its training rows best). Calibrate it first: detector.Calibrate(normalRows, falseAlarmRate), with normal rows it did not train on.");
        return WithCalibration(reference, falseAlarmRate);
    }

    /// <summary>
    /// A detector identical to this one calibrated on <paramref name="calibrationData"/>: normal rows the network did not
    /// train on, drawn as the rows to be scored will be. Their scores become the reference for p-values and, when
    /// <paramref name="falseAlarmRate"/> is given, the threshold becomes the split-conformal threshold for that budget;
    /// otherwise the threshold is kept. Calibrating again on fresh rows is cheap: only the network's forward pass runs.
    /// </summary>
    public AutoencoderAnomalyTransformer Calibrate(IDataView calibrationData, double? falseAlarmRate = null)
    {
        ArgumentNullException.ThrowIfNull(calibrationData);
        if (falseAlarmRate is double rate)
        {
            AnomalyThreshold.CheckFalseAlarmRate(rate, nameof(falseAlarmRate));
            AnomalyThreshold.CheckNotNormalized(State.NormalizeScores, nameof(falseAlarmRate));
        }
        var (rows, data) = AutoencoderAnomalyEstimator.ReadCalibrationRows(calibrationData, FeatureColumnName, Network.InputSize);
        if (State.Standardization is { } standardization) data = standardization.Apply(data, rows);
        var reference = AnomalyReferenceScores.FromScores(Network.RawScores(data, rows, ScoringThreads), isHeldOut: true);
        return WithCalibration(reference, falseAlarmRate);
    }

    private AutoencoderAnomalyTransformer WithCalibration(AnomalyReferenceScores reference, double? falseAlarmRate)
    {
        var state = State with { ReferenceScores = reference };
        if (falseAlarmRate is double rate)
            state = state with { Threshold = reference.FalseAlarmThreshold(rate), Contamination = null, FalseAlarmRate = rate };
        return new AutoencoderAnomalyTransformer(Network, state, ScoringThreads);
    }

    /// <summary>The input schema plus Score, PredictedLabel and the optional p-value and feature errors.</summary>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        InputColumn.CheckMatches(inputSchema, FeatureColumnName, Network.InputSize, InputColumn.DetectorOption);
        return _pipeline.Value.GetOutputSchema(inputSchema);
    }

    /// <summary>Returns a view that scores <paramref name="input"/> lazily, as its rows are read.</summary>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        InputColumn.CheckMatches(input.Schema, FeatureColumnName, Network.InputSize, InputColumn.DetectorOption);
        return _pipeline.Value.Transform(input);
    }

    /// <summary>A mapper that scores single rows, as prediction engines do.</summary>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        InputColumn.CheckMatches(inputSchema, FeatureColumnName, Network.InputSize, InputColumn.DetectorOption);
        return ((ITransformer)_pipeline.Value).GetRowToRowMapper(inputSchema);
    }

    /// <summary>
    /// Writes the detector as one standalone ONNX graph from the features to the score and the label, for any ONNX runtime:
    /// input <c>input</c> [N, d]; outputs <c>score</c>, <c>label</c> (bool), <c>reconstruction_error</c> [N, 1], <c>encoded</c>
    /// [N, k] and, when the detector has them, <c>p_value</c> and <c>feature_errors</c>. The threshold is the optional
    /// input <c>threshold</c> (a scalar) whose default is <see cref="Threshold"/>, so serving can move it without
    /// re-exporting. A row holding NaN or ∞ scores +∞ and is labelled anomalous under either invalid-row policy. A detector on
    /// an imported graph cannot be written as one file and throws <see cref="NotSupportedException"/>.
    /// </summary>
    public void SaveAsOnnx(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        AnomalyDetectorOnnx.Write(this, stream);
    }

    /// <summary>
    /// Writes one ONNX graph from the raw columns of an ML.NET pipeline to score and label, so the whole detector runs
    /// without .NET: ML.NET's converter writes <paramref name="preprocessing"/> (the fitted transforms ahead of this
    /// detector), and its <see cref="FeatureColumnName"/> tensor feeds the detector's graph. Inputs: the raw columns the
    /// features depend on, each [N, width] in its own element type, and the optional <c>threshold</c>; outputs as in
    /// <see cref="SaveAsOnnx(Stream)"/>.
    /// </summary>
    /// <param name="stream">Where the file goes; left open.</param>
    /// <param name="preprocessing">The fitted transforms that produce the feature column, without this detector.</param>
    /// <param name="inputData">Data with the raw columns (the preprocessing's input schema); only its schema is read.</param>
    /// <exception cref="ArgumentException">The preprocessing does not produce the feature column with this model's width.</exception>
    /// <exception cref="NotSupportedException">
    /// A step of the preprocessing has no ONNX form in ML.NET's converter (the message names it), or the detector scores
    /// with an imported graph.
    /// </exception>
    /// <example>
    /// <code>
    /// var prep = mlContext.Transforms.Concatenate("Features", "A", "B").Append(mlContext.Transforms.NormalizeMinMax("Features")).Fit(raw);
    /// var detector = mlContext.AnomalyDetection.Trainers.Autoencoder("Features", codeSize: 2).Fit(prep.Transform(raw));
    /// using var file = File.Create("detector-pipeline.onnx");
    /// detector.SaveAsOnnx(file, prep, raw);   // inputs A [N, 1], B [N, 1], threshold []; outputs score, label, ...
    /// </code>
    /// </example>
    public void SaveAsOnnx(Stream stream, ITransformer preprocessing, IDataView inputData)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var ours = new MemoryStream();
        AnomalyDetectorOnnx.Write(this, ours);
        PipelineOnnx.Write(stream, ours.ToArray(), State.Columns.Features, preprocessing, inputData, "autoencoder_anomaly_detector_pipeline");
    }

    /// <summary>
    /// Rebuilds the typed detector — threshold, normalization, reference scores and invalid-row policy included — from a model zip written by
    /// <c>mlContext.Model.Save</c>. The zip must hold exactly one detector.
    /// </summary>
    public static AutoencoderAnomalyTransformer LoadFromModelFile(string modelPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelPath);
        return TheOne(Persistence.SavedModelFile.Read(modelPath, AnomalyModelArchive.ReadAll), $"'{modelPath}'");
    }

    /// <summary>
    /// <see cref="LoadFromModelFile(string)"/> from a stream holding the zip, as <c>mlContext.Model.Load(stream, out schema)</c>
    /// reads one; read from its current position, and not closed.
    /// </summary>
    public static AutoencoderAnomalyTransformer LoadFromModelFile(Stream modelStream) =>
        TheOne(Persistence.SavedModelFile.Read(modelStream, AnomalyModelArchive.ReadAll), Persistence.SavedModelFile.StreamName);

    private static AutoencoderAnomalyTransformer TheOne(List<AutoencoderAnomalyTransformer> all, string name) => all.Count switch
    {
        1 => all[0],
        0 => throw new InvalidDataException($"{name} holds no autoencoder anomaly detector saved by Microsoft.ML.Autoencoders."),
        _ => throw new InvalidDataException($"{name} holds {all.Count} anomaly detectors; this loader expects one."),
    };

    void ICanSaveModel.Save(ModelSaveContext context) => AnomalyOnnxChain.Build(this).Save(context);
}
