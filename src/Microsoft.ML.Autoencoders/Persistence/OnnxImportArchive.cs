using Microsoft.ML.Autoencoders.Onnx;

namespace Microsoft.ML.Autoencoders.Persistence;

/// <summary>
/// Finds imported autoencoders in a model zip written by <c>mlContext.Model.Save</c>: each is an adapter graph
/// (<see cref="OnnxImportAdapter"/>) plus the imported graph whose SHA-256 the adapter records, both stored by ML.NET's
/// OnnxTransformer (<see cref="SavedModelArchive.OnnxModels"/>).
/// </summary>
internal static class OnnxImportArchive
{
    /// <summary>Every imported autoencoder a user put in the pipeline (not those inside an anomaly detector), in pipeline order.</summary>
    public static List<OnnxAutoencoderTransformer> ReadAll(Stream zipStream)
    {
        var models = SavedModelArchive.OnnxModels(zipStream);
        var found = new List<OnnxAutoencoderTransformer>();
        foreach (var onnx in models)
        {
            if (TryRead(onnx, models) is not { } imported) continue;
            var columns = imported.Columns;
            if (columns.Outputs.Any(name => name.StartsWith(SavedModelArchive.ReservedPrefix, StringComparison.Ordinal))) continue;
            found.Add(imported);
        }
        return found;
    }

    /// <summary>
    /// The imported autoencoder whose adapter is <paramref name="adapter"/>, with its graph found among
    /// <paramref name="models"/> by hash; null when <paramref name="adapter"/> is not an adapter.
    /// </summary>
    public static OnnxAutoencoderTransformer? TryRead(byte[] adapter, IReadOnlyList<byte[]> models)
    {
        OnnxModelReader reader;
        try { reader = OnnxModelReader.Parse(adapter); }
        catch (InvalidDataException) { return null; } // a graph of someone else's that our reader cannot parse
        if (!OnnxImportAdapter.IsAdapter(reader)) return null;
        var (stored, hash) = OnnxImportAdapter.Read(reader);
        var graph = models.FirstOrDefault(m => OnnxImportAdapter.Hash(m) == hash)
            ?? throw new InvalidDataException("The model file holds an imported autoencoder's adapter but not the ONNX graph it belongs to; the file is damaged.");
        var model = OnnxAutoencoderModel.Load(graph, stored.GraphInputName, stored.ReconstructionOutputName, stored.CodeOutputName, stored.InputShape, stored.NumberOfThreads);
        var columns = new AutoencoderColumns(stored.InputColumnName, stored.EncodedColumnName, stored.ReconstructionColumnName, stored.ReconstructionErrorColumnName);
        return new OnnxAutoencoderTransformer(model, columns);
    }
}
