using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders;

/// <summary>
/// A trained sequence anomaly detector. Adds, for every row (time step) of a series, <c>Score</c> (Single: the point's
/// reconstruction error, its squared standardized error averaged over the channels — with <see cref="SequenceScoring.Centered"/>
/// scoring the mean over the windows that cover it, with <see cref="SequenceScoring.Causal"/> the newest step's error in
/// the window that ends at it; +∞ for a point holding NaN or ±∞), <c>PredictedLabel</c> (Boolean: Score &gt; Threshold)
/// and optionally each channel's error (a vector whose mean is Score).
/// </summary>
/// <remarks>
/// <para>Rows must come in time order, one per step. Centered: a point's windows reach up to WindowLength − 1 rows
/// ahead, so the view's cursor reads that far ahead of its caller (a second cursor over the same input, in the same
/// order) and scores 256 points at a time with batched windows. The last WindowLength − 1 rows of a view are scored with
/// the windows that fit (the last row with one); its first rows, when <see cref="ContinuesTrainingSeries"/>, with the
/// windows that reach back into the end of the training series, else with the windows that fit.</para>
/// <para>Causal: the view's cursor reads no row ahead; each row is scored when it is read, from the window of it and the
/// WindowLength − 1 rows before it (the first of which come from the training series' end when
/// <see cref="ContinuesTrainingSeries"/>; else the view's first WindowLength − 1 rows score NaN and are not flagged).
/// <see cref="CreateMonitor()"/> gives the same scores one point at a time, for a live stream.</para>
/// <para>A prediction engine sees one row and keeps nothing between rows, so neither scoring has a row-to-row mapper
/// (<see cref="GetRowToRowMapper"/> says so and names the monitor). Saving works with <c>mlContext.Model.Save</c>;
/// <see cref="LoadFromModelFile"/> brings the detector back. A plain <c>mlContext.Model.Load</c> of the file loads and
/// keeps the schema, but its Score and PredictedLabel refuse to be read, with a message that names this loader: ML.NET's
/// row-by-row transformers cannot see the neighbouring rows a score needs.</para>
/// </remarks>
public sealed class SequenceAnomalyTransformer : ITransformer, ICanSaveModel
{
    internal SequenceAnomalyTransformer(AutoencoderModel model, SequenceDetectorState state, int scoringThreads)
    {
        Model = model;
        State = state;
        ScoringThreads = scoringThreads;
    }

    /// <summary>The trained sequence autoencoder, on windows [WindowLength, channels] of the standardized series.</summary>
    public AutoencoderModel Model { get; }

    internal SequenceDetectorState State { get; }

    /// <summary>The most threads scoring one batch of windows may use.</summary>
    internal int ScoringThreads { get; }

    /// <summary>The decision threshold in Score units: points with Score &gt; Threshold are predicted anomalous.</summary>
    public float Threshold => State.Threshold;

    /// <summary>The contamination the threshold was derived from, or null when it was given explicitly.</summary>
    public double? Contamination => State.Contamination;

    /// <summary>The steps of each window.</summary>
    public int WindowLength => State.WindowLength;

    /// <summary>The series' columns, in channel order.</summary>
    public IReadOnlyList<string> ChannelColumnNames => State.Columns.Channels;

    /// <summary>Each channel's training mean, subtracted before the network sees it.</summary>
    public IReadOnlyList<float> ChannelMeans => State.Standardization.Means;

    /// <summary>Each channel's training standard deviation (1 for a constant channel), divided by after the mean.</summary>
    public IReadOnlyList<float> ChannelScales => State.Standardization.Scales;

    /// <summary>The training points' scores, as a quantile table (the contamination threshold is read from it).</summary>
    public AnomalyScoreDistribution TrainingScores => State.TrainingScores;

    /// <summary>How points are scored (see <see cref="SequenceAnomalyOptions.Scoring"/>); the threshold and <see cref="TrainingScores"/> are of this kind.</summary>
    public SequenceScoring Scoring => State.Scoring;

