using System.CommandLine;

namespace Microsoft.ML.Autoencoders.Cli.Commands;

/// <summary>The model file every command after <c>train</c> takes as its first argument, and the output option they share.</summary>
internal static class ModelArgument
{
    public static Argument<string> Create() => new("model") { Description = "A model file written by `autoencoder train` (or any ML.NET zip with one autoencoder or detector)." };

    public static Option<string> Output(string description, bool required = true) => new("--output", "-o") { Description = description, Required = required };
}
