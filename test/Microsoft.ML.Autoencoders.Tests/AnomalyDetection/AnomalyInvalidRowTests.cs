using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Microsoft.ML.Autoencoders.Tests.AnomalyDetection;

/// <summary>
/// Rows with NaN or ±∞ features are never silently normal: flagged with Score +∞ by default, or an error naming the row
/// and the column under InvalidRowPolicy.Throw — through Transform, a prediction engine, plain Model.Load (ONNX Runtime)
/// and the typed reload alike.
/// </summary>
public sealed class AnomalyInvalidRowTests
{
    private static readonly MLContext MlContext = new(seed: 1);

    // Where the bad values go in the 40 test rows: (row, slot, value). Rows 30..39 are anomalies; row 33 is one of them.
    private static readonly (int Row, int Slot, float Value)[] BadCells =
    [
        (3, 5, float.NaN),
        (7, 0, float.PositiveInfinity),
        (9, AnomalyData.Width - 1, float.NegativeInfinity),
        (33, 2, float.NaN),
    ];

    private static readonly Lazy<AutoencoderAnomalyTransformer> Flagging = new(() => Train(InvalidRowPolicy.FlagAsAnomaly));
    private static readonly Lazy<AutoencoderAnomalyTransformer> Throwing = new(() => Train(InvalidRowPolicy.Throw));

    private static AutoencoderAnomalyTransformer Train(InvalidRowPolicy policy)
    {
        var network = AnomalyData.Network();
        network.Epochs = 20;
        return MlContext.AnomalyDetection.Trainers.Autoencoder(new AutoencoderAnomalyOptions
        {
            Contamination = 0.05,
            PValueColumnName = "PValue",
            FeatureErrorsColumnName = "Why",
            InvalidRowPolicy = policy,
            Autoencoder = network,
        }).Fit(AnomalyData.Train(MlContext, rows: 300));
    }

    private static List<AnomalyData.Row> CleanRows() => AnomalyData.Rows(30, 10, seed: 11);

    private static List<AnomalyData.Row> RowsWithBadCells()
    {
        var rows = CleanRows();
        foreach (var (row, slot, value) in BadCells) rows[row].Features[slot] = value;
        return rows;
    }

    private static bool IsBad(int row) => BadCells.Any(c => c.Row == row);

    [Fact]
    public void DefaultPolicyFlagsBadRowsWithInfiniteScoreAndLeavesTheOthersAlone()
    {
        var detector = Flagging.Value;
        Assert.Equal(InvalidRowPolicy.FlagAsAnomaly, new AutoencoderAnomalyOptions().InvalidRowPolicy);
        var clean = detector.Transform(MlContext.Data.LoadFromEnumerable(CleanRows()));
        var dirty = detector.Transform(MlContext.Data.LoadFromEnumerable(RowsWithBadCells()));
        AssertFlagged(detector, dirty, exact: clean);
    }

    [Fact]
    public void BadRowsAreFlaggedTheSameWayAfterPlainModelLoadAndTypedReload()
    {
        var detector = Flagging.Value;
        var data = MlContext.Data.LoadFromEnumerable(RowsWithBadCells());
        using var file = new TemporaryFile();
        MlContext.Model.Save(detector, data.Schema, file.Path);

        var clean = detector.Transform(MlContext.Data.LoadFromEnumerable(CleanRows()));
        // ONNX Runtime: the network graph gives NaN or +∞ errors for these rows; the head turns them into +∞ and true.
        var onnx = new MLContext().Model.Load(file.Path, out _).Transform(data);
        AssertFlagged(detector, onnx, exact: null, close: clean);
        var typed = AutoencoderAnomalyTransformer.LoadFromModelFile(file.Path);
        Assert.Equal(InvalidRowPolicy.FlagAsAnomaly, typed.InvalidRowPolicy);
        AssertFlagged(detector, typed.Transform(data), exact: clean);
    }

