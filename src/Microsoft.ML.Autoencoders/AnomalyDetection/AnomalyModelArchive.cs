using Microsoft.ML.Autoencoders.Onnx;
using Microsoft.ML.Autoencoders.Persistence;

namespace Microsoft.ML.Autoencoders;

/// <summary>
/// Finds this library's anomaly detectors in a model zip written by <c>mlContext.Model.Save</c> (after
/// <c>mlContext.Model.Load</c> a detector is a plain TransformerChain). Each ML.NET OnnxTransformer stores its model in a
/// zip entry that <see cref="SavedModelArchive.OnnxModels"/> reads. A detector is one head graph (<see cref="AnomalyHeadOnnx"/>) plus the
/// network graph whose SHA-256 the head records: our own autoencoder graph, or for a detector on an imported graph, the
/// adapter that follows it (<see cref="OnnxImportAdapter"/>).
/// </summary>
internal static class AnomalyModelArchive
{
    public static List<AutoencoderAnomalyTransformer> ReadAll(Stream zipStream)
    {
        var models = SavedModelArchive.OnnxModels(zipStream);
        return [.. models.Select(onnx => TryRead(onnx, models)).OfType<AutoencoderAnomalyTransformer>()];
    }

    /// <summary>
    /// The detector whose head is <paramref name="head"/>, with its network found among <paramref name="models"/> by hash;
    /// null when <paramref name="head"/> is not a detector's head.
    /// </summary>
    public static AutoencoderAnomalyTransformer? TryRead(byte[] head, IReadOnlyList<byte[]> models)
    {
        OnnxModelReader reader;
        try { reader = OnnxModelReader.Parse(head); }
        catch (InvalidDataException) { return null; } // someone else's model, not ours to judge
        if (!AnomalyHeadOnnx.IsHead(reader)) return null;
        var (state, networkHash) = AnomalyHeadOnnx.Read(reader);
        var network = models.FirstOrDefault(m => AnomalyHeadOnnx.Hash(m) == networkHash)
            ?? throw new InvalidDataException("The model file holds an anomaly detector's head but not the autoencoder it belongs to; the file is damaged.");
        if (OnnxImportArchive.TryRead(network, models) is { } imported)
        {
            AnomalyHeadOnnx.CheckFits(state, imported.Model.InputSize);
            return new AutoencoderAnomalyTransformer(new ImportedDetectorNetwork(imported.Model), state);
        }
        var (model, _) = AutoencoderOnnx.Read(network);
        AnomalyHeadOnnx.CheckFits(state, model.InputSize);
        return new AutoencoderAnomalyTransformer(model, state);
    }
}
