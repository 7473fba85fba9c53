using System.CommandLine;

namespace Microsoft.ML.Autoencoders.Cli.Commands;

// ML.NET's Microsoft.ML.Command namespace would otherwise hide System.CommandLine's Command inside Microsoft.ML.*.
using Command = System.CommandLine.Command;

/// <summary><c>autoencoder export</c>: the model as one ONNX file (batched input), for ONNX Runtime and other runtimes.</summary>
internal static class ExportCommand
{
    public static Command Create(ToolConsole console)
    {
        var model = ModelArgument.Create();
        var output = ModelArgument.Output("The .onnx file to write.");
        var command = new Command("export", "Export the model to ONNX.") { model, output };
        CommandAction.Set(command, console, (parse, _) =>
        {
            var loaded = ToolModel.Load(parse.GetRequiredValue(model));
            // Before the file is created: a sequence detector has no ONNX form, and its refusal must not leave an empty file.
            var network = loaded.Network;
            string path = parse.GetRequiredValue(output);
            using (var stream = File.Create(path))
            {
                if (loaded.Detector != null) loaded.Detector.SaveAsOnnx(stream);
                else loaded.Autoencoder!.SaveAsOnnx(stream);
            }
            console.Out.WriteLine($"Wrote {path} ({new FileInfo(path).Length:N0} bytes).");
        });
        return command;
    }
}
