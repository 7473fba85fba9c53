using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.ML.Autoencoders.Onnx;
using Microsoft.ML.Autoencoders.Persistence;
using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders;

/// <summary>
/// How a sequence detector is saved and found again. ML.NET lets an outside assembly write no bytes of its own into a
/// model zip (MLNET-NOTES), so everything travels in the network's ONNX graph, carried by a built-in ApplyOnnxModel:
/// the graph is the library's usual model file (<see cref="AutoencoderOnnx"/>) on windows [T·C], with the detector's
/// state as JSON in metadata key <see cref="StateKey"/> and that JSON's SHA-256 in <see cref="StateChecksumKey"/>.
/// </summary>
/// <remarks>
/// The saved chain, on the channel columns:
/// <code>
/// Concatenate(__sequence_window ← the C channel columns, T times over)   a Vector&lt;Single, T·C&gt; column, only so that
///                                                                       ML.NET will hold the graph (its values are the
///                                                                       row repeated, not a window)
///   → ApplyOnnxModel(__sequence_window → __sequence_error_vector)      the network and the state
///   → CustomMapping(SequenceScoresNeedTypedLoader)                     Score, PredictedLabel: refuse to be read
///   → CopyColumns(user names) → DropColumns(reserved names)
/// </code>
/// So a plain <c>Model.Load</c> succeeds and keeps the schema (the optional channel-error column is not in it), and reading
/// a score says to use <see cref="SequenceAnomalyTransformer.LoadFromModelFile"/>, which reads the graph back through
/// <see cref="SavedModelArchive"/>. State format (<see cref="StoredState.Version"/>): 1 for a centered detector, exactly
/// as before causal scoring existed, so older libraries still read it; 2 for a causal one, which adds <c>Scoring</c> and
/// which older libraries refuse ("update the library") rather than score with the centered rule against a causal threshold.
/// </remarks>
internal static class SequenceDetectorArchive
{
    public const string StateKey = "autoencoders.sequence_detector.state";
    public const string StateChecksumKey = "autoencoders.sequence_detector.state_sha256";
    private const int CenteredFormatVersion = 1, CausalFormatVersion = 2;
    private const string WindowColumn = SeriesColumns.ReservedPrefix + "window";

    public static ICanSaveModel Chain(SequenceAnomalyTransformer detector)
    {
        var state = detector.State;
        var columns = state.Columns;
        var ml = new MLContext();
        string json = JsonSerializer.Serialize(StoredState.From(state));
        var graphNames = new AutoencoderOnnx.GraphNames(WindowColumn, SeriesColumns.ReservedPrefix + "encoded", SeriesColumns.ReservedPrefix + "reconstruction",
            SequenceScoresNeedTypedLoader.ErrorVectorColumn);
        byte[] onnx = AutoencoderOnnx.ToBytes(detector.Model, new AutoencoderColumns(WindowColumn, null, null, SequenceScoresNeedTypedLoader.ErrorVectorColumn),
            graphNames, batched: false, new Dictionary<string, string> { [StateKey] = json, [StateChecksumKey] = Hash(json) });

        string[] repeated = Enumerable.Repeat(columns.Channels, state.WindowLength).SelectMany(c => c).ToArray();
        var chain = ml.Transforms.Concatenate(WindowColumn, repeated)
            .Append(ml.Transforms.ApplyOnnxModel([SequenceScoresNeedTypedLoader.ErrorVectorColumn], [WindowColumn], new MemoryStream(onnx)))
            .Append(ml.Transforms.CustomMapping(new SequenceScoresNeedTypedLoader().GetMapping(), SequenceScoresNeedTypedLoader.ContractName))
            .Append(ml.Transforms.CopyColumns(columns.Score, SequenceScoresNeedTypedLoader.ScoreColumn))
            .Append(ml.Transforms.CopyColumns(columns.PredictedLabel, SequenceScoresNeedTypedLoader.PredictedLabelColumn))
            .Append(ml.Transforms.DropColumns(WindowColumn, SequenceScoresNeedTypedLoader.ErrorVectorColumn, SequenceScoresNeedTypedLoader.ScoreColumn,
                SequenceScoresNeedTypedLoader.PredictedLabelColumn));

        var schema = new DataViewSchema.Builder();
        foreach (var channel in columns.Channels) schema.AddColumn(channel, NumberDataViewType.Single);
        return (ICanSaveModel)chain.Fit(new SchemaOnlyDataView(schema.ToSchema()));
    }

