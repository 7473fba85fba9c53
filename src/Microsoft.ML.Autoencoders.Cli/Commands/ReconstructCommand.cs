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
        var command = ModelDataCommand.Create(console, "reconstruct",
            "Write each row's reconstruction (for a denoising model: the denoised row) to CSV.", "The CSV file to write ('-' for stdout).", (_, model, source, output) =>
            {
                CsvOutput.Write(output, console.Out, EncodeCommand.WithLabel(source, source.FeatureNames), ModelDataCommand.PerChunk(source, chunk =>
                {
                    float[] rebuilt = model.NetworkOnRawRows("reconstruct").Reconstruct(chunk.Features, chunk.Rows, Environment.ProcessorCount);
                    return r => CsvOutput.Slice(rebuilt, r, chunk.Width);
                }));
            });
        command.Aliases.Add("denoise");
        return command;
    }
}
