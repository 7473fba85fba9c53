using System.Buffers.Binary;
using System.IO.Compression;
using Microsoft.ML.Autoencoders.Onnx;
using Microsoft.ML.Autoencoders.Persistence;

namespace Microsoft.ML.Autoencoders.AnomalyDetection;

/// <summary>
/// Finds this library's anomaly detectors in a model zip written by <c>mlContext.Model.Save</c> (after
/// <c>mlContext.Model.Load</c> a detector is a plain TransformerChain). Each ML.NET OnnxTransformer stores its model in a
/// zip entry named "OnnxModel" as a little-endian int32 byte count followed by the ONNX bytes (the layout
/// <see cref="SavedModelArchive"/> reads too). A detector is one head graph (<see cref="AnomalyHeadOnnx"/>) plus the
/// network graph whose SHA-256 the head records.
/// </summary>
internal static class AnomalyModelArchive
{
    private const string OnnxEntryName = "OnnxModel";

    public static List<AutoencoderAnomalyTransformer> ReadAll(Stream zipStream)
    {
        var heads = new List<OnnxModelReader>();
        var networks = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        using (var zip = new ZipArchive(zipStream, ZipArchiveMode.Read, leaveOpen: true))
        {
            // Sorted by path, so the order follows the pipeline rather than the zip's entry order.
            foreach (var entry in zip.Entries.Where(e => e.Name == OnnxEntryName).OrderBy(e => e.FullName, StringComparer.Ordinal))
            {
                byte[]? onnx = ReadOnnxEntry(entry);
                if (onnx == null) continue;
                OnnxModelReader reader;
                try { reader = OnnxModelReader.Parse(onnx); }
                catch (InvalidDataException) { continue; } // someone else's model, not ours to judge
                if (AnomalyHeadOnnx.IsHead(reader)) heads.Add(reader);
                else if (reader.Metadata.ContainsKey(AutoencoderOnnx.FormatKey)) networks[AnomalyHeadOnnx.Hash(onnx)] = onnx;
            }
        }

        var detectors = new List<AutoencoderAnomalyTransformer>();
        foreach (var head in heads)
        {
            var (state, networkHash) = AnomalyHeadOnnx.Read(head);
            if (!networks.TryGetValue(networkHash, out var network))
                throw new InvalidDataException("The model file holds an anomaly detector's head but not the autoencoder it belongs to; the file is damaged.");
            var (model, _) = AutoencoderOnnx.Read(network);
            detectors.Add(new AutoencoderAnomalyTransformer(model, state, Environment.ProcessorCount));
        }
        return detectors;
    }

    private static byte[]? ReadOnnxEntry(ZipArchiveEntry entry)
    {
        using var stream = entry.Open();
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        var bytes = buffer.GetBuffer().AsSpan(0, (int)buffer.Length);
        if (bytes.Length < 4) return null;
        int length = BinaryPrimitives.ReadInt32LittleEndian(bytes);
        if (length < 0 || length > bytes.Length - 4) return null;
        return bytes.Slice(4, length).ToArray();
    }
}