    /// <summary>True when a view is scored as the continuation of the training series (see <see cref="SequenceAnomalyOptions.ContinuesTrainingSeries"/>).</summary>
    public bool ContinuesTrainingSeries => State.ContinuesTrainingSeries;

    /// <summary>The score column.</summary>
    public string ScoreColumnName => State.Columns.Score;

    /// <summary>The decision column.</summary>
    public string PredictedLabelColumnName => State.Columns.PredictedLabel;

    /// <summary>The per-channel error column, or null when not produced.</summary>
    public string? ChannelErrorsColumnName => State.Columns.ChannelErrors;

    /// <summary>False: a point's score needs the rows before it (and, centered, after it), which a row-to-row mapper never sees.</summary>
    public bool IsRowToRowMapper => false;

    /// <summary>A detector identical to this one but with <paramref name="threshold"/> (finite, ≥ 0, in Score units).</summary>
    public SequenceAnomalyTransformer ChangeThreshold(float threshold)
    {
        AnomalyThreshold.CheckThreshold(threshold, normalizedScores: false, nameof(threshold));
        return new SequenceAnomalyTransformer(Model, State with { Threshold = threshold, Contamination = null }, ScoringThreads);
    }

    /// <summary>
    /// A detector identical to this one whose threshold flags a fraction <paramref name="contamination"/> (in (0, 0.5]) of
    /// the training points, read from the saved quantile table — so this works on a reloaded detector too.
    /// </summary>
    public SequenceAnomalyTransformer ChangeContamination(double contamination)
    {
        float threshold = AnomalyThreshold.FromContamination(State.TrainingScores, contamination, normalizedScores: false);
        return new SequenceAnomalyTransformer(Model, State with { Threshold = threshold, Contamination = contamination }, ScoringThreads);
    }

    /// <summary>
    /// A detector identical to this one that scores views as continuations of the training series (true) or as series of
    /// their own (false; e.g. to score the training series itself) — see <see cref="SequenceAnomalyOptions.ContinuesTrainingSeries"/>.
    /// </summary>
    public SequenceAnomalyTransformer WithHistory(bool continuesTrainingSeries) =>
        new(Model, State with { ContinuesTrainingSeries = continuesTrainingSeries }, ScoringThreads);

