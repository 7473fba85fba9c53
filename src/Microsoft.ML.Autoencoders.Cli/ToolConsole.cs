namespace Microsoft.ML.Autoencoders.Cli;

/// <summary>Where a command writes: results and progress to <see cref="Out"/>, errors to <see cref="Error"/>; a live progress bar only on a terminal.</summary>
internal sealed record ToolConsole(TextWriter Out, TextWriter Error, bool IsTerminal);
