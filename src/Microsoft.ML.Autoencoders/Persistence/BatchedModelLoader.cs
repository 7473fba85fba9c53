using System.IO.Compression;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Onnx;

namespace Microsoft.ML.Autoencoders.Persistence;

/// <summary>
/// Loads an ML.NET model zip as <c>mlContext.Model.Load</c> does, then puts this library's batched transformers in the
/// place of the chains its components were saved as, so <c>Transform</c> scores in batches instead of one ONNX Runtime
/// run per row. Everything else in the pipeline is ML.NET's own loaded transformer, untouched.
/// </summary>
/// <remarks>
/// <para>Why a loader of our own: ML.NET keeps the loader registration internal (<c>LoadableClass</c>, <c>ModelLoadContext</c>),
/// and the only public hook that survives <c>Model.Load</c>, <c>CustomMapping</c>, maps one row at a time and sees no
/// model bytes (see MLNET-NOTES). So plain <c>Model.Load</c> cannot be made to batch; this is the nearest public equivalent.</para>
/// <para>How a component is found: a saved chain's zip entries mirror its tree (child i of a chain saved at P is saved at
/// P/Transform_00i, an OnnxTransformer's graph in P/OnnxModel). Walking the loaded tree gives each OnnxTransformer's
/// graph. A graph that marks a component of ours (our autoencoder graph with user columns, a detector's head, an import
/// adapter, a sequence detector's network with its state) is rebuilt into the typed transformer with the library's own readers; rebuilding that transformer's saved
/// chain tells how many leaves the component spans and where the marking graph sits among them. The chain node with
/// exactly those leaves is the component, and is replaced, after the leaf types are checked to match. A component that
/// does not match (a format this library did not write) is left as ML.NET loaded it: slower, never wrong.</para>
/// <para>Replaced chains are rebuilt with the default scope (everything); ML.NET's saved chains of estimators fitted
/// without scopes have no other.</para>
/// </remarks>
internal static class BatchedModelLoader
{
    private const string RootPath = "TransformerChain";

    public static ITransformer Load(ModelOperationsCatalog catalog, string modelPath, out DataViewSchema inputSchema)
    {
        // One open file for both reads; a missing or unreadable file keeps its own exception.
        using var file = File.OpenRead(modelPath);
        return Load(catalog, file, $"'{modelPath}'", out inputSchema);
    }

    /// <summary>The same from a stream holding the zip, as ML.NET reads one; a stream that cannot seek is copied first.</summary>
    public static ITransformer Load(ModelOperationsCatalog catalog, Stream stream, out DataViewSchema inputSchema)
    {
        DataViewSchema? schema = null;
        var loaded = SavedModelFile.FromZipStart(stream, zip => Load(catalog, zip, "the model stream", out schema));
        inputSchema = schema!;
        return loaded;
    }

    /// <summary>Reads <paramref name="zip"/> twice: as ML.NET does, then for the graphs.</summary>
    private static ITransformer Load(ModelOperationsCatalog catalog, Stream zip, string source, out DataViewSchema inputSchema)
    {
        long zipStart = zip.Position;
        var loaded = LoadAsMlNetDoes(catalog, zip, source, out inputSchema);
        zip.Position = zipStart;
        var graphs = GraphsByEntryFolder(zip);
        var models = graphs.Values.ToList();

        var leaves = new List<(ITransformer Leaf, string Path)>();
        Flatten(loaded, RootPath, leaves);
        var replacements = new List<(int Start, int Count, ITransformer Typed)>();
        for (int i = 0; i < leaves.Count; i++)
        {
            if (leaves[i].Leaf is not OnnxTransformer || !graphs.TryGetValue(leaves[i].Path, out var graph)) continue;
            if (Component(graph, models) is not var (typed, savedForm)) continue;
            var savedLeaves = new List<(ITransformer Leaf, string Path)>();
            Flatten((ITransformer)savedForm, "", savedLeaves);
            int marker = MarkerIndex(savedLeaves, typed);
            int start = i - marker;
            bool matches = start >= 0 && start + savedLeaves.Count <= leaves.Count
                && savedLeaves.Select((l, k) => l.Leaf.GetType() == leaves[start + k].Leaf.GetType()).All(same => same);
            if (matches) replacements.Add((start, savedLeaves.Count, typed));
        }
        return replacements.Count == 0 ? loaded : Replace(loaded, replacements, offset: 0, out _);
    }

