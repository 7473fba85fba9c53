using System.CommandLine;

namespace Microsoft.ML.Autoencoders.Cli.Commands;

/// <summary>The model file every command after <c>train</c> takes as its first argument, and the output option they share.</summary>
internal static class ModelArgument
{
    public static Argument<string> Create() => new("model") { Description = "A model file written by `autoencoder train` (or any ML.NET zip with one autoencoder or detector)." };

    public static Option<string> Output(string description, bool required = true) =>
        RefusingFolders(new Option<string>("--output", "-o") { Description = description, Required = required });

    /// <summary>
    /// An output that names an existing folder is refused when the command line is read: otherwise train would run to the
    /// end and then fail with "Access to the path is denied", naming neither the option nor the mistake.
    /// </summary>
    public static Option<string> RefusingFolders(Option<string> output)
    {
        output.Validators.Add(result =>
        {
            string? path = result.GetValueOrDefault<string>();
            if (path != null && path != "-" && Directory.Exists(path))
                result.AddError($"{output.Name} '{path}' is a folder: give a file name, e.g. {Path.Combine(path, "model.zip")}.");
        });
        return output;
    }
}
