using System.CommandLine;
using Microsoft.ML.Autoencoders.Engine.Training;

namespace Microsoft.ML.Autoencoders.Cli;

// ML.NET's Microsoft.ML.Command namespace would otherwise hide System.CommandLine's Command inside Microsoft.ML.*.
using Command = System.CommandLine.Command;

/// <summary>
/// Runs one command's body and turns what it throws into a one-line message on stderr and an exit code a script can trust
/// (<see cref="ExitCodes"/>): no stack traces for the user's mistakes. Anything unexpected still gets its type named, so a
/// bug report says where to look.
/// </summary>
internal static class CommandAction
{
    public static void Set(Command command, ToolConsole console, Action<ParseResult, CancellationToken> body) =>
        command.SetAction((parse, cancellation) => Task.FromResult(Run(console, () => body(parse, cancellation))));

    public static int Run(ToolConsole console, Action body)
    {
        try
        {
            body();
            return ExitCodes.Success;
        }
        catch (UsageException e)
        {
            return Fail(console, e.Message, ExitCodes.Usage);
        }
        catch (OperationCanceledException)
        {
            return Fail(console, "Cancelled.", ExitCodes.Cancelled);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or FormatException
            or ArgumentException or InvalidOperationException or NotSupportedException or TrainingDivergedException
            or InsufficientMemoryException)
        {
            // The library reports bad data, shapes and model files with these, each message naming the column or file; data too
            // large for memory comes as InsufficientMemoryException, with the advice.
            return Fail(console, MessageOf(e), ExitCodes.DataOrModel);
        }
        catch (Exception e)
        {
            return Fail(console, $"{e.GetType().Name}: {e.Message}", ExitCodes.DataOrModel);
        }
    }

    private static int Fail(ToolConsole console, string message, int exitCode)
    {
        console.Error.WriteLine($"error: {message.ReplaceLineEndings(" ")}");
        return exitCode;
    }

    /// <summary>
    /// An exception's message as one line for the user: an <see cref="ArgumentException"/>'s without the
    /// " (Parameter 'options')" that .NET appends (the parameter is the library's, not something the user typed).
    /// <see cref="ArgumentOutOfRangeException"/> also appends "Actual value was ..." on a line of its own, which
    /// <see cref="Fail"/> joins to the rest.
    /// </summary>
    public static string MessageOf(Exception e) =>
        e is ArgumentException { ParamName: { } name } ? e.Message.Replace($" (Parameter '{name}')", "", StringComparison.Ordinal) : e.Message;
}
