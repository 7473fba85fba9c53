using System.Buffers.Binary;
using System.IO.Compression;

namespace Microsoft.ML.Autoencoders.Persistence;

/// <summary>
/// Finds this library's models inside a model zip written by <c>mlContext.Model.Save</c>. After
/// <c>mlContext.Model.Load</c> an autoencoder is a plain TransformerChain, so the typed object is rebuilt from the
/// ONNX model that ML.NET's OnnxTransformer stored: a zip entry named "OnnxModel" holding a little-endian
/// int32 byte count followed by the ONNX bytes. Only ONNX models carrying our metadata are returned.
/// </summary>
/// <remarks>
/// This is the one place that knows the byte layout of an ML.NET-private zip entry (checked for Microsoft.ML 5.0.1 and
/// 6.0.0; no public API reads a saved OnnxTransformer's model back). If a future ML.NET writes the entry differently,
/// the typed loaders fail here with <see cref="FormatChangedMessage"/> rather than finding nothing; plain
/// <c>mlContext.Model.Load</c> does not depend on it. A test pins the layout.
/// </remarks>
internal static class SavedModelArchive
{
    public const string OnnxEntryName = "OnnxModel";

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
            int length = bytes.Length < 4 ? -1 : BinaryPrimitives.ReadInt32LittleEndian(bytes);
            if (length < 0 || length != bytes.Length - 4) throw new InvalidDataException(FormatChangedMessage(entry.FullName, bytes.Length, length));
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

    /// <summary>The error for an OnnxTransformer entry whose bytes are not an int32 length and that many ONNX bytes.</summary>
    internal static string FormatChangedMessage(string entry, int entryBytes, int statedLength) =>
        $"The model zip's entry '{entry}' ({entryBytes} bytes, stating {statedLength}) is not laid out as ML.NET's OnnxTransformer " +
        "wrote it when this library was built (an int32 length, then that many ONNX bytes): the file is damaged, or a newer " +
        "Microsoft.ML changed the layout. mlContext.Model.Load still reads it; the typed loaders cannot.";

    /// <summary>Column names starting with this are the library's own plumbing, never a user's.</summary>
    public const string ReservedPrefix = "__";
}
