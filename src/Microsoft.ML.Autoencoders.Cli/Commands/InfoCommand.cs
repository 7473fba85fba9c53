using System.CommandLine;
using System.Globalization;

namespace Microsoft.ML.Autoencoders.Cli.Commands;

// ML.NET's Microsoft.ML.Command namespace would otherwise hide System.CommandLine's Command inside Microsoft.ML.*.
using Command = System.CommandLine.Command;

/// <summary><c>autoencoder info</c>: what a model file holds — kind, layer widths, columns, loss, training summary, threshold.</summary>
internal static class InfoCommand
{
    public static Command Create(ToolConsole console)
    {
        var model = ModelArgument.Create();
        var command = new Command("info", "Describe what a model file holds.") { model };
        CommandAction.Set(command, console, (parse, _) =>
        {
            string path = parse.GetRequiredValue(model);
            var loaded = ToolModel.Load(path);
            if (loaded.Sequence != null)
            {
                Print(console, [("file", path), .. SequenceLines(loaded.Sequence), .. MetadataLines(loaded)]);
                return;
            }
            var network = loaded.Network;
            var lines = new List<(string, string)>
            {
                ("file", path),
                ("holds", loaded.Detector != null ? "anomaly detector" : "autoencoder"),
                ("kind", loaded.Metadata?.Kind ?? (network.IsVariational ? "variational" : "autoencoder")),
                ("variational", network.IsVariational ? "yes" : "no"),
                ("layers", string.Join("-", network.LayerWidths)),
                ("input size", network.InputSize.ToString(CultureInfo.InvariantCulture)),
                ("code size", network.CodeSize.ToString(CultureInfo.InvariantCulture)),
                ("loss", network.Loss?.ToString() ?? "not recorded"),
                ("input column", loaded.Autoencoder?.InputColumnName ?? loaded.Detector!.FeatureColumnName),
            };
            if (loaded.Autoencoder != null)
            {
                var outputs = new[] { loaded.Autoencoder.EncodedColumnName, loaded.Autoencoder.ReconstructionColumnName, loaded.Autoencoder.ReconstructionErrorColumnName,
                    loaded.Autoencoder.DenoisedColumnName, loaded.Autoencoder.NegativeElboColumnName }.OfType<string>();
                lines.Add(("output columns", string.Join(", ", outputs)));
            }
            else
            {
                var d = loaded.Detector!;
                lines.Add(("output columns", string.Join(", ", new[] { d.ScoreColumnName, d.PredictedLabelColumnName, d.FeatureErrorsColumnName, d.PValueColumnName }.OfType<string>())));
                lines.Add(("threshold", d.Threshold.ToString("G6", CultureInfo.InvariantCulture)));
                if (d.Contamination != null) lines.Add(("contamination", d.Contamination.Value.ToString(CultureInfo.InvariantCulture)));
                if (d.FalseAlarmRate != null) lines.Add(("false-alarm rate", d.FalseAlarmRate.Value.ToString(CultureInfo.InvariantCulture)));
                // What the score measures, so a --threshold for `score` can be given in its units.
                string measure = (d.ScoreSource == AnomalyScoreSource.NegativeElbo ? "negative ELBO" : "reconstruction error") +
                    (d.StandardizesFeatures ? " of the standardized features" : "");
                lines.Add(("scores", d.NormalizeScores ? $"{measure}, normalized to [0, 1]" : $"raw {measure}"));
            }
            lines.AddRange(MetadataLines(loaded));
            Print(console, lines);
        });
        return command;
    }

    private static void Print(ToolConsole console, IReadOnlyList<(string, string)> lines)
    {
        int pad = lines.Max(l => l.Item1.Length) + 2;
        foreach (var (key, value) in lines) console.Out.WriteLine($"{(key + ":").PadRight(pad)}{value}");
    }

    /// <summary>A sequence detector: its network and window, the channels it reads, how it scores and where its threshold lies.</summary>
    private static IEnumerable<(string, string)> SequenceLines(SequenceAnomalyTransformer detector)
    {
        bool causal = detector.Scoring == SequenceScoring.Causal;
        yield return ("holds", "sequence anomaly detector");
        yield return ("kind", SequenceDetector.Kind);
        yield return ("network", SequenceDetector.NetworkName(detector));
        yield return ("window", $"{detector.WindowLength.ToString(CultureInfo.InvariantCulture)} time steps");
        yield return ("channels", string.Join(", ", detector.ChannelColumnNames));
        yield return ("scoring", causal
            ? "causal (a row's score from the window ending at it: its newest step's squared standardized error)"
            : "centered (a row's score: its squared standardized error, averaged over every window covering it)");
        yield return ("threshold", detector.Threshold.ToString("G6", CultureInfo.InvariantCulture));
        if (detector.Contamination != null) yield return ("contamination", detector.Contamination.Value.ToString(CultureInfo.InvariantCulture));
        yield return ("continues training", detector.ContinuesTrainingSeries
            ? "yes (`score` takes a file as what follows the training series; --new-series for one of its own)"
            : "no (`score` takes each file as a series of its own)");
        yield return ("layers", string.Join("-", detector.Model.LayerWidths));
        yield return ("output columns", string.Join(", ", new[] { detector.ScoreColumnName, detector.PredictedLabelColumnName, detector.ChannelErrorsColumnName }.OfType<string>()));
    }

    /// <summary>What the tool stored when it trained the model: the features, image shape and training summary (nothing for another program's file).</summary>
    private static List<(string, string)> MetadataLines(ToolModel loaded)
    {
        var lines = new List<(string, string)>();
        if (loaded.Metadata is { } metadata)
        {
            var names = metadata.FeatureNames;
            // A sequence detector lists them as its channels.
            if (loaded.Sequence == null) lines.Add(("features", names.Count <= 12 ? string.Join(", ", names) : $"{string.Join(", ", names.Take(6))}, ... ({names.Count} in all)"));
            if (metadata.ImageShape != null) lines.Add(("image shape", string.Join("×", metadata.ImageShape)));
            if (metadata.History.Count > 0)
            {
                var last = metadata.History[^1];
                lines.Add(("epochs", metadata.History.Count.ToString(CultureInfo.InvariantCulture)));
                lines.Add(("final loss", (last.TrainingLoss + last.Penalty).ToString("G5", CultureInfo.InvariantCulture)));
                if (last.ValidationLoss is double v) lines.Add(("final validation loss", v.ToString("G5", CultureInfo.InvariantCulture)));
            }
        }
        return lines;
    }
}
