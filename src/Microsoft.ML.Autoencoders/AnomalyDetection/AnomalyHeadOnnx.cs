using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.ML.Autoencoders.Onnx;
using DataType = Microsoft.ML.Autoencoders.Onnx.Protos.TensorProto.Types.DataType;

namespace Microsoft.ML.Autoencoders;

/// <summary>
/// The detector's ONNX "head": a small graph, saved beside the autoencoder's own graph, that turns the error into Score
/// and PredictedLabel (and the reconstruction into per-feature errors). The threshold and the normalization constants
/// are initializers, so a model loaded by plain <c>mlContext.Model.Load</c> applies them; the metadata holds the rest of
/// the state as JSON for the typed reload.
/// </summary>
/// <remarks>
/// Graph (one row, as ML.NET's OnnxTransformer feeds it):
/// <code>
/// inputs:  error [1]            (the autoencoder graph's mean squared error, or the invalid-row guard's checked copy of it)
///          &lt;features&gt; [d], __anomaly_reconstruction [d]   (only with feature errors)
/// score, label, p-value = AnomalyScoreRule's nodes: a non-finite error scores +∞ and is flagged; otherwise the error (raw) or
///          Clip(Div(Sub(error, offset), scale), 0, 1), label = Greater(score, threshold); p-value = (1 + ReduceSum(Cast(
///          GreaterOrEqual(reference, error)))) / (n + 1)
/// feature errors = Mul(Sub(features, reconstruction), same), or +∞/0 marks for a row with a non-finite feature
/// outputs: __anomaly_score_vector [1], __anomaly_label_vector [1] (bool) [, __anomaly_p_value_vector [1]] [, __anomaly_feature_errors [d]]
/// </code>
/// Metadata: <see cref="FormatKey"/> (version), <see cref="StateKey"/> (JSON), <see cref="NetworkHashKey"/> (SHA-256, hex,
/// of the autoencoder graph's bytes, which pairs each head with its network inside a model zip).
/// <para>Format versions: 4 (written now) adds <see cref="ChecksumKey"/>, required: a SHA-256 over the state JSON, the
/// threshold's bits and the network's hash, so a damaged threshold or setting is refused instead of loading as another
/// detector (a fuzz test found both). 3 adds the explanation outputs (culprit names as a string tensor, their shares) and,
/// in the JSON, the feature names, explanation columns and count, and the standardization's means and scales — a
/// version-2 reader would ignore the standardization and score wrongly, hence the new number. 2 adds the invalid-row nodes, the optional p-value output and, in the JSON, the
/// false-alarm rate, the reference scores, the p-value column and the invalid-row policy. 1 (read only) has none of them;
/// a version-1 head loads with no reference scores and the default policy.</para>
/// </remarks>
internal static class AnomalyHeadOnnx
{
    public const string FormatKey = "autoencoders.anomaly.format";
    public const string StateKey = "autoencoders.anomaly.state";
    public const string NetworkHashKey = "autoencoders.anomaly.network_sha256";
    public const string ChecksumKey = "autoencoders.anomaly.checksum";
    public const int FormatVersion = 4;
    private const int FirstVersionWithChecksum = 4;
    private const int OldestReadableVersion = 1;

    public const string ErrorVector = AnomalyColumns.ReservedPrefix + "error_vector";
    public const string ScoreVector = AnomalyColumns.ReservedPrefix + "score_vector";
    public const string LabelVector = AnomalyColumns.ReservedPrefix + "label_vector";
    public const string FeatureErrors = AnomalyColumns.ReservedPrefix + "feature_errors";
    public const string PValueVector = AnomalyColumns.ReservedPrefix + "p_value_vector";
    public const string Culprits = AnomalyColumns.ReservedPrefix + "culprits";
    public const string CulpritShares = AnomalyColumns.ReservedPrefix + "culprit_shares";


    /// <summary>
    /// The head graph for <paramref name="state"/>, bound to the network graph <paramref name="networkOnnx"/>, reading the
    /// error from the input named <paramref name="errorInput"/>.
    /// </summary>
    public static byte[] ToBytes(AnomalyDetectorState state, int inputSize, ReadOnlySpan<byte> networkOnnx, string errorInput)
    {
        var builder = new OnnxModelBuilder("autoencoder_anomaly_head");
        builder.AddInput(errorInput, [1]);
        bool pValue = state.Columns.PValue != null;
        AnomalyScoreRule.AddOnnxNodes(builder, state, errorInput, ScoreVector, LabelVector, pValue ? PValueVector : null);
        builder.AddOutput(ScoreVector, [1]);
        builder.AddOutput(LabelVector, [1], DataType.Bool);
        if (pValue) builder.AddOutput(PValueVector, [1]);
        if (state.Columns.NeedsFeatureErrors)
        {
            builder.AddInput(state.NetworkInputColumn, [inputSize]);
            builder.AddInput(AutoencoderAnomalyEstimator.ReconstructionColumn, [inputSize]);
            AnomalyScoreRule.AddFeatureErrorNodes(builder, state.NetworkInputColumn, AutoencoderAnomalyEstimator.ReconstructionColumn, FeatureErrors);
            if (state.Columns.FeatureErrors != null) builder.AddOutput(FeatureErrors, [inputSize]);
            AddExplanation(builder, state, inputSize, FeatureErrors, Culprits, CulpritShares, batched: false);
        }
        builder.SetMetadata(FormatKey, FormatVersion.ToString(CultureInfo.InvariantCulture));
        string stateJson = StateJson(state), networkHash = Hash(networkOnnx);
        builder.SetMetadata(StateKey, stateJson);
        builder.SetMetadata(NetworkHashKey, networkHash);
        builder.SetMetadata(ChecksumKey, Checksum(stateJson, state.Threshold, networkHash));
        return builder.ToByteArray();
    }

