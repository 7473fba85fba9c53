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
        var heads = new List<OnnxModelReader>();
        var networks = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var adapters = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var models = SavedModelArchive.OnnxModels(zipStream);
        foreach (byte[] onnx in models)
        {
            OnnxModelReader reader;
            try { reader = OnnxModelReader.Parse(onnx); }
            catch (InvalidDataException) { continue; } // someone else's model, not ours to judge
            if (AnomalyHeadOnnx.IsHead(reader)) heads.Add(reader);
            else if (reader.Metadata.ContainsKey(AutoencoderOnnx.FormatKey)) networks[AnomalyHeadOnnx.Hash(onnx)] = onnx;
            else if (OnnxImportAdapter.IsAdapter(reader)) adapters[AnomalyHeadOnnx.Hash(onnx)] = onnx; // a detector on an imported graph
        }

        var detectors = new List<AutoencoderAnomalyTransformer>();
        foreach (var head in heads)
        {
            var (state, networkHash) = AnomalyHeadOnnx.Read(head);
            if (adapters.TryGetValue(networkHash, out var adapter))
            {
                var imported = OnnxImportArchive.TryRead(adapter, models)!;
                detectors.Add(new AutoencoderAnomalyTransformer(new ImportedDetectorNetwork(imported.Model), state));
                continue;
            }
            if (!networks.TryGetValue(networkHash, out var network))
                throw new InvalidDataException("The model file holds an anomaly detector's head but not the autoencoder it belongs to; the file is damaged.");
            var (model, _) = AutoencoderOnnx.Read(network);
            detectors.Add(new AutoencoderAnomalyTransformer(model, state));
        }
        return detectors;
    }
}
