using Microsoft.ML.Autoencoders.Onnx;

namespace Microsoft.ML.Autoencoders.Persistence;

/// <summary>
/// What to tell a user who hands one of the library's own loaders an ONNX autoencoder made elsewhere: the import call,
/// filled in with the graph's own input and output names.
/// </summary>
internal static class OnnxImportAdvice
{
    public static string For(OnnxModelReader onnx)
    {
        string input = onnx.Inputs.FirstOrDefault(i => !onnx.InitializerNames.Contains(i.Name))?.Name ?? "<input>";
        string output = onnx.Outputs.FirstOrDefault()?.Name ?? "<reconstruction>";
        return "To score an autoencoder made elsewhere, import it: mlContext.Transforms.OnnxAutoencoder(modelPath, " +
            $"graphInputName: \"{input}\", reconstructionOutputName: \"{output}\") (the graph's inputs: {Names(onnx.Inputs)}; outputs: {Names(onnx.Outputs)}); " +
            "to train it further with this library, AutoencoderModel.ImportOnnx(modelPath) turns a graph of dense, convolution and activation layers into a trainable model.";
    }

    private static string Names(IEnumerable<OnnxValueInfo> values) => string.Join(", ", values.Select(v => $"'{v.Name}'"));
}