    /// <summary>
    /// <c>mlContext.Model.Load</c>, with its errors for a damaged file turned into the one this library documents. ML.NET
    /// throws whatever its readers hit (FormatException, InvalidOperationException around ONNX Runtime's, EndOfStream,
    /// TargetInvocation, FileLoad for a damaged assembly name: a fuzz test met them all); the caller has opened the file,
    /// so anything ML.NET throws here is about the bytes.
    /// </summary>
    private static ITransformer LoadAsMlNetDoes(ModelOperationsCatalog catalog, Stream file, string source, out DataViewSchema inputSchema)
    {
        try
        {
            return catalog.Load(file, out inputSchema);
        }
        catch (Exception e) when (e is not (InvalidDataException or OutOfMemoryException or OperationCanceledException))
        {
            throw new InvalidDataException($"mlContext.Model.Load could not read {source} ({e.GetType().Name}: {e.Message}); the file is damaged or is not a model zip.", e);
        }
    }

    /// <summary>The typed component a marking graph stands for, and its saved form; null for any other graph.</summary>
    private static (ITransformer Typed, ICanSaveModel SavedForm)? Component(byte[] graph, IReadOnlyList<byte[]> models)
    {
        if (AnomalyModelArchive.TryRead(graph, models) is { } detector) return (detector, AnomalyOnnxChain.Build(detector));
        // Before the autoencoder test below, which also matches a sequence detector's network (under reserved names) and
        // would leave it as ML.NET loaded it: a chain whose scores refuse to be read, since they need the neighbouring rows.
        if (SequenceDetectorArchive.TryRead(graph) is { } sequenceDetector) return (sequenceDetector, SequenceDetectorArchive.Chain(sequenceDetector));
        if (OnnxImportArchive.TryRead(graph, models) is { } imported)
            return IsReserved(imported.Columns) ? null : (imported, OnnxImportChain.Build(imported)); // a detector's network: its head marks it
        if (AutoencoderOnnx.IsOurs(graph))
        {
            var (model, columns) = AutoencoderOnnx.Read(graph);
            if (IsReserved(columns)) return null; // a detector's network: the detector's head marks it
            var autoencoder = new AutoencoderTransformer(model, columns);
            return (autoencoder, OnnxTransformerChain.Build(autoencoder));
        }
        // Left as ML.NET loaded it, this graph would be scored without any check: one that still carries our metadata
        // keys was written by this library and damaged so that it no longer reads as ours (a key renamed, a key twice).
        if (CarriesOurMetadataKeys(graph))
            throw new InvalidDataException("The model file holds an ONNX graph with this library's metadata that cannot be read back as an autoencoder, detector or imported model; the file is damaged.");
        return null;
    }

    /// <summary>
    /// Our metadata keys as they lie in a graph's bytes: a metadata entry's key field (tag 0x0A, its length, its UTF-8
    /// bytes), so only the whole key matches. A bare substring would also match the longer keys of our encoder and
    /// decoder files ("autoencoders.spec.of_whole_network" holds "autoencoders.spec"), which a user may score with
    /// ApplyOnnxModel and save, and which are rightly left as ML.NET loaded them. Every key is under 128 bytes, so its
    /// length is one byte.
    /// </summary>
    private static readonly byte[][] OurMetadataKeys = [.. new[]
    {
        AutoencoderOnnx.FormatKey, AutoencoderOnnx.SpecKey, AutoencoderOnnx.ColumnsKey, ModelChecksum.MetadataKey,
        AnomalyHeadOnnx.FormatKey, AnomalyHeadOnnx.StateKey, AnomalyHeadOnnx.NetworkHashKey,
        OnnxImportAdapter.FormatKey, OnnxImportAdapter.GraphHashKey,
    }.Select(KeyField)];

