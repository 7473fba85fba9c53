using System.IO.Compression;
using System.Text.Json;
using Microsoft.ML.Autoencoders.Cli.Models;

namespace Microsoft.ML.Autoencoders.Cli;

/// <summary>
/// A model file as the tool reads it: an ML.NET model zip (written by <c>mlContext.Model.Save</c>, so any ML.NET program
/// loads it too) holding an autoencoder, an anomaly detector or a sequence anomaly detector, plus the tool's
/// <see cref="ToolMetadata"/> when the tool trained it.
/// </summary>
internal sealed class ToolModel
{
    private ToolModel(AutoencoderTransformer? autoencoder, AutoencoderAnomalyTransformer? detector, ToolMetadata? metadata, string path = "")
    {
        Autoencoder = autoencoder;
        Detector = detector;
        Metadata = metadata;
        _path = path;
    }

    private ToolModel(SequenceAnomalyTransformer sequence, ToolMetadata? metadata, string path) : this(null, null, metadata, path) => Sequence = sequence;

    private readonly string _path;

    /// <summary>The autoencoder, when the file holds one (not a detector).</summary>
    public AutoencoderTransformer? Autoencoder { get; }

    /// <summary>The anomaly detector, when the file holds one.</summary>
    public AutoencoderAnomalyTransformer? Detector { get; }

    /// <summary>
    /// The sequence anomaly detector, when the file holds one: it scores rows as the time steps of a series, by windows, so
    /// only <c>score</c>, <c>info</c>, <c>plot loss</c> and <c>plot roc</c> work on it (<see cref="Network"/> says so to the others).
    /// </summary>
    public SequenceAnomalyTransformer? Sequence { get; }

    /// <summary>What the tool stored; null for a model saved by another program.</summary>
    public ToolMetadata? Metadata { get; }

    /// <summary>
    /// The trained network of an autoencoder or a detector. A sequence detector's network reads windows of the standardized
    /// series, not rows: a command that would feed it rows (encode, reconstruct, export, sample, the plots of codes,
    /// reconstructions and errors) is refused, naming the commands that work.
    /// </summary>
    public AutoencoderModel Network => Sequence != null
        ? throw new InvalidDataException($"'{_path}' holds a sequence anomaly detector, which scores the rows of a series by windows of " +
            $"{Sequence.WindowLength} time steps, so it has no per-row code, reconstruction or ONNX file: use `score`, `info`, `plot loss` or `plot roc` on it.")
        : Autoencoder?.Model ?? Detector!.Model;

    /// <summary>The features a row gives the model: a sequence detector's channels, else the network's input.</summary>
    public int InputSize => Sequence?.ChannelColumnNames.Count ?? Network.InputSize;

    /// <summary>
    /// The network, for a command that feeds it the rows as the file gives them (<paramref name="command"/> names that
    /// command). A detector trained with <c>StandardizeFeatures</c> (the library's option; a model another program saved) has a
    /// network on standardized rows: fed the raw ones it gives codes, reconstructions and errors that look fine and mean
    /// nothing, so it is refused instead. Only the detector's own transform standardizes, which is what <c>score</c> uses.
    /// </summary>
    public AutoencoderModel NetworkOnRawRows(string command) => Detector is { StandardizesFeatures: true }
        ? throw new InvalidDataException($"The detector in this file standardizes its features before its network, which the tool " +
            $"cannot do for `{command}`: its network reads standardized rows, so raw ones would give wrong results. `score` and " +
            "`plot roc` score through the detector and work on it.")
        : Network;

    /// <summary>The image shape [channels, height, width] the model was trained on, if any.</summary>
    public int[]? ImageShape => Metadata?.ImageShape;

    public static ToolModel Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"The model file '{path}' does not exist.", path);
        ToolMetadata? metadata = ReadMetadata(path);
        if (metadata?.Kind == Commands.SequenceDetector.Kind) return new ToolModel(SequenceAnomalyTransformer.LoadFromModelFile(path), metadata, path);
        if (metadata?.Detector == true) return new ToolModel(null, AutoencoderAnomalyTransformer.LoadFromModelFile(path), metadata);
        var autoencoders = AutoencoderTransformer.LoadAllFromModelFile(path);
        if (autoencoders.Count == 1) return new ToolModel(autoencoders[0], null, metadata);
        if (autoencoders.Count > 1) throw new InvalidDataException($"'{path}' holds {autoencoders.Count} autoencoders; the tool reads files with one.");
        if (metadata == null && SequenceDetectorIn(path) is { } sequence) return new ToolModel(sequence, metadata, path);
        return new ToolModel(null, AutoencoderAnomalyTransformer.LoadFromModelFile(path), metadata);
    }

    /// <summary>The sequence detector in a zip another program saved, or null when it holds none (it is then the other detector, or nothing the tool reads).</summary>
    private static SequenceAnomalyTransformer? SequenceDetectorIn(string path)
    {
        try
        {
            return SequenceAnomalyTransformer.LoadFromModelFile(path);
        }
        catch (InvalidDataException)
        {
            return null;
        }
    }

    /// <summary>Saves <paramref name="transformer"/> as ML.NET does, then adds the tool's entry to the zip.</summary>
    public static void Save(MLContext mlContext, ITransformer transformer, DataViewSchema inputSchema, string path, ToolMetadata metadata)
    {
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(metadata, Json);
        string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder != null) Directory.CreateDirectory(folder);
        mlContext.Model.Save(transformer, inputSchema, path);
        using var zip = ZipFile.Open(path, ZipArchiveMode.Update);
        using var entry = zip.CreateEntry(ToolMetadata.EntryName).Open();
        entry.Write(json);
    }

    /// <summary>Whether the file begins with a zip's local-file signature, "PK\x03\x04".</summary>
    private static bool StartsLikeAZip(string path)
    {
        Span<byte> start = stackalloc byte[4];
        using var file = File.OpenRead(path);
        return file.ReadAtLeast(start, 4, throwOnEndOfStream: false) == 4 && start.SequenceEqual("PK\x03\x04"u8);
    }

    /// <summary>A diverged epoch's loss can be infinite; JSON has no such number, so it is written by name.</summary>
    private static readonly JsonSerializerOptions Json = new() { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    private static ToolMetadata? ReadMetadata(string path)
    {
        try
        {
            using var zip = ZipFile.OpenRead(path);
            var entry = zip.GetEntry(ToolMetadata.EntryName);
            if (entry == null) return null;
            using var stream = entry.Open();
            return JsonSerializer.Deserialize<ToolMetadata>(stream, Json);
        }
        catch (InvalidDataException) when (!StartsLikeAZip(path))
        {
            // Not a zip: the library's loader says what the file is instead.
            return null;
        }
        catch (InvalidDataException e)
        {
            // A zip cut short (a copy or download that stopped) would otherwise reach the user as the zip reader's bare
            // "End of Central Directory record could not be found.", naming neither the file nor the cause.
            throw new InvalidDataException($"'{path}' is a damaged or incomplete zip file ({e.Message}): copy or write the model again.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{path}' has a damaged {ToolMetadata.EntryName}: {e.Message}");
        }
    }
}
