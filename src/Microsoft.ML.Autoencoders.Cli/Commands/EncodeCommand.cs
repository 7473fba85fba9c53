using Microsoft.ML.Autoencoders.Cli.Data;

namespace Microsoft.ML.Autoencoders.Cli.Commands;

// ML.NET's Microsoft.ML.Command namespace would otherwise hide System.CommandLine's Command inside Microsoft.ML.*.
using Command = System.CommandLine.Command;

/// <summary><c>autoencoder encode</c>: each row's code as CSV (code_1..code_k, after the label when one is named).</summary>
internal static class EncodeCommand
{
    public static Command Create(ToolConsole console) => ModelDataCommand.Create(console, "encode",
        "Write each row's code (the bottleneck's values) to CSV.", "The CSV file to write ('-' for stdout).", (_, model, set, output) =>
        {
            float[] codes = model.Network.Encode(set.Features, set.Rows, Environment.ProcessorCount);
            int width = model.Network.CodeSize;
            var header = Enumerable.Range(1, width).Select(i => $"code_{i}");
            CsvOutput.Write(output, console.Out, WithLabel(set, header), set.Rows, r => WithLabel(set, r, CsvOutput.Slice(codes, r, width)));
        });

    /// <summary>The label column first, when the data has one, so each output row says what it was.</summary>
    public static IReadOnlyList<string> WithLabel(DataSet set, IEnumerable<string> header) => (set.Labels == null ? header : header.Prepend("label")).ToArray();

    public static IEnumerable<string> WithLabel(DataSet set, int row, IEnumerable<string> values) => set.Labels == null ? values : values.Prepend(set.Labels[row]);
}