    /// <summary>The explanation nodes and outputs (culprit names, and their shares when asked for), when the detector explains.</summary>
    public static void AddExplanation(OnnxModelBuilder builder, AnomalyDetectorState state, int inputSize, string featureErrors, string culprits, string shares, bool batched)
    {
        if (state.Columns.Explanation == null) return;
        int k = state.ExplanationTopK;
        bool withShares = state.Columns.ExplanationShares != null;
        AnomalyCulprits.AddOnnxNodes(builder, state.NamesOrNumbered(inputSize), k, featureErrors, culprits, withShares ? shares : null);
        int[] shape = batched ? [-1, k] : [k];
        builder.AddOutput(culprits, shape, DataType.String);
        if (withShares) builder.AddOutput(shares, shape);
    }

    /// <summary>The detector's settings as the JSON the metadata holds (the threshold lives in the graph).</summary>
    public static string StateJson(AnomalyDetectorState state) => JsonSerializer.Serialize(StoredState.From(state));

    /// <summary>True when <paramref name="reader"/> holds a head this library wrote.</summary>
    public static bool IsHead(OnnxModelReader reader) => reader.Metadata.ContainsKey(FormatKey);

    /// <summary>The state saved in a head, with the threshold taken from the graph itself (what ONNX Runtime applies).</summary>
    public static (AnomalyDetectorState State, string NetworkHash) Read(OnnxModelReader reader)
    {
        string version = reader.Metadata[FormatKey];
        if (!int.TryParse(version, NumberStyles.None, CultureInfo.InvariantCulture, out int number) || number < OldestReadableVersion || number > FormatVersion)
            throw new InvalidDataException($"This anomaly detector uses format version {version}; this library reads versions {OldestReadableVersion} to {FormatVersion}. Update the library.");
        string stateJson = Required(reader, StateKey), networkHash = Required(reader, NetworkHashKey);
        var thresholdTensor = reader.GetFloatInitializer(AnomalyScoreRule.ThresholdName);
        if (thresholdTensor.Values.Length != 1)
            throw new InvalidDataException($"The anomaly detector's threshold holds {thresholdTensor.Values.Length} values, not one; the file is damaged.");
        float threshold = thresholdTensor.Values[0];
        bool hasChecksum = reader.Metadata.TryGetValue(ChecksumKey, out var checksum);
        if (number >= FirstVersionWithChecksum ? checksum != Checksum(stateJson, threshold, networkHash) : hasChecksum)
            throw new InvalidDataException("The anomaly detector's threshold or settings do not match the checksum it was saved with; the file is damaged.");
        StoredState stored;
        try
        {
            stored = JsonSerializer.Deserialize<StoredState>(stateJson) ?? throw new InvalidDataException("The anomaly detector's state metadata is empty.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"The anomaly detector's state metadata is not valid: {e.Message}", e);
        }
        return (stored.ToState(threshold), networkHash);
    }

    private static string Required(OnnxModelReader reader, string key) =>
        reader.Metadata.TryGetValue(key, out var value) ? value : throw new InvalidDataException($"The anomaly detector has no '{key}' metadata; the file is damaged.");

    /// <summary>The hex SHA-256 of what the typed loader reads from a head: its state JSON, threshold and network's hash.</summary>
    private static string Checksum(string stateJson, float threshold, string networkHash)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        ModelChecksum.AppendText(hash, stateJson);
        ModelChecksum.AppendText(hash, networkHash);
        hash.AppendData(BitConverter.GetBytes(BitConverter.SingleToInt32Bits(threshold)));
        return Convert.ToHexString(hash.GetHashAndReset());
    }

    /// <summary>Checks the state's per-feature arrays against the network's width, once the network is read.</summary>
    public static void CheckFits(AnomalyDetectorState state, int inputSize)
    {
        state.FeatureNames?.CheckFits(inputSize);
        state.Standardization?.CheckFits(inputSize);
    }

    /// <summary>The hex SHA-256 that pairs a head with its network graph.</summary>
    public static string Hash(ReadOnlySpan<byte> onnx) => Convert.ToHexString(SHA256.HashData(onnx));

