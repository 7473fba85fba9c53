using System.CommandLine;
using Microsoft.ML.Autoencoders.Plotting;

namespace Microsoft.ML.Autoencoders.Cli.Commands;

// ML.NET's Microsoft.ML.Command namespace would otherwise hide System.CommandLine's Command inside Microsoft.ML.*.
using Command = System.CommandLine.Command;

/// <summary>
/// <c>autoencoder sample</c>: draws new rows from a variational autoencoder's prior and decodes them, to a PNG grid (for
/// image models, when the output ends in .png) or CSV.
/// </summary>
internal static class SampleCommand
{
    private const int GridColumns = 10;

    public static Command Create(ToolConsole console)
    {
        var model = ModelArgument.Create();
        var output = ModelArgument.Output("A .png file (image models) or a CSV file ('-' for stdout).");
        var count = new Option<int>("--count", "-n") { Description = "How many samples.", DefaultValueFactory = _ => 20 }.AtLeast(1);
        var seed = new Option<int>("--seed") { Description = "Fixes the samples.", DefaultValueFactory = _ => 0 }.WholeNumber();
        var command = new Command("sample", "Generate new rows from a variational autoencoder.") { model, output, count, seed };
        CommandAction.Set(command, console, (parse, _) =>
        {
            int n = parse.GetValue(count);
            if (n < 1) throw new UsageException($"--count must be at least 1, not {n}.");
            var loaded = ToolModel.Load(parse.GetRequiredValue(model));
            if (!loaded.Network.IsVariational)
                throw new InvalidDataException($"'{parse.GetRequiredValue(model)}' holds a {loaded.Metadata?.Kind ?? "non-variational"} autoencoder: only a variational one (train --kind variational) can sample.");
            // The tool cannot read a detector's saved means and deviations back, so it cannot return such samples to the
            // features' units, and standardized values under the features' names would pass for raw ones.
            if (loaded.Detector is { StandardizesFeatures: true })
                throw new InvalidDataException($"The detector in '{parse.GetRequiredValue(model)}' standardizes its features before its network, so " +
                    "its samples come out standardized (each feature in its training deviations from its training mean), not in the " +
                    "features' units, and the tool cannot undo that for `sample`. Sample from a detector trained without --standardize, " +
                    "or from a --kind variational autoencoder (no --detector) trained on data scaled as you want the samples.");
            var (items, _) = loaded.Network.Variational.Sample(n, parse.GetValue(seed));
            int width = loaded.InputSize;
            string path = parse.GetRequiredValue(output);
            if (path.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
            {
                int[] shape = loaded.ImageShape ?? throw new UsageException("A PNG grid needs an image model (trained on IDX or an image folder); write CSV instead.");
                var images = Enumerable.Range(0, n).Select(i => items.AsSpan(i * width, width).ToArray()).ToArray();
                var rows = images.Chunk(GridColumns).Select(c => (IReadOnlyList<float[]>)c).ToArray();
                ImageGridPlot.Write(path, rows, shape[1], shape[2], shape[0], $"{n} samples from the prior", "sample", "");
                console.Out.WriteLine($"Wrote {n} samples to {path}.");
            }
            else
            {
                var names = loaded.Metadata?.FeatureNames ?? Enumerable.Range(1, width).Select(i => $"f{i}").ToArray();
                CsvOutput.Write(path, console.Out, names, Enumerable.Range(0, n).Select(r => CsvOutput.Slice(items, r, width)));
            }
        });
        return command;
    }
}
