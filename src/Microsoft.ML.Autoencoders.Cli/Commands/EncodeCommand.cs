using System.CommandLine;
using Microsoft.ML.Autoencoders.Cli.Data;

namespace Microsoft.ML.Autoencoders.Cli.Commands;

// ML.NET's Microsoft.ML.Command namespace would otherwise hide System.CommandLine's Command inside Microsoft.ML.*.
using Command = System.CommandLine.Command;

/// <summary><c>autoencoder encode</c>: each row's code as CSV (code_1..code_k, after the label when one is named).</summary>
internal static class EncodeCommand
{
    public static Command Create(ToolConsole console)
    {
        var model = ModelArgument.Create();
        var data = new DataOptions();
        var output = ModelArgument.Output("The CSV file to write ('-' for stdout).");
        var command = new Command("encode", "Write each row's code (the bottleneck's values) to CSV.") { model };
        data.AddTo(command, withLabel: true);
        command.Add(output);
        CommandAction.Set(command, console, (parse, _) =>
        {
            var loaded = ToolModel.Load(parse.GetRequiredValue(model));
            DataSet set = data.Read(parse, loaded);
            float[] codes = loaded.Network.Encode(set.Features, set.Rows, Environment.ProcessorCount);
            int width = loaded.Network.CodeSize;
            var header = Enumerable.Range(1, width).Select(i => $"code_{i}");
            CsvOutput.Write(parse.GetRequiredValue(output), console.Out, WithLabel(set, header), set.Rows, r => WithLabel(set, r, CsvOutput.Slice(codes, r, width)));
        });
        return command;
    }

    /// <summary>The label column first, when the data has one, so each output row says what it was.</summary>
    public static IReadOnlyList<string> WithLabel(DataSet set, IEnumerable<string> header) => (set.Labels == null ? header : header.Prepend("label")).ToArray();

    public static IEnumerable<string> WithLabel(DataSet set, int row, IEnumerable<string> values) => set.Labels == null ? values : values.Prepend(set.Labels[row]);
}
