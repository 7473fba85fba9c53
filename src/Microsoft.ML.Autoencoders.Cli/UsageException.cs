namespace Microsoft.ML.Autoencoders.Cli;

/// <summary>A command line that parses but asks for something impossible (exit code 1, <see cref="ExitCodes.Usage"/>).</summary>
internal sealed class UsageException(string message) : Exception(message);