    /// <summary>The input schema plus Score, PredictedLabel and the optional channel errors.</summary>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        State.Columns.CheckInput(inputSchema);
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(inputSchema);
        builder.AddColumn(State.Columns.Score, NumberDataViewType.Single);
        builder.AddColumn(State.Columns.PredictedLabel, BooleanDataViewType.Instance);
        if (State.Columns.ChannelErrors != null) builder.AddColumn(State.Columns.ChannelErrors, new VectorDataViewType(NumberDataViewType.Single, State.Channels));
        return builder.ToSchema();
    }

    /// <summary>Returns a view that scores the series in <paramref name="input"/> lazily, as its rows are read (rows in time order).</summary>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new SequenceAnomalyDataView(input, this, GetOutputSchema(input.Schema));
    }

    /// <summary>
    /// A monitor that scores a live series one point at a time as it arrives, with this detector's network,
    /// standardization and threshold (see <see cref="SequenceAnomalyMonitor"/>); it starts from the training series' end
    /// when <see cref="ContinuesTrainingSeries"/>, so its first point is scored as the one right after the training
    /// series. A stream that starts later (a live feed, a restart) should give its own latest points to
    /// <see cref="CreateMonitor(ReadOnlySpan{float})"/> instead. The detector must score causally
    /// (<see cref="SequenceScoring.Causal"/>): a centered score needs the rows after the point, and its threshold is for
    /// centered scores.
    /// </summary>
    public SequenceAnomalyMonitor CreateMonitor()
    {
        CheckCausal();
        return SequenceAnomalyMonitor.FromDetectorHistory(this);
    }

    /// <summary>
    /// A monitor whose first windows reach back into <paramref name="recentPoints"/>, the stream's latest points before
    /// the first one it will observe, rather than into the training series: raw values (standardized like every point),
    /// point after point, each in <see cref="ChannelColumnNames"/> order. Its last WindowLength − 1 points are kept (more
    /// are ignored); with fewer, the first points observed whose window would reach further back score NaN, as without
    /// history, and an empty span starts from nothing whatever <see cref="ContinuesTrainingSeries"/> says. A recent point
    /// holding NaN or ±∞ is a gap as if observed: the points observed while it is still in their window score NaN.
    /// </summary>
    public SequenceAnomalyMonitor CreateMonitor(ReadOnlySpan<float> recentPoints)
    {
        CheckCausal();
        int channels = State.Channels;
        if (recentPoints.Length % channels != 0)
            throw new ArgumentException(
                $"recentPoints holds {recentPoints.Length} values, not a whole number of points of {channels} channel values " +
                "(ChannelColumnNames order, point after point).",
                nameof(recentPoints));
        return SequenceAnomalyMonitor.FromRecentPoints(this, recentPoints);
    }

    private void CheckCausal()
    {
        if (Scoring != SequenceScoring.Causal)
            throw new InvalidOperationException(
                "This detector scores each point from the windows around it (SequenceScoring.Centered), which reach WindowLength − 1 rows ahead, and its " +
                "threshold is for those scores. Train it with SequenceAnomalyOptions.Scoring = SequenceScoring.Causal to watch a stream point by point.");
    }

    /// <summary>Not supported: see the remarks of <see cref="SequenceAnomalyTransformer"/>.</summary>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) =>
        throw new NotSupportedException(Scoring == SequenceScoring.Causal
            ? "A causal sequence detector scores each point from the window of it and the WindowLength − 1 rows before it; a prediction engine sees one row " +
              "and keeps nothing between rows, so it has none. Watch a stream point by point with detector.CreateMonitor() (monitor.Observe(values) per " +
              "point), or score a series with detector.Transform(data) (rows in time order)."
            : "A sequence anomaly detector with centered scoring scores each point from the windows around it, which reach WindowLength − 1 rows ahead, so " +
              "it cannot score one row at a time and has no prediction engine. Score a series with detector.Transform(data) (rows in time order), or train " +
              "it with SequenceAnomalyOptions.Scoring = SequenceScoring.Causal and watch a stream point by point with detector.CreateMonitor().");

    /// <summary>
    /// Rebuilds the typed detector — network, standardization, threshold, training tail — from a model zip written by
    /// <c>mlContext.Model.Save</c>. The zip must hold exactly one sequence detector.
    /// </summary>
    public static SequenceAnomalyTransformer LoadFromModelFile(string modelPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelPath);
        return TheOne(Persistence.SavedModelFile.Read(modelPath, SequenceDetectorArchive.ReadAll), $"'{modelPath}'");
    }

    /// <summary>
    /// <see cref="LoadFromModelFile(string)"/> from a stream holding the zip, as <c>mlContext.Model.Load(stream, out schema)</c>
    /// reads one; read from its current position, and not closed.
    /// </summary>
    public static SequenceAnomalyTransformer LoadFromModelFile(Stream modelStream) =>
        TheOne(Persistence.SavedModelFile.Read(modelStream, SequenceDetectorArchive.ReadAll), Persistence.SavedModelFile.StreamName);

    private static SequenceAnomalyTransformer TheOne(List<SequenceAnomalyTransformer> all, string name) => all.Count switch
    {
        1 => all[0],
        0 => throw new InvalidDataException($"{name} holds no sequence anomaly detector saved by Microsoft.ML.Autoencoders."),
        _ => throw new InvalidDataException($"{name} holds {all.Count} sequence anomaly detectors; this loader expects one."),
    };

    void ICanSaveModel.Save(ModelSaveContext context) => SequenceDetectorArchive.Chain(this).Save(context);
}
