namespace Microsoft.ML.Autoencoders;

/// <summary>
/// Imported ONNX autoencoders on <c>mlContext.Transforms</c>: add <c>using Microsoft.ML.Autoencoders;</c> and call
/// <c>mlContext.Transforms.OnnxAutoencoder(...)</c>.
/// </summary>
public static class OnnxAutoencoderCatalog
{
    /// <summary>
    /// Scores <paramref name="inputColumnName"/> with an autoencoder made elsewhere, as an ONNX graph, adding the
    /// reconstruction, its per-row mean squared error and, with <paramref name="codeOutputName"/>, the code.
    /// </summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="modelPath">The .onnx file.</param>
    /// <param name="graphInputName">The graph input the rows go to (a float tensor).</param>
    /// <param name="reconstructionOutputName">The graph output that reconstructs the input.</param>
    /// <param name="codeOutputName">The graph output holding the code, or null when the graph has none.</param>
    /// <param name="inputColumnName">The input column: a known-size vector of Single of the graph's per-row size.</param>
    /// <example><code>
    /// var scorer = mlContext.Transforms.OnnxAutoencoder("pca.onnx", graphInputName: "x", reconstructionOutputName: "reconstruction",
    ///     codeOutputName: "code").Fit(data);
    /// IDataView scored = scorer.Transform(data); // + Encoded, Reconstruction, ReconstructionError
    /// </code></example>
    public static OnnxAutoencoderEstimator OnnxAutoencoder(
        this TransformsCatalog catalog,
        string modelPath,
        string graphInputName,
        string reconstructionOutputName,
        string? codeOutputName = null,
        string inputColumnName = OnnxAutoencoderEstimator.Defaults.InputColumnName)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new OnnxAutoencoderEstimator(new OnnxAutoencoderOptions
        {
            ModelPath = modelPath,
            GraphInputName = graphInputName,
            ReconstructionOutputName = reconstructionOutputName,
            CodeOutputName = codeOutputName,
            InputColumnName = inputColumnName,
        });
    }

    /// <summary>Scores with the imported graph and columns <paramref name="options"/> describe.</summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="options">The graph, its tensors and the columns.</param>
    public static OnnxAutoencoderEstimator OnnxAutoencoder(this TransformsCatalog catalog, OnnxAutoencoderOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new OnnxAutoencoderEstimator(options);
    }
}