    /// <summary>Every sequence detector in a zip written by <c>mlContext.Model.Save</c>, in pipeline order.</summary>
    public static List<SequenceAnomalyTransformer> ReadAll(Stream zipStream)
    {
        var detectors = new List<SequenceAnomalyTransformer>();
        foreach (byte[] onnx in SavedModelArchive.OnnxModels(zipStream))
            if (TryRead(onnx) is { } detector) detectors.Add(detector);
        return detectors;
    }

    /// <summary>
    /// The sequence detector one saved ONNX graph carries, or null for any other graph (someone else's model, or one of this
    /// library's other components). A graph that carries the detector's state but does not read back is damaged and throws
    /// <see cref="InvalidDataException"/>.
    /// </summary>
    public static SequenceAnomalyTransformer? TryRead(byte[] onnx)
    {
        OnnxModelReader reader;
        try { reader = OnnxModelReader.Parse(onnx); }
        catch (InvalidDataException) { return null; } // someone else's model
        if (!reader.Metadata.TryGetValue(StateKey, out var json)) return null;
        if (!reader.Metadata.TryGetValue(StateChecksumKey, out var checksum) || checksum != Hash(json))
            throw new InvalidDataException("The sequence detector's saved state does not match its checksum; the file is damaged.");
        var (model, _) = AutoencoderOnnx.Read(onnx);
        var stored = JsonSerializer.Deserialize<StoredState>(json) ?? throw new InvalidDataException("The sequence detector's state metadata is empty.");
        var state = stored.ToState();
        if (model.InputSize != state.WindowLength * state.Channels)
            throw new InvalidDataException($"The sequence detector's network reads {model.InputSize} values, not a window of {state.WindowLength}×{state.Channels}; the file is damaged.");
        return new SequenceAnomalyTransformer(model, state, Environment.ProcessorCount);
    }

    private static string Hash(string json) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(json)));

    /// <summary>The JSON form of <see cref="SequenceDetectorState"/>.</summary>
    private sealed record StoredState(
        int Version, string[] ChannelColumnNames, string ScoreColumnName, string PredictedLabelColumnName, string? ChannelErrorsColumnName,
        int WindowLength, float[] Means, float[] Scales, float Threshold, double? Contamination, long TrainingPointCount,
        float[] TrainingScoreQuantiles, float[] TrainingTail, bool ContinuesTrainingSeries,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] SequenceScoring Scoring)
    {
        public static StoredState From(SequenceDetectorState state) => new(
            state.Scoring == SequenceScoring.Causal ? CausalFormatVersion : CenteredFormatVersion,
            state.Columns.Channels, state.Columns.Score, state.Columns.PredictedLabel, state.Columns.ChannelErrors,
            state.WindowLength, state.Standardization.Means, state.Standardization.Scales, state.Threshold, state.Contamination,
            state.TrainingScores.Count, state.TrainingScores.Quantiles.ToArray(), state.TrainingTail, state.ContinuesTrainingSeries, state.Scoring);

        public SequenceDetectorState ToState()
        {
            if (Version is not (CenteredFormatVersion or CausalFormatVersion))
                throw new InvalidDataException($"This sequence detector uses state format {Version}; this library reads versions {CenteredFormatVersion} and {CausalFormatVersion}. Update the library.");
            // Format 1 has no Scoring (it reads as Centered, all there was); format 2 is written for causal detectors only.
            if (!Enum.IsDefined(Scoring) || (Version == CausalFormatVersion) != (Scoring == SequenceScoring.Causal))
                throw new InvalidDataException($"The sequence detector's saved state says format {Version} with {Scoring} scoring; the file is damaged.");
            int channels = ChannelColumnNames.Length;
            if (channels == 0 || Means.Length != channels || Scales.Length != channels || TrainingTail.Length != (WindowLength - 1) * channels
                || Scales.Any(s => !(s > 0 && float.IsFinite(s))) || !AnomalyThreshold.IsInScoreRange(Threshold, normalizedScores: false))
                throw new InvalidDataException("The sequence detector's saved state is inconsistent (channels, standardization, history or threshold); the file is damaged.");
            return new SequenceDetectorState(new SeriesColumns(ChannelColumnNames, ScoreColumnName, PredictedLabelColumnName, ChannelErrorsColumnName),
                WindowLength, new SeriesStandardization(Means, Scales), Threshold, Contamination,
                new AnomalyScoreDistribution(TrainingPointCount, TrainingScoreQuantiles), TrainingTail, ContinuesTrainingSeries, Scoring);
        }
    }
}
