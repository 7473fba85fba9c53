using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.ML.Autoencoders.Onnx;

namespace Microsoft.ML.Autoencoders.Persistence;

/// <summary>
/// The small graph of our own that follows an imported graph in a saved model: it reads the rows and the imported
/// graph's outputs and writes the columns an autoencoder transformer adds — the reconstruction and code as flat vectors
/// and the error — and its metadata remembers the import (tensor names, per-row shape, columns) and which graph it
/// belongs to, so the typed loader can rebuild the transformer. The imported graph's own bytes stay untouched.
/// </summary>
/// <remarks>
/// Graph (one row, as ML.NET's OnnxTransformer feeds it; every input declared flat, which takes any row shape of the
/// same size):
/// <code>
/// inputs:  &lt;graph input&gt; [d], &lt;reconstruction output&gt; [d] [, &lt;code output&gt; [k]]
/// outputs: __onnx_reconstruction [d] = Identity(reconstruction)      (when the reconstruction column is wanted)
///          __onnx_encoded [k] = Identity(code)                          (when the code column is wanted)
///          __autoencoder_error_vector [1] = ReduceMean((x − x̂)², axes=[-1], keepdims=1)   (when the error column is wanted)
/// </code>
/// For a graph fixed to B &gt; 1 rows a run, ML.NET feeds it the row repeated B times, so the inputs are B times as long
/// ([B·d], [B·k]) and the adapter slices the first row out of each before the steps above.
/// Metadata: <see cref="FormatKey"/> "1", <see cref="ImportKey"/> (JSON), <see cref="GraphHashKey"/> (SHA-256, hex, of the
/// imported graph's bytes).
/// </remarks>
internal static class OnnxImportAdapter
{
    public const string FormatKey = "autoencoders.import.format";
    public const string ImportKey = "autoencoders.import";
    public const string GraphHashKey = "autoencoders.import.graph_sha256";
    public const int FormatVersion = 1;

    public const string ReconstructionColumn = SavedModelArchive.ReservedPrefix + "onnx_reconstruction";
    public const string EncodedColumn = SavedModelArchive.ReservedPrefix + "onnx_encoded";

    /// <summary>What the adapter's metadata records of an import.</summary>
    public sealed record StoredImport(
        string GraphInputName, string ReconstructionOutputName, string? CodeOutputName, int[] InputShape, int? NumberOfThreads,
        string InputColumnName, string? EncodedColumnName, string? ReconstructionColumnName, string? ReconstructionErrorColumnName);

    /// <summary>The adapter for <paramref name="model"/> writing the columns <paramref name="columns"/> asks for, to <paramref name="errorVector"/> for the error.</summary>
    public static byte[] ToBytes(OnnxAutoencoderModel model, AutoencoderColumns columns, string errorVector)
    {
        var builder = new OnnxModelBuilder("autoencoder_import_adapter") { ProducerName = "Microsoft.ML.Autoencoders" };
        int runRows = model.Binding.FixedBatchSize;
        // The graph's tensor as fed (runRows rows, flat), and the name its first row goes by in the steps below.
        string FirstRow(string tensor, int size)
        {
            builder.AddInput(tensor, [runRows * size]);
            if (runRows == 1) return tensor;
            string ends = $"{tensor}.first_row_end";
            if (!builder.Defines("first_row.start")) builder.AddInt64Initializer("first_row.start", [1], [0]).AddInt64Initializer("first_row.axis", [1], [0]);
            builder.AddInt64Initializer(ends, [1], [size]);
            builder.AddNode("Slice", [tensor, "first_row.start", ends, "first_row.axis"], [$"{tensor}.first_row"]);
            return $"{tensor}.first_row";
        }
        string x = FirstRow(model.GraphInputName, model.InputSize), reconstruction = FirstRow(model.ReconstructionOutputName, model.InputSize);
        if (columns.Reconstruction != null)
        {
            builder.AddNode("Identity", [reconstruction], [ReconstructionColumn]);
            builder.AddOutput(ReconstructionColumn, [model.InputSize]);
        }
        if (columns.Encoded != null)
        {
            builder.AddNode("Identity", [FirstRow(model.CodeOutputName!, model.CodeSize)], [EncodedColumn]);
            builder.AddOutput(EncodedColumn, [model.CodeSize]);
        }
        if (columns.ReconstructionError != null)
        {
            builder.AddNode("Sub", [x, reconstruction], ["error.difference"]);
            builder.AddNode("Mul", ["error.difference", "error.difference"], ["error.squared"]);
            builder.AddNode("ReduceMean", ["error.squared"], [errorVector], attributes: [OnnxAttribute.FromInts("axes", -1), OnnxAttribute.FromInt("keepdims", 1)]);
            builder.AddOutput(errorVector, [1]);
        }
        var stored = new StoredImport(model.GraphInputName, model.ReconstructionOutputName, model.CodeOutputName, [.. model.InputShape], model.RequestedThreads,
            columns.Input, columns.Encoded, columns.Reconstruction, columns.ReconstructionError);
        builder.SetMetadata(FormatKey, FormatVersion.ToString(CultureInfo.InvariantCulture));
        builder.SetMetadata(ImportKey, JsonSerializer.Serialize(stored));
        builder.SetMetadata(GraphHashKey, Hash(model.OnnxBytes));
        return builder.ToByteArray();
    }

    /// <summary>True when <paramref name="reader"/> holds an adapter this library wrote.</summary>
    public static bool IsAdapter(OnnxModelReader reader) => reader.Metadata.ContainsKey(FormatKey);

    /// <summary>The import an adapter records and the hash of the graph it belongs to.</summary>
    public static (StoredImport Import, string GraphHash) Read(OnnxModelReader reader)
    {
        string version = reader.Metadata[FormatKey];
        if (version != FormatVersion.ToString(CultureInfo.InvariantCulture))
            throw new InvalidDataException($"This imported autoencoder uses format version {version}; this library reads version {FormatVersion}. Update the library.");
        var stored = JsonSerializer.Deserialize<StoredImport>(reader.Metadata[ImportKey])
            ?? throw new InvalidDataException("The imported autoencoder's metadata is empty; the file is damaged.");
        if (!reader.Metadata.TryGetValue(GraphHashKey, out var hash))
            throw new InvalidDataException($"The imported autoencoder has no '{GraphHashKey}' metadata; the file is damaged.");
        return (stored, hash);
    }

    /// <summary>The hex SHA-256 that pairs an adapter with its imported graph.</summary>
    public static string Hash(ReadOnlySpan<byte> onnx) => Convert.ToHexString(SHA256.HashData(onnx));
}
