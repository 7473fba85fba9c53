using System.CommandLine;
using Microsoft.ML.Autoencoders.Cli.Data;

namespace Microsoft.ML.Autoencoders.Cli.Commands;

// ML.NET's Microsoft.ML.Command namespace would otherwise hide System.CommandLine's Command inside Microsoft.ML.*.
using Command = System.CommandLine.Command;

/// <summary>
/// The shape most commands share: a model file, data to run it on (checked against the model's features), and an output
/// file; the command's own work gets the model read, the data opened (its columns known, its rows to read a chunk at a
/// time or all at once, as the command needs) and the output's path.
/// </summary>
internal static class ModelDataCommand
{
    public static Command Create(ToolConsole console, string name, string description, string outputDescription,
        Action<ParseResult, ToolModel, RowSource, string> run, params Option[] options)
    {
        var model = ModelArgument.Create();
        var data = new DataOptions();
        var output = ModelArgument.Output(outputDescription);
        var command = new Command(name, description) { model };
        data.AddTo(command, withLabel: true);
        command.Add(output);
        foreach (var option in options) command.Add(option);
        CommandAction.Set(command, console, (parse, cancellation) =>
        {
            string outputPath = parse.GetRequiredValue(output);
            if (CsvOutput.IsSameFile(outputPath, parse.GetRequiredValue(data.Data)))
                throw new UsageException($"-o '{outputPath}' is the data file -d reads: write the output to another file.");
            var loaded = ToolModel.Load(parse.GetRequiredValue(model));
            using var rows = data.Open(parse, loaded);
            rows.Cancellation = cancellation;
            run(parse, loaded, rows, outputPath);
        });
        return command;
    }

    /// <summary>
    /// The output rows of a command that works a chunk at a time: <paramref name="compute"/> runs once per chunk and gives
    /// each of its rows' values, written after the row's label when the data has one. Only one chunk's input and results
    /// are held at a time: each row is yielded as text of its own, and the chunk and its results are let go before the
    /// next chunk is read.
    /// </summary>
    public static IEnumerable<IEnumerable<string>> PerChunk(RowSource source, Func<DataSet, Func<int, IEnumerable<string>>> compute)
    {
        for (DataSet? chunk = source.NextChunk(); chunk != null; chunk = source.NextChunk())
        {
            Func<int, IEnumerable<string>>? values = compute(chunk);
            for (int r = 0; r < chunk.Rows; r++)
                yield return (chunk.Labels == null ? values(r) : values(r).Prepend(chunk.Labels[r])).ToArray();
            // The iterator keeps its locals between rows: cleared, the chunk and its results can go while the next is read.
            values = null;
            chunk = null;
        }
    }
}
