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

    public static List<AutoencoderTransformer> ReadAll(Stream zipStream)
    {
        var found = new List<AutoencoderTransformer>();
        using var zip = new ZipArchive(zipStream, ZipArchiveMode.Read, leaveOpen: true);
        // Entry order in the zip follows the pipeline's save order; sort by path so the result does not depend on it.
        foreach (var entry in zip.Entries.Where(e => e.Name == OnnxEntryName).OrderBy(e => e.FullName, StringComparer.Ordinal))
        {
            using var stream = entry.Open();
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            var bytes = buffer.GetBuffer().AsSpan(0, (int)buffer.Length);
            if (bytes.Length < 4) continue;
            int length = BinaryPrimitives.ReadInt32LittleEndian(bytes);
            if (length < 0 || length > bytes.Length - 4) continue;
            if (!AutoencoderOnnx.IsOurs(bytes.Slice(4, length))) continue;
            var (model, columns) = AutoencoderOnnx.Read(bytes.Slice(4, length));
            found.Add(new AutoencoderTransformer(model, columns, Environment.ProcessorCount));
        }
        return found;
    }
}
