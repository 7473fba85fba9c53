using System.CommandLine;
using Microsoft.ML.Autoencoders.Cli.Data;
using Microsoft.ML.Autoencoders.Plotting;

namespace Microsoft.ML.Autoencoders.Cli.Commands;

// ML.NET's Microsoft.ML.Command namespace would otherwise hide System.CommandLine's Command inside Microsoft.ML.*.
using Command = System.CommandLine.Command;

/// <summary>
/// <c>autoencoder plot</c>: pictures of a model, drawn by Microsoft.ML.Autoencoders.Plotting — <c>loss</c> (from the
/// history the tool stored), and from a model plus data <c>reconstructions</c>, <c>codes</c>, <c>roc</c> and <c>errors</c>.
/// </summary>
internal static class PlotCommand
{
    public static Command Create(ToolConsole console)
    {
        var command = new Command("plot", "Draw a PNG: loss, reconstructions, codes, roc or errors.");

        var lossModel = ModelArgument.Create();
        var lossOutput = ModelArgument.Output("The PNG file to write.");
        var loss = new Command("loss", "Training and validation loss per epoch.") { lossModel, lossOutput };
        CommandAction.Set(loss, console, (parse, _) =>
        {
            string path = parse.GetRequiredValue(lossModel);
            var loaded = ToolModel.Load(path);
            if (loaded.Metadata is not { History.Count: > 0 } metadata)
                throw new InvalidDataException($"'{path}' has no training history: only models trained by `autoencoder train` store one.");
            LossCurvePlot.Write(parse.GetRequiredValue(lossOutput), metadata.Epochs, $"Loss per epoch ({metadata.Kind})");
            Wrote(console, parse.GetRequiredValue(lossOutput));
        });
        command.Add(loss);

        command.Add(WithData(console, "reconstructions", "Inputs above their reconstructions (image models).", readsAll: false, (loaded, set, output, count) =>
        {
            var network = loaded.NetworkOnRawRows("plot reconstructions");
            int[] shape = loaded.ImageShape ?? set.ImageShape
                ?? throw new UsageException("Reconstructions are drawn as images: train on an IDX file or an image folder (use `reconstruct` for CSV).");
            int rows = Math.Min(count, set.Rows);
            float[] rebuilt = network.Reconstruct(set.Features.AsSpan(0, rows * set.Width), rows, Environment.ProcessorCount);
            var inputs = Enumerable.Range(0, rows).Select(set.Row).ToArray();
            var outputs = Enumerable.Range(0, rows).Select(r => rebuilt.AsSpan(r * set.Width, set.Width).ToArray()).ToArray();
            ImageGridPlot.WriteReconstructions(output, inputs, outputs, shape[1], shape[2], shape[0]);
        }));

        command.Add(WithData(console, "codes", "Codes in 2-D (projected when wider), coloured by --label.", readsAll: false, (loaded, set, output, count) =>
        {
            int rows = Math.Min(count, set.Rows);
            float[] codes = loaded.NetworkOnRawRows("plot codes").Encode(set.Features.AsSpan(0, rows * set.Width), rows, Environment.ProcessorCount);
            if (loaded.Network.CodeSize < 2) throw new InvalidDataException("The codes are 1-wide: there is no plane to draw them in.");
            CodeScatterPlot.Write(output, codes, loaded.Network.CodeSize, set.Labels?.Take(rows).ToArray(), $"Codes ({loaded.Network.CodeSize}-wide)");
        }));

        var newSeries = new Option<bool>("--new-series")
        {
            Description = "sequence detector: the file is a series of its own (e.g. the training file), not the continuation of the training series.",
        };
        command.Add(WithData(console, "roc", "ROC curve of the anomaly scores against --label (1 = anomaly), AUC in the title.", readsAll: true, (loaded, set, output, _, parse) =>
        {
            bool[] labels = set.AnomalyLabels();
            bool ownSeries = parse.GetValue(newSeries);
            if (ownSeries && loaded.Sequence == null)
                throw new UsageException("--new-series is for a sequence detector (train --kind sequence), whose scores depend on the rows before each one.");
            var (scores, _) = loaded.Sequence != null
                ? ScoreCommand.ScoreSeries(loaded.Sequence, set, threshold: null, ownSeries)
                : ScoreCommand.Score(loaded, set, threshold: null);
            // Only a causal sequence detector leaves rows unscored: those whose one window holds a gap.
            if (scores.Count(float.IsNaN) is > 0 and int unscored)
                throw new InvalidDataException($"{unscored} rows have no score (NaN: a causal sequence detector does not score a row whose window " +
                    "starts before the file or holds a gap), and a ROC curve ranks every row: fill the gaps, or see the scores with `score`.");
            var curve = RocCurvePlot.Write(output, scores, labels);
            console.Out.WriteLine(FormattableString.Invariant($"AUC {curve.Area:F4}"));
        }, newSeries));

        command.Add(WithData(console, "errors", "Heatmap of each row's squared error per feature.", readsAll: false, (loaded, set, output, count) =>
        {
            int rows = Math.Min(count, set.Rows);
            float[] rebuilt = loaded.NetworkOnRawRows("plot errors").Reconstruct(set.Features.AsSpan(0, rows * set.Width), rows, Environment.ProcessorCount);
            var errors = new float[rows * set.Width];
            for (int i = 0; i < errors.Length; i++) errors[i] = (set.Features[i] - rebuilt[i]) * (set.Features[i] - rebuilt[i]);
            FeatureErrorHeatmapPlot.Write(output, errors, set.Width, set.FeatureNames);
        }));
        return command;
    }

    /// <summary>
    /// A plot subcommand that reads a model and data, then <paramref name="draw"/>s: every row when it
    /// <paramref name="readsAll"/> (the ROC curve), otherwise only the first <c>--rows</c>, so that a CSV larger than
    /// memory is not read past them.
    /// </summary>
    private static Command WithData(ToolConsole console, string name, string description, bool readsAll, Action<ToolModel, DataSet, string, int> draw) =>
        WithData(console, name, description, readsAll, (model, set, output, count, _) => draw(model, set, output, count));

    /// <summary>A plot over the -d file whose drawing also reads the parsed command line (for options of its own).</summary>
    private static Command WithData(ToolConsole console, string name, string description, bool readsAll, Action<ToolModel, DataSet, string, int, ParseResult> draw,
        params Option[] options)
    {
        var rows = new Option<int>("--rows") { Description = "How many rows to draw (the first ones).", DefaultValueFactory = _ => name == "reconstructions" ? 10 : 2000 }.AtLeast(1);
        return ModelDataCommand.Create(console, name, description, "The PNG file to write.", (parse, model, source, output) =>
        {
            int count = parse.GetValue(rows);
            draw(model, readsAll ? source.ReadAll() : source.ReadFirst(count), output, count, parse);
            Wrote(console, output);
        }, [rows, .. options]);
    }

    private static void Wrote(ToolConsole console, string path) => console.Out.WriteLine($"Wrote {path}.");
}
