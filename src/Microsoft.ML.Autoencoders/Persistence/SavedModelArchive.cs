using System.Buffers.Binary;
using System.IO.Compression;

namespace Microsoft.ML.Autoencoders.Persistence;

/// <summary>
/// Finds this library's models inside a model zip written by <c>mlContext.Model.Save</c>. After
/// <c>mlContext.Model.Load</c> an autoencoder is a plain TransformerChain, so the typed object is rebuilt from the
/// ONNX model that ML.NET's OnnxTransformer stored: a zip entry named "OnnxModel" holding a little-endian
/// int32 byte count followed by the ONNX bytes. Only ONNX models carrying our metadata are returned.
/// </summary>
internal static class SavedModelArchive
{
    private const string OnnxEntryName = "OnnxModel";

    /// <summary>Every ONNX model stored in the zip, in pipeline order (entry paths sort in the order the chain saved them).</summary>
    public static List<byte[]> OnnxModels(Stream zipStream)
    {
        var models = new List<byte[]>();
        using var zip = new ZipArchive(zipStream, ZipArchiveMode.Read, leaveOpen: true);
        foreach (var entry in zip.Entries.Where(e => e.Name == OnnxEntryName).OrderBy(e => e.FullName, StringComparer.Ordinal))
        {
            using var stream = entry.Open();
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            var bytes = buffer.GetBuffer().AsSpan(0, (int)buffer.Length);
            if (bytes.Length < 4) continue;
            int length = BinaryPrimitives.ReadInt32LittleEndian(bytes);
            if (length < 0 || length > bytes.Length - 4) continue;
            models.Add(bytes.Slice(4, length).ToArray());
        }
        return models;
    }

    /// <summary>
    /// The autoencoders a user put in the pipeline. Networks that serve as parts of a larger component (an anomaly
    /// detector's network reads and writes reserved "__" columns) are left to that component's own loader.
    /// </summary>
    public static List<AutoencoderTransformer> ReadAll(Stream zipStream)
    {
        var found = new List<AutoencoderTransformer>();
        foreach (var onnx in OnnxModels(zipStream))
        {
            if (!AutoencoderOnnx.IsOurs(onnx)) continue;
            var (model, columns) = AutoencoderOnnx.Read(onnx);
            if (columns.Outputs.Any(name => name.StartsWith(ReservedPrefix, StringComparison.Ordinal))) continue;
            found.Add(new AutoencoderTransformer(model, columns));
        }
        return found;
    }

    /// <summary>Column names starting with this are the library's own plumbing, never a user's.</summary>
    public const string ReservedPrefix = "__";
}