    /// <summary>
    /// The JSON form of <see cref="AnomalyDetectorState"/>; the threshold lives in the graph. The parameters after
    /// <c>TrainingScoreQuantiles</c> are version 2's, with defaults for a version-1 head that lacks them.
    /// </summary>
    private sealed record StoredState(
        string FeatureColumnName, string ScoreColumnName, string PredictedLabelColumnName, string? FeatureErrorsColumnName,
        double? Contamination, bool NormalizeScores, long TrainingRowCount, float[] TrainingScoreQuantiles,
        string? PValueColumnName = null, double? FalseAlarmRate = null, float[]? ReferenceScores = null, bool ReferenceScoresHeldOut = false,
        string InvalidRowPolicy = nameof(Autoencoders.InvalidRowPolicy.FlagAsAnomaly), string ScoreSource = nameof(AnomalyScoreSource.ReconstructionError),
        string[]? SlotNames = null, string[]? FeatureColumns = null, int[]? ColumnOfSlot = null,
        string? ExplanationColumnName = null, string? ExplanationSharesColumnName = null, int ExplanationTopK = 0,
        float[]? StandardizationMeans = null, float[]? StandardizationScales = null)
    {
        public static StoredState From(AnomalyDetectorState state) => new(
            state.Columns.Features, state.Columns.Score, state.Columns.PredictedLabel, state.Columns.FeatureErrors,
            state.Contamination, state.NormalizeScores, state.TrainingScores.Count, state.TrainingScores.Quantiles.ToArray(),
            state.Columns.PValue, state.FalseAlarmRate, state.ReferenceScores?.Scores.ToArray(), state.ReferenceScores?.IsHeldOut ?? false,
            state.InvalidRowPolicy.ToString(), state.ScoreSource.ToString(),
            state.FeatureNames?.SlotNames, state.FeatureNames?.Columns, state.FeatureNames?.ColumnOfSlot,
            state.Columns.Explanation, state.Columns.ExplanationShares, state.ExplanationTopK,
            state.Standardization?.Means, state.Standardization?.Scales);

        public AnomalyDetectorState ToState(float threshold)
        {
            if (!Enum.TryParse<InvalidRowPolicy>(InvalidRowPolicy, ignoreCase: false, out var policy) || !Enum.IsDefined(policy))
                throw new InvalidDataException($"The anomaly detector's invalid-row policy '{InvalidRowPolicy}' is unknown to this library. Update the library.");
            if (!Enum.TryParse<AnomalyScoreSource>(ScoreSource, ignoreCase: false, out var source) || !Enum.IsDefined(source))
                throw new InvalidDataException($"The anomaly detector's score source '{ScoreSource}' is unknown to this library. Update the library.");
            if (ExplanationColumnName != null && (FeatureColumns == null || ExplanationTopK < 1 || ExplanationTopK > FeatureColumns.Length))
                throw new InvalidDataException("The anomaly detector explains its rows but its feature names or culprit count are missing or impossible; the file is damaged.");
            if (PValueColumnName != null && ReferenceScores == null)
                throw new InvalidDataException("The anomaly detector produces p-values but its reference scores are missing; the file is damaged.");
            // A damaged file must not load as a detector that silently calls everything normal (a NaN threshold) or
            // everything anomalous (a negative one). +∞ is a real threshold: a false-alarm budget too small for the rows
            // it was calibrated on.
            bool budgetTooSmall = float.IsPositiveInfinity(threshold) && FalseAlarmRate != null && !NormalizeScores;
            if (!AnomalyThreshold.IsInScoreRange(threshold, NormalizeScores) && !budgetTooSmall)
                throw new InvalidDataException($"The anomaly detector's threshold {threshold} is not a score it could produce; the file is damaged.");
            try
            {
                // The same rules the options are held to when a detector is made.
                if (Contamination is double contamination) AnomalyThreshold.CheckContamination(contamination, nameof(Contamination));
                if (FalseAlarmRate is double rate) AnomalyThreshold.CheckFalseAlarmRate(rate, nameof(FalseAlarmRate));
            }
            catch (ArgumentOutOfRangeException e)
            {
                throw new InvalidDataException($"The anomaly detector's saved settings are impossible; the file is damaged. {e.Message}", e);
            }
            return new AnomalyDetectorState(
                new AnomalyColumns(FeatureColumnName, ScoreColumnName, PredictedLabelColumnName, FeatureErrorsColumnName, PValueColumnName)
                {
                    Explanation = ExplanationColumnName,
                    ExplanationShares = ExplanationSharesColumnName,
                },
                threshold, Contamination, NormalizeScores, new AnomalyScoreDistribution(TrainingRowCount, TrainingScoreQuantiles))
            {
                FalseAlarmRate = FalseAlarmRate,
                ReferenceScores = ReferenceScores == null ? null : new AnomalyReferenceScores(ReferenceScores, ReferenceScoresHeldOut),
                InvalidRowPolicy = policy,
                ScoreSource = source,
                FeatureNames = FeatureColumns == null ? null : new AnomalyFeatureNames(SlotNames, FeatureColumns, ColumnOfSlot ?? []),
                ExplanationTopK = ExplanationTopK,
                Standardization = StandardizationMeans == null ? null : new FeatureStandardization(StandardizationMeans, StandardizationScales ?? []),
            };
        }
    }
}
