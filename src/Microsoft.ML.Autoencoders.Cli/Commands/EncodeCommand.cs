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
            CsvOutput.Write(output, console.Out, WithLabel(source, header), PerChunk(source, chunk =>
            {
                float[] codes = model.Network.Encode(chunk.Features, chunk.Rows, Environment.ProcessorCount);
                return r => CsvOutput.Slice(codes, r, width);
            }));
        });

    /// <summary>
    /// The output rows of a command that works a chunk at a time: <paramref name="compute"/> runs once per chunk and gives
    /// each of its rows' values, written after the row's label when the data has one. Only one chunk's input and results
    /// are held at a time.
    /// </summary>
    public static IEnumerable<IEnumerable<string>> PerChunk(RowSource source, Func<DataSet, Func<int, IEnumerable<string>>> compute) =>
        source.Chunks().SelectMany(chunk =>
        {
            var values = compute(chunk);
            return Enumerable.Range(0, chunk.Rows).Select(r => chunk.Labels == null ? values(r) : values(r).Prepend(chunk.Labels[r]));
        });

    /// <summary>The label column first, when the data has one, so each output row says what it was.</summary>
    public static IReadOnlyList<string> WithLabel(RowSource source, IEnumerable<string> header) => (source.Labelled ? header.Prepend("label") : header).ToArray();
}