    private static byte[] KeyField(string key)
    {
        byte[] name = System.Text.Encoding.UTF8.GetBytes(key);
        return [0x0A, checked((byte)name.Length), .. name];
    }

    private static bool CarriesOurMetadataKeys(ReadOnlySpan<byte> graph)
    {
        foreach (var key in OurMetadataKeys)
            if (graph.IndexOf(key) >= 0) return true;
        return false;
    }

    private static bool IsReserved(AutoencoderColumns columns) =>
        columns.Outputs.Any(name => name.StartsWith(SavedModelArchive.ReservedPrefix, StringComparison.Ordinal));

    /// <summary>Where, among a component's saved leaves, sits the OnnxTransformer of the graph that marks it.</summary>
    private static int MarkerIndex(List<(ITransformer Leaf, string Path)> savedLeaves, ITransformer typed)
    {
        var onnxLeaves = savedLeaves.Select((l, k) => (l.Leaf, k)).Where(p => p.Leaf is OnnxTransformer).Select(p => p.k).ToList();
        // Our autoencoder's graph is its component's only one, as is a sequence detector's; a detector is marked by its head
        // and an import by its adapter, each the last graph of its component.
        return typed is AutoencoderTransformer or SequenceAnomalyTransformer ? onnxLeaves[0] : onnxLeaves[^1];
    }

    private static void Flatten(ITransformer node, string path, List<(ITransformer, string)> leaves)
    {
        // Any TransformerChain<T> (a fitted estimator chain ends in its last transformer's type; a loaded one is <ITransformer>).
        if (node is IEnumerable<ITransformer> chain)
        {
            int i = 0;
            foreach (var child in chain) Flatten(child, $"{path}/Transform_{i++:000}", leaves);
        }
        else leaves.Add((node, path));
    }

    /// <summary>
    /// <paramref name="node"/> with every replaced range of leaves swapped for its typed transformer; <paramref name="leafCount"/>
    /// is how many leaves the node spanned. A chain that is exactly one range becomes the typed transformer itself.
    /// </summary>
    private static ITransformer Replace(ITransformer node, List<(int Start, int Count, ITransformer Typed)> replacements, int offset, out int leafCount)
    {
        if (node is not IEnumerable<ITransformer> chain)
        {
            leafCount = 1;
            return node;
        }
        var children = new List<ITransformer>();
        leafCount = 0;
        bool changed = false;
        foreach (var child in chain)
        {
            var replaced = Replace(child, replacements, offset + leafCount, out int childLeaves);
            changed |= !ReferenceEquals(replaced, child);
            children.Add(replaced);
            leafCount += childLeaves;
        }
        int start = offset, count = leafCount;
        if (replacements.FirstOrDefault(r => r.Start == start && r.Count == count) is { Typed: { } typed }) return typed;
        return changed ? new TransformerChain<ITransformer>([.. children]) : node;
    }

    /// <summary>Every OnnxTransformer graph in the zip, by the chain path of the transformer that saved it.</summary>
    private static Dictionary<string, byte[]> GraphsByEntryFolder(Stream zipStream)
    {
        var graphs = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var models = SavedModelArchive.OnnxModels(zipStream);
        using var zip = new ZipArchive(zipStream, ZipArchiveMode.Read, leaveOpen: true);
        var entries = zip.Entries.Where(e => e.Name == SavedModelArchive.OnnxEntryName).OrderBy(e => e.FullName, StringComparer.Ordinal).ToList();
        for (int i = 0; i < entries.Count; i++)
            graphs[entries[i].FullName[..^(SavedModelArchive.OnnxEntryName.Length + 1)]] = models[i];
        return graphs;
    }
}
