using System.CommandLine;
using Microsoft.ML.Autoencoders.Cli.Data;
using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders.Cli.Commands;

// ML.NET's Microsoft.ML.Command namespace would otherwise hide System.CommandLine's Command inside Microsoft.ML.*.
using Command = System.CommandLine.Command;

/// <summary>
/// <c>autoencoder score</c>: anomaly scores to CSV. A detector gives its score and its verdict (its threshold's); a plain
/// autoencoder gives the reconstruction error, and a verdict only when <c>--threshold</c> says where anomalies start.
/// </summary>
internal static class ScoreCommand
{
    public static Command Create(ToolConsole console)
    {
        var threshold = new Option<float?>("--threshold") { Description = "Flag rows whose score is above this (default: a detector's own threshold)." }
            // Every score is at least 0 (an error, a negative ELBO, a normalized score): a negative threshold would flag every row.
            .NonNegative();
        return ModelDataCommand.Create(console, "score", "Write anomaly scores (and anomaly labels) to CSV.", "The CSV file to write ('-' for stdout).", (parse, model, source, output) =>
        {
            float? given = parse.GetValue(threshold);
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
        }, threshold);
    }

    /// <summary>Each row's score and, when there is a threshold, whether it is an anomaly.</summary>
    public static (float[] Scores, bool[]? IsAnomaly) Score(ToolModel model, DataSet set, float? threshold)
    {
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
