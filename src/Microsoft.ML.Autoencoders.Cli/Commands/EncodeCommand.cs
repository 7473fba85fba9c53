using Microsoft.ML.Autoencoders.Cli.Data;

namespace Microsoft.ML.Autoencoders.Cli.Commands;

// ML.NET's Microsoft.ML.Command namespace would otherwise hide System.CommandLine's Command inside Microsoft.ML.*.
using Command = System.CommandLine.Command;

/// <summary><c>autoencoder encode</c>: each row's code as CSV (code_1..code_k, after the label when one is named).</summary>
internal static class EncodeCommand
{
    public static Command Create(ToolConsole console) => ModelDataCommand.Create(console, "encode",
        "Write each row's code (the bottleneck's values) to CSV.", "The CSV file to write ('-' for stdout).", (_, model, source, output) =>
        {
            int width = model.Network.CodeSize;
            var header = Enumerable.Range(1, width).Select(i => $"code_{i}");
            CsvOutput.Write(output, console.Out, WithLabel(source, header), ModelDataCommand.PerChunk(source, chunk =>
            {
                float[] codes = model.NetworkOnRawRows("encode").Encode(chunk.Features, chunk.Rows, Environment.ProcessorCount);
                return r => CsvOutput.Slice(codes, r, width);
            }));
        });

    /// <summary>The label column first, when the data has one, so each output row says what it was.</summary>
    public static IReadOnlyList<string> WithLabel(RowSource source, IEnumerable<string> header) => (source.Labelled ? header.Prepend("label") : header).ToArray();
}