    [Fact]
    public void TheBareNetworkGraphGivesNonFiniteErrorsInOnnxRuntime()
    {
        // What the docs promise for the autoencoder's own ONNX file (SaveAsOnnx), which has no invalid-row rule: NaN in,
        // NaN error out; ±∞ in, +∞ or NaN out — never a finite error that could pass for normal.
        var detector = Flagging.Value;
        var columns = new AutoencoderColumns("Features", Encoded: null, Reconstruction: null, ReconstructionError: "Error");
        using var onnx = new MemoryStream();
        new AutoencoderTransformer(detector.Model, columns).SaveAsOnnx(onnx);
        using var session = new InferenceSession(onnx.ToArray());
        var rows = RowsWithBadCells();
        float[] batch = rows.SelectMany(r => r.Features).ToArray();
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("input", new DenseTensor<float>(batch, [rows.Count, AnomalyData.Width]))]);
        var errors = results.Single(r => r.Name == "reconstruction_error").AsEnumerable<float>().ToArray();
        Assert.True(float.IsNaN(errors[3]));   // NaN feature
        Assert.True(float.IsNaN(errors[33]));
        Assert.False(float.IsFinite(errors[7]));  // +∞
        Assert.False(float.IsFinite(errors[9]));  // −∞
        Assert.All(Enumerable.Range(0, rows.Count).Where(i => !IsBad(i)), i => Assert.True(float.IsFinite(errors[i])));
    }

    [Fact]
    public void PredictionEngineFlagsABadRow()
    {
        var detector = Flagging.Value;
        var rows = RowsWithBadCells();
        using var file = new TemporaryFile();
        MlContext.Model.Save(detector, MlContext.Data.LoadFromEnumerable(rows).Schema, file.Path);
        var loaded = new MLContext().Model.Load(file.Path, out _);
        foreach (var model in new ITransformer[] { detector, loaded })
        {
            var engine = MlContext.Model.CreatePredictionEngine<AnomalyData.Row, Prediction>(model);
            var bad = engine.Predict(rows[3]);
            Assert.True(float.IsPositiveInfinity(bad.Score));
            Assert.True(bad.PredictedLabel);
            Assert.Equal(1f / (detector.ReferenceScores!.Count + 1), bad.PValue);
            var good = engine.Predict(rows[0]); // the engine goes on scoring after a bad row
            Assert.True(float.IsFinite(good.Score));
        }
    }

    [Fact]
    public void NormalizedScoresAlsoGiveInfinityForABadRow()
    {
        var network = AnomalyData.Network();
        network.Epochs = 2;
        var detector = MlContext.AnomalyDetection.Trainers.Autoencoder(new AutoencoderAnomalyOptions { NormalizeScores = true, Autoencoder = network })
            .Fit(AnomalyData.Train(MlContext, rows: 100));
        var rows = RowsWithBadCells();
        var scores = detector.Transform(MlContext.Data.LoadFromEnumerable(rows)).GetColumn<float>("Score").ToList();
        for (int i = 0; i < rows.Count; i++)
            Assert.True(IsBad(i) ? float.IsPositiveInfinity(scores[i]) : scores[i] is >= 0 and <= 1, $"row {i}: {scores[i]}");
    }

    [Fact]
    public void EvaluationRanksBadRowsAboveEveryScorableRow()
    {
        var detector = Flagging.Value;
        var rows = RowsWithBadCells();
        foreach (var (row, _, _) in BadCells) rows[row].Label = 1; // a bad row counts as an anomaly
        var scored = detector.Transform(MlContext.Data.LoadFromEnumerable(rows));
        var scores = scored.GetColumn<float>("Score").ToList();
        var labels = scored.GetColumn<float>("Label").ToList();
        double auc = AnomalyData.Auc(scores, labels);
        Assert.Equal(auc, MlContext.AnomalyDetection.EvaluateAutoencoder(scored).AreaUnderRocCurve, 6);
        Assert.InRange(auc, 0.8, 1.0);

        // ML.NET's own evaluator skips rows whose score is not finite: the AUC of the other rows.
        var finite = Enumerable.Range(0, scores.Count).Where(i => float.IsFinite(scores[i])).ToList();
        double aucWithoutBadRows = AnomalyData.Auc(finite.Select(i => scores[i]).ToList(), finite.Select(i => labels[i]).ToList());
        Assert.Equal(aucWithoutBadRows, MlContext.AnomalyDetection.Evaluate(scored).AreaUnderRocCurve, 6);
    }

    [Fact]
    public void ThrowPolicyNamesTheRowTheColumnAndTheSlot()
    {
        var detector = Throwing.Value;
        var data = MlContext.Data.LoadFromEnumerable(RowsWithBadCells());
        // Any output read runs the check: the score, the p-value alone, the feature errors alone.
        foreach (string column in new[] { "Score", "PredictedLabel", "PValue" })
        {
            var error = ThrowsInvalidRow(() => ReadAll(detector.Transform(data), column));
            AssertNames(error, row: 3, column: "Features", slot: 5, float.NaN);
        }
        var onlyErrors = ThrowsInvalidRow(() => detector.Transform(data).GetColumn<float[]>("Why").ToList());
        Assert.Equal(3, onlyErrors.RowIndex);
        Assert.Contains("Row 3: column 'Features' holds NaN in slot 5", onlyErrors.Message);
        Assert.Contains("InvalidRowPolicy", onlyErrors.Message);

        // Clean rows go through untouched: both detectors trained on the same rows with the same seed.
        var clean = MlContext.Data.LoadFromEnumerable(CleanRows());
        Assert.Equal(Flagging.Value.Transform(clean).GetColumn<float>("Score"), detector.Transform(clean).GetColumn<float>("Score"));
        // The first bad row of a view without row 3 is row 7 (+∞ in slot 0).
        var fromSeven = MlContext.Data.LoadFromEnumerable(RowsWithBadCells().Select((r, i) => (r, i)).Where(p => p.i != 3).Select(p => p.r));
        var second = ThrowsInvalidRow(() => ReadAll(detector.Transform(fromSeven), "Score"));
        AssertNames(second, row: 6, column: "Features", slot: 0, float.PositiveInfinity);
    }

    /// <summary>
    /// The row index is the row's position also deep into a view long enough for ML.NET to split its reading over
    /// parallel cursors: a guard that counts per cursor must not be split (a plain CustomMapping guard was, and named row
    /// 1500 of 3000 as row 732).
    /// </summary>
    [Fact]
    public void ThrowPolicyNamesTheRowsPositionInALongView()
    {
        var rows = AnomalyData.Rows(3000, 0, seed: 12);
        rows[1500].Features[4] = float.NaN;
        var data = MlContext.Data.LoadFromEnumerable(rows);
        using var file = new TemporaryFile();
        MlContext.Model.Save(Throwing.Value, data.Schema, file.Path);
        foreach (var model in new ITransformer[] { Throwing.Value, new MLContext().Model.Load(file.Path, out _), new MLContext().Model.LoadWithBatchedScoring(file.Path, out _) })
            Assert.Equal(1500, ThrowsInvalidRow(() => ReadAll(model.Transform(data), "Score")).RowIndex);
    }

    [Fact]
    public void ThrowPolicySurvivesSavingAndWorksInPredictionEngines()
    {
        var detector = Throwing.Value;
        var rows = RowsWithBadCells();
        var data = MlContext.Data.LoadFromEnumerable(rows);
        using var file = new TemporaryFile();
        MlContext.Model.Save(detector, data.Schema, file.Path);

        // Plain Model.Load: the saved guard cannot know the column's name (ML.NET creates it without arguments).
        var loaded = new MLContext().Model.Load(file.Path, out _);
        var onnxError = ThrowsInvalidRow(() => ReadAll(loaded.Transform(data), "Score"));
        AssertNames(onnxError, row: 3, column: null, slot: 5, float.NaN);
        ThrowsInvalidRow(() => loaded.Transform(data).GetColumn<float[]>("Why").ToList());

        var typed = AutoencoderAnomalyTransformer.LoadFromModelFile(file.Path);
        Assert.Equal(InvalidRowPolicy.Throw, typed.InvalidRowPolicy);
        AssertNames(ThrowsInvalidRow(() => ReadAll(typed.Transform(data), "Score")), row: 3, column: "Features", slot: 5, float.NaN);

        foreach (var model in new ITransformer[] { detector, loaded, typed })
        {
            var engine = MlContext.Model.CreatePredictionEngine<AnomalyData.Row, Prediction>(model);
            Assert.True(float.IsFinite(engine.Predict(rows[0]).Score));
            // A prediction engine counts the rows it has scored: this is its second.
            var error = Assert.Throws<AnomalyInvalidRowException>(() => engine.Predict(rows[9]));
            Assert.Equal(1, error.RowIndex);
            Assert.Equal(AnomalyData.Width - 1, error.Slot);
            Assert.Equal(float.NegativeInfinity, error.Value);
            Assert.True(float.IsFinite(engine.Predict(rows[1]).Score));
        }

        // And the ONNX path agrees with the engine on the rows it can score.
        var clean = MlContext.Data.LoadFromEnumerable(CleanRows());
        ColumnValues.AssertClose(ColumnValues.Scalars(detector.Transform(clean), "Score"), ColumnValues.Scalars(loaded.Transform(clean), "Score"), "Score");
    }

    /// <summary>Bad rows: Score +∞, flagged, smallest p-value, feature errors marking the bad slots. Other rows: as if scored alone.</summary>
    private static void AssertFlagged(AutoencoderAnomalyTransformer detector, IDataView scored, IDataView? exact, IDataView? close = null)
    {
        var scores = scored.GetColumn<float>("Score").ToList();
        var labels = scored.GetColumn<bool>("PredictedLabel").ToList();
        var pValues = scored.GetColumn<float>("PValue").ToList();
        var why = scored.GetColumn<float[]>("Why").ToList();
        var reference = (exact ?? close)!;
        var referenceScores = reference.GetColumn<float>("Score").ToList();
        var referencePValues = reference.GetColumn<float>("PValue").ToList();
        float smallest = 1f / (detector.ReferenceScores!.Count + 1);
        for (int i = 0; i < scores.Count; i++)
        {
            if (IsBad(i))
            {
                var (_, slot, _) = BadCells.Single(c => c.Row == i);
                Assert.True(float.IsPositiveInfinity(scores[i]), $"row {i}: score {scores[i]}");
                Assert.True(labels[i], $"row {i} is not flagged");
                Assert.Equal(smallest, pValues[i]);
                for (int j = 0; j < AnomalyData.Width; j++) Assert.Equal(j == slot ? float.PositiveInfinity : 0f, why[i][j]);
                continue;
            }
            // A bad row in the same batch must not disturb its neighbours.
            if (exact != null) Assert.Equal(referenceScores[i], scores[i]);
            else ColumnValues.AssertClose(referenceScores[i], scores[i], $"Score row {i}");
            Assert.Equal(scores[i] > detector.Threshold, labels[i]);
            Assert.InRange(Math.Abs(pValues[i] - referencePValues[i]), 0, exact != null ? 0 : smallest * 1.01);
            Assert.All(why[i], e => Assert.True(float.IsFinite(e)));
        }
    }

    /// <summary>
    /// The error a read raised. ML.NET reads rows on worker threads for its parallel cursors and wraps what they throw in
    /// InvalidOperationException ("Splitter/consolidator worker encountered exception..."), so look at the innermost.
    /// </summary>
    private static AnomalyInvalidRowException ThrowsInvalidRow(Action read)
    {
        var error = Record.Exception(read);
        Assert.NotNull(error);
        return Assert.IsType<AnomalyInvalidRowException>(error.GetBaseException());
    }

    private static void AssertNames(AnomalyInvalidRowException error, long row, string? column, int slot, float value)
    {
        Assert.Equal(row, error.RowIndex);
        Assert.Equal(column, error.ColumnName);
        Assert.Equal(slot, error.Slot);
        Assert.Equal(value, error.Value);
        Assert.Contains($"Row {row}:", error.Message);
        if (column != null) Assert.Contains($"'{column}'", error.Message);
    }

    private static void ReadAll(IDataView data, string column)
    {
        if (data.Schema[column].Type is BooleanDataViewType) _ = data.GetColumn<bool>(column).ToList();
        else _ = data.GetColumn<float>(column).ToList();
    }

    public sealed class Prediction
    {
        public float Score { get; set; }
        public bool PredictedLabel { get; set; }
        public float PValue { get; set; }
    }
}
