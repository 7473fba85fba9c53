using Microsoft.ML.Autoencoders.Persistence;

namespace Microsoft.ML.Autoencoders;

/// <summary>
/// Model loading on <c>mlContext.Model</c> that keeps this library's scoring batched: add
/// <c>using Microsoft.ML.Autoencoders;</c> and call <c>mlContext.Model.LoadWithBatchedScoring(path, out var schema)</c>
/// where you would call <c>mlContext.Model.Load</c>.
/// </summary>
public static class AutoencoderModelOperations
{
    /// <summary>
    /// Loads a model zip written by <c>mlContext.Model.Save</c> exactly as <c>mlContext.Model.Load</c> does, then replaces
    /// every autoencoder, anomaly detector and imported ONNX autoencoder of this library in it by its typed, batched
    /// transformer. Plain <c>Model.Load</c> gives ML.NET's OnnxTransformer, which runs ONNX Runtime once per row (10–30×
    /// slower on a cursor); ML.NET offers no public way to change that from outside, so this loader is the batched path.
    /// The rest of the pipeline is ML.NET's loaded transformers, unchanged, and the outputs are the same.
    /// </summary>
    /// <param name="catalog">The model operations catalog (<c>mlContext.Model</c>).</param>
    /// <param name="modelPath">The model zip.</param>
    /// <param name="inputSchema">The schema the model was saved with, as <c>Model.Load</c> gives it.</param>
    /// <example><code>
    /// ITransformer model = mlContext.Model.LoadWithBatchedScoring("model.zip", out var inputSchema);
    /// IDataView scored = model.Transform(data); // the autoencoder scores in batches
    /// </code></example>
    public static ITransformer LoadWithBatchedScoring(this ModelOperationsCatalog catalog, string modelPath, out DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentException.ThrowIfNullOrEmpty(modelPath);
        return BatchedModelLoader.Load(catalog, modelPath, out inputSchema);
    }

    /// <summary>
    /// <see cref="LoadWithBatchedScoring(ModelOperationsCatalog, string, out DataViewSchema)"/> from a stream, as
    /// <c>mlContext.Model.Load(stream, out schema)</c> reads one (an embedded resource, a download). The stream is read
    /// twice, so one that cannot seek is copied to memory first; it is not closed.
    /// </summary>
    /// <param name="catalog">The model operations catalog (<c>mlContext.Model</c>).</param>
    /// <param name="stream">The model zip.</param>
    /// <param name="inputSchema">The schema the model was saved with, as <c>Model.Load</c> gives it.</param>
    public static ITransformer LoadWithBatchedScoring(this ModelOperationsCatalog catalog, Stream stream, out DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(stream);
        return BatchedModelLoader.Load(catalog, stream, out inputSchema);
    }
}
