using System.CommandLine;
using Microsoft.ML.Autoencoders.Cli.Data;

namespace Microsoft.ML.Autoencoders.Cli.Commands;

// ML.NET's Microsoft.ML.Command namespace would otherwise hide System.CommandLine's Command inside Microsoft.ML.*.
using Command = System.CommandLine.Command;

/// <summary>
/// <c>autoencoder reconstruct</c> (alias <c>denoise</c>): each row as the autoencoder rebuilds it, under the input's column
/// names; for a denoising model that is the cleaned-up row.
/// </summary>
internal static class ReconstructCommand
{
    public static Command Create(ToolConsole console)
    {
        var model = ModelArgument.Create();
        var data = new DataOptions();
        var output = ModelArgument.Output("The CSV file to write ('-' for stdout).");
        var command = new Command("reconstruct", "Write each row's reconstruction (for a denoising model: the denoised row) to CSV.") { model };
        command.Aliases.Add("denoise");
        data.AddTo(command, withLabel: true);
        command.Add(output);
        CommandAction.Set(command, console, (parse, _) =>
        {
            var loaded = ToolModel.Load(parse.GetRequiredValue(model));
            DataSet set = data.Read(parse, loaded);
            float[] rebuilt = loaded.Network.Reconstruct(set.Features, set.Rows, Environment.ProcessorCount);
            CsvOutput.Write(parse.GetRequiredValue(output), console.Out, EncodeCommand.WithLabel(set, set.FeatureNames), set.Rows,
                r => EncodeCommand.WithLabel(set, r, CsvOutput.Slice(rebuilt, r, set.Width)));
        });
        return command;
    }
}
