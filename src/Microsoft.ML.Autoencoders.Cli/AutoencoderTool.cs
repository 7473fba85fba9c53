using System.CommandLine;
using System.CommandLine.Invocation;
using Microsoft.ML.Autoencoders.Cli.Commands;

namespace Microsoft.ML.Autoencoders.Cli;

// ML.NET's Microsoft.ML.Command namespace would otherwise hide System.CommandLine's Command inside Microsoft.ML.*.
using Command = System.CommandLine.Command;

/// <summary>
/// The <c>autoencoder</c> command line: its verbs, and one entry point that tests call in-process with their own writers.
/// Parse errors (unknown verbs or options, missing or malformed values) exit with <see cref="ExitCodes.Usage"/>, as
/// System.CommandLine reports them; everything a command throws is turned into an exit code by <see cref="CommandAction"/>.
/// </summary>
internal static class AutoencoderTool
{
    public static int Run(string[] args, TextWriter output, TextWriter error, bool isTerminal)
    {
        var console = new ToolConsole(output, error, isTerminal);
        var root = new RootCommand("Train and use autoencoders (Microsoft.ML.Autoencoders) from the shell.")
        {
            TrainCommand.Create(console),
            EncodeCommand.Create(console),
            ReconstructCommand.Create(console),
            ScoreCommand.Create(console),
            ExportCommand.Create(console),
            SampleCommand.Create(console),
            InfoCommand.Create(console),
            PlotCommand.Create(console),
        };
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0 && parsed.Action is ParseErrorAction)
        {
            // System.CommandLine would print its messages bare and the whole help on stdout; docs/cli.md promises one
            // "error:" line on stderr, and a script reading stdout must not get the help as data.
            error.WriteLine($"error: {string.Join(" ", parsed.Errors.Select(e => OneLine(e.Message)).Distinct())} See '{CommandPath(parsed.CommandResult)} --help'.");
            return ExitCodes.Usage;
        }
        return parsed.Invoke(new InvocationConfiguration { Output = output, Error = error });
    }

    /// <summary>
    /// A parser message on one line: System.CommandLine lists a choice option's values one per line, tab-indented
    /// ("Must be one of:\n\t'dense'\n\t'denoising'..."), which would break the one-line promise.
    /// </summary>
    private static string OneLine(string message)
    {
        string[] lines = message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (lines.Length <= 1) return message.Trim();
        // The head ends with a colon ("Must be one of:"); the values after it read as a list.
        return lines[0] + " " + string.Join(", ", lines.Skip(1)) + ".";
    }

    /// <summary>"autoencoder plot roc": the words that name the command a parse stopped in, for the help hint.</summary>
    private static string CommandPath(System.CommandLine.Parsing.CommandResult result)
    {
        var names = new List<string>();
        for (var at = result; at.Parent is System.CommandLine.Parsing.CommandResult parent; at = parent) names.Insert(0, at.Command.Name);
        names.Insert(0, "autoencoder");
        return string.Join(' ', names);
    }
}
