using System.CommandLine;
using Microsoft.ML.Autoencoders.Cli.Data;
using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders.Cli.Commands;

// ML.NET's Microsoft.ML.Command namespace would otherwise hide System.CommandLine's Command inside Microsoft.ML.*.
using Command = System.CommandLine.Command;

/// <summary>
/// <c>autoencoder score</c>: anomaly scores to CSV. A detector gives its score and its verdict (its threshold's); a plain
/// autoencoder gives the reconstruction error, and a verdict only when <c>--threshold</c> says where anomalies start. A
/// sequence detector scores the rows as the time steps of a series, in file order, each row's score and verdict as the
/// library's <c>Transform</c> gives them.
/// </summary>
internal static class ScoreCommand
{
    public static Command Create(ToolConsole console)
    {
        var threshold = new Option<float?>("--threshold") { Description = "Flag rows whose score is above this (default: a detector's own threshold)." }
            // Every score is at least 0 (an error, a negative ELBO, a normalized score): a negative threshold would flag every row.
            .NonNegative();
        var newSeries = new Option<bool>("--new-series")
        {
            Description = "sequence detector: the file is a series of its own (e.g. the training file), not the continuation of the training series.",
        };
        return ModelDataCommand.Create(console, "score", "Write anomaly scores (and anomaly labels) to CSV; for a sequence detector, rows in file order are the time steps.",
            "The CSV file to write ('-' for stdout).", (parse, model, source, output) =>
        {
            float? given = parse.GetValue(threshold);
            bool ownSeries = parse.GetValue(newSeries);
            if (model.Sequence != null)
            {
                ScoreSeries(console, model.Sequence, source, output, given, ownSeries);
                return;
            }
            if (ownSeries) throw new UsageException("--new-series is for a sequence detector (train --kind sequence), whose scores depend on the rows before each one.");
            bool verdicts = model.Detector != null || given != null;
            long rows = 0, flagged = 0;
            CsvOutput.Write(output, console.Out, EncodeCommand.WithLabel(source, verdicts ? ["score", "anomaly"] : ["score"]), ModelDataCommand.PerChunk(source, chunk =>
            {
                var (scores, isAnomaly) = Score(model, chunk, given);
                rows += chunk.Rows;
                flagged += isAnomaly?.Count(a => a) ?? 0;
                return r => isAnomaly == null ? [CsvOutput.Number(scores[r])] : [CsvOutput.Number(scores[r]), isAnomaly[r] ? "1" : "0"];
            }));
            if (verdicts) console.Error.WriteLine($"{flagged} of {rows} rows flagged as anomalies.");
        }, threshold, newSeries);
    }

    /// <summary>
    /// A sequence detector's scores: the whole file is read (a row's score needs the rows around it), then scored as one
    /// series through the detector's own Transform, so the CSV holds exactly what the library gives, +∞ or NaN included.
    /// </summary>
    private static void ScoreSeries(ToolConsole console, SequenceAnomalyTransformer detector, Data.RowSource source, string output, float? threshold, bool ownSeries)
    {
        var set = source.ReadAll();
        var (scores, flags) = ScoreSeries(detector, set, threshold, ownSeries);
        CsvOutput.Write(output, console.Out, EncodeCommand.WithLabel(source, ["score", "anomaly"]),
            Enumerable.Range(0, set.Rows).Select(r => (IEnumerable<string>)(set.Labels == null
                ? [CsvOutput.Number(scores[r]), flags[r] ? "1" : "0"]
                : [set.Labels[r], CsvOutput.Number(scores[r]), flags[r] ? "1" : "0"])));
        int unscored = scores.Count(float.IsNaN);
        console.Error.WriteLine($"{flags.Count(f => f)} of {set.Rows} rows flagged as anomalies" +
            (unscored > 0 ? $", {unscored} not scored (NaN: a causal score's window starts before the file or holds a gap)" : "") +
            (ownSeries || !detector.ContinuesTrainingSeries ? "; scored as a series of its own."
                : "; scored as the continuation of the training series (--new-series if it is not)."));
    }

    /// <summary>Each row's score and verdict from <paramref name="detector"/>'s Transform, the rows in order as one series.</summary>
    public static (float[] Scores, bool[] IsAnomaly) ScoreSeries(SequenceAnomalyTransformer detector, DataSet set, float? threshold, bool ownSeries)
    {
        if (threshold is float given) detector = detector.ChangeThreshold(given);
        if (ownSeries) detector = detector.WithHistory(false);
        var scored = detector.Transform(new SeriesView(set, detector.ChannelColumnNames));
        // One cursor for both columns: each cursor runs the network over the whole series.
        var scores = new float[set.Rows];
        var flags = new bool[set.Rows];
        var scoreColumn = scored.Schema[detector.ScoreColumnName];
        var flagColumn = scored.Schema[detector.PredictedLabelColumnName];
        using (var cursor = scored.GetRowCursor([scoreColumn, flagColumn]))
        {
            var score = cursor.GetGetter<float>(scoreColumn);
            var flag = cursor.GetGetter<bool>(flagColumn);
            for (int r = 0; cursor.MoveNext(); r++)
            {
                score(ref scores[r]);
                flag(ref flags[r]);
            }
        }
        return (scores, flags);
    }

    /// <summary>Each row's score and, when there is a threshold, whether it is an anomaly.</summary>
    public static (float[] Scores, bool[]? IsAnomaly) Score(ToolModel model, DataSet set, float? threshold)
    {
        if (model.Sequence != null) return ScoreSeries(model.Sequence, set, threshold, ownSeries: false);
        if (model.Detector != null)
        {
            // Through the detector's own transform: its score (raw or normalized, standardized or not, reconstruction error or
            // negative ELBO, as trained) and its threshold, or the one given, in the same units. The network alone would score
            // the raw rows by their reconstruction error, which is another number for all but the plainest detector.
            var detector = threshold is float given ? model.Detector.ChangeThreshold(given) : model.Detector;
            var mlContext = new MLContext();
            var scored = detector.Transform(FeatureView.Create(mlContext, set));
            float[] scores = scored.GetColumn<float>(detector.ScoreColumnName).ToArray();
            bool[] flags = scored.GetColumn<bool>(detector.PredictedLabelColumnName).ToArray();
            return (scores, flags);
        }
        float[] errors = model.Network.ReconstructionErrors(set.Features, set.Rows, Environment.ProcessorCount);
        return (errors, threshold is float t ? errors.Select(e => e > t).ToArray() : null);
    }
}
