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
        var graphInput = onnx.Inputs.FirstOrDefault(i => !onnx.InitializerNames.Contains(i.Name));
        string input = graphInput?.Name ?? "<input>";
        // The reconstruction is the output as wide as the input; a module returning (code, reconstruction) lists the code first.
        string output = (onnx.Outputs.FirstOrDefault(o => graphInput != null && RowWidth(o) is { } width && width == RowWidth(graphInput))
            ?? onnx.Outputs.FirstOrDefault())?.Name ?? "<reconstruction>";
        return "To score an autoencoder made elsewhere, import it: mlContext.Transforms.OnnxAutoencoder(modelPath, " +
            $"graphInputName: \"{input}\", reconstructionOutputName: \"{output}\") (the graph's inputs: {Names(onnx.Inputs)}; outputs: {Names(onnx.Outputs)}); " +
            "to train it further with this library, AutoencoderModel.ImportOnnx(modelPath) turns a graph of dense, convolution and activation layers into a trainable model.";
    }

    /// <summary>The values per row (every axis after the batch's), or null when an axis is open.</summary>
    private static long? RowWidth(OnnxValueInfo value)
    {
        var row = value.Dimensions.Length >= 2 ? value.Dimensions.AsSpan(1) : value.Dimensions.AsSpan();
        long width = 1;
        foreach (int d in row)
        {
            if (d <= 0) return null;
            width *= d;
        }
        return width;
    }

    private static string Names(IEnumerable<OnnxValueInfo> values) => string.Join(", ", values.Select(v => $"'{v.Name}'"));
}
