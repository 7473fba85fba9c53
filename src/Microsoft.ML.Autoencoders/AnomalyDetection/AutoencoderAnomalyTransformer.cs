using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders;

/// <summary>
/// A trained autoencoder anomaly detector. Adds <c>Score</c> (Single: the row's mean squared reconstruction error, or
/// that error normalized to [0, 1]; higher = more anomalous), <c>PredictedLabel</c> (Boolean: Score &gt; Threshold) and,
/// optionally, each feature's squared reconstruction error — the columns <c>mlContext.AnomalyDetection.Evaluate</c> reads.
/// Saving through <c>mlContext.Model.Save</c> keeps the threshold and normalization; <see cref="LoadFromModelFile"/>
/// brings the typed detector back.
/// </summary>
public sealed class AutoencoderAnomalyTransformer : ISingleFeaturePredictionTransformer<AutoencoderModel>, ICanSaveModel
{
    private readonly Lazy<TransformerChain<ITransformer>> _pipeline;

    internal AutoencoderAnomalyTransformer(AutoencoderModel model, AnomalyDetectorState state, int? scoringThreads = null)
    {
        Model = model;
        State = state;
        ScoringThreads = scoringThreads ?? Environment.ProcessorCount;
        _pipeline = new Lazy<TransformerChain<ITransformer>>(() => AnomalyEnginePipeline.Build(this));
    }

    /// <summary>The trained autoencoder (network and weights).</summary>
    public AutoencoderModel Model { get; }

    /// <summary>The most threads scoring one batch may use (see <see cref="AutoencoderTransformer.ScoringThreads"/>).</summary>
    internal int ScoringThreads { get; }

    /// <summary>The decision threshold, in Score units: rows with Score &gt; Threshold are predicted anomalous.</summary>
    public float Threshold => State.Threshold;

    /// <summary>The contamination the threshold was derived from, or null when it was given explicitly.</summary>
    public double? Contamination => State.Contamination;

    /// <summary>True when Score is normalized to [0, 1] against <see cref="TrainingScores"/>.</summary>
    public bool NormalizeScores => State.NormalizeScores;

    /// <summary>The training rows' raw scores (mean squared reconstruction errors), as a quantile table.</summary>
    public AnomalyScoreDistribution TrainingScores => State.TrainingScores;

    /// <summary>The input column.</summary>
    public string FeatureColumnName => State.Columns.Features;

    /// <summary>The input column's type: a vector of <see cref="AutoencoderModel.InputSize"/> Single values.</summary>
    public DataViewType FeatureColumnType => new VectorDataViewType(NumberDataViewType.Single, Model.InputSize);

    /// <summary>The score column.</summary>
    public string ScoreColumnName => State.Columns.Score;

    /// <summary>The decision column.</summary>
    public string PredictedLabelColumnName => State.Columns.PredictedLabel;

    /// <summary>The per-feature error column, or null when not produced.</summary>
    public string? FeatureErrorsColumnName => State.Columns.FeatureErrors;

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
        return new AutoencoderAnomalyTransformer(Model, State with { Threshold = threshold, Contamination = null }, ScoringThreads);
    }

    /// <summary>
    /// A detector identical to this one whose threshold flags a fraction <paramref name="contamination"/> (in (0, 0.5]) of
    /// the training rows, read from the saved quantile table — so this works on a reloaded model too.
    /// </summary>
    public AutoencoderAnomalyTransformer ChangeContamination(double contamination)
    {
        float threshold = AnomalyThreshold.FromContamination(State.TrainingScores, contamination, State.NormalizeScores);
        return new AutoencoderAnomalyTransformer(Model, State with { Threshold = threshold, Contamination = contamination }, ScoringThreads);
    }

    /// <summary>The input schema plus Score, PredictedLabel and the optional feature errors.</summary>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        InputColumn.CheckMatches(inputSchema, FeatureColumnName, Model.InputSize);
        return _pipeline.Value.GetOutputSchema(inputSchema);
    }

    /// <summary>Returns a view that scores <paramref name="input"/> lazily, as its rows are read.</summary>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        InputColumn.CheckMatches(input.Schema, FeatureColumnName, Model.InputSize);
        return _pipeline.Value.Transform(input);
    }

    /// <summary>A mapper that scores single rows, as prediction engines do.</summary>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        InputColumn.CheckMatches(inputSchema, FeatureColumnName, Model.InputSize);
        return ((ITransformer)_pipeline.Value).GetRowToRowMapper(inputSchema);
    }

    /// <summary>
    /// Rebuilds the typed detector, threshold and normalization included, from a model zip written by
    /// <c>mlContext.Model.Save</c>. The zip must hold exactly one detector.
    /// </summary>
    public static AutoencoderAnomalyTransformer LoadFromModelFile(string modelPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelPath);
        using var stream = File.OpenRead(modelPath);
        var all = AnomalyModelArchive.ReadAll(stream);
        return all.Count switch
        {
            1 => all[0],
            0 => throw new InvalidDataException($"'{modelPath}' holds no autoencoder anomaly detector saved by Microsoft.ML.Autoencoders."),
            _ => throw new InvalidDataException($"'{modelPath}' holds {all.Count} anomaly detectors; this loader expects one."),
        };
    }

    void ICanSaveModel.Save(ModelSaveContext context) => AnomalyOnnxChain.Build(this).Save(context);
}
