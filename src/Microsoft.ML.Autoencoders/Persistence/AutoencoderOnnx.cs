using System.Text.Json;
using System.Text.Json.Serialization;
using System.Globalization;
using Microsoft.ML.Autoencoders.Engine.Export;
using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Specs;
using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Autoencoders.Onnx;

namespace Microsoft.ML.Autoencoders.Persistence;

/// <summary>
/// The library's model file: an ONNX graph that any ONNX runtime can score, whose initializers are the engine's
/// parameters under their own names (e.g. "encoder.0.weight") and whose metadata records the network's spec and the
/// column names, so the library can rebuild the exact engine network from it.
/// </summary>
/// <remarks>
/// <para>Graph: each layer writes its own nodes (<see cref="Layer.ExportOnnx"/>), reading the previous layer's output tensor;
/// the code layer's output is the encoded output, the last layer's the reconstruction; the error is
/// ReduceMean((input - reconstruction)², axes=[-1], keepdims=1). Between layers tensors are rows of their flat size,
/// [d] (how ML.NET's OnnxTransformer feeds one row) or a batch [N, d]; only the declared shapes differ.</para>
/// <para>Metadata keys and format versions:</para>
/// <list type="bullet">
/// <item>Version 3 (written now): as version 2, with the checksum (<see cref="ModelChecksum"/>) required and computed over
/// the loss as well (a fuzz test found that a damaged file without its checksum, or with another loss, loaded as a
/// different model).</item>
/// <item>Version 2 (read only): <see cref="FormatKey"/> "2", <see cref="SpecKey"/> (the <see cref="NetworkSpec"/> as JSON, with
/// its own version inside) and <see cref="ColumnsKey"/> (JSON). The network is rebuilt from the spec, its weights read from
/// the initializers by parameter name.</item>
/// <item>Version 1 (read only): <see cref="FormatKey"/> "1", <see cref="ArchitectureKey"/> (a dense
/// <see cref="AutoencoderArchitecture"/> as JSON) and <see cref="ColumnsKey"/>; the architecture builds the same spec.</item>
/// </list>
/// </remarks>
internal static class AutoencoderOnnx
{
    public const string FormatKey = "autoencoders.format";
    public const string SpecKey = "autoencoders.spec";
    public const string ArchitectureKey = "autoencoders.architecture";
    public const string ColumnsKey = "autoencoders.columns";
    public const string LossKey = "autoencoders.loss";
    /// <summary>Marks a file holding one part of a network ("encoder" or "decoder"), which the library does not reload.</summary>
    public const string PartKey = "autoencoders.part";
    public const int FormatVersion = 3;

    /// <summary>The first format whose files always carry <see cref="ModelChecksum"/>'s checksum, over the loss too.</summary>
    private const int FirstVersionWithRequiredChecksum = 3;

    private static readonly JsonSerializerOptions Json = new() { Converters = { new JsonStringEnumConverter() } };

    /// <summary>The tensor names of a written graph.</summary>
    public sealed record GraphNames(string Input, string Encoded, string Reconstruction, string ReconstructionError, string NegativeElbo = "negative_elbo")
    {
        /// <summary>The names of a standalone file, for other runtimes.</summary>
        public static GraphNames Standalone { get; } = new("input", "encoded", "reconstruction", "reconstruction_error");
    }

    /// <summary>Writes a standalone file; <paramref name="batched"/> declares a leading batch dimension N.</summary>
    public static void Write(AutoencoderModel model, AutoencoderColumns columns, Stream stream, bool batched) =>
        Build(model, columns, GraphNames.Standalone, batched).WriteTo(stream);

    /// <summary>
    /// The graph as bytes, with the given tensor names; <paramref name="extraMetadata"/> adds entries of a component built
    /// on the network (the sequence detector's state), which the reader here ignores.
    /// </summary>
    public static byte[] ToBytes(AutoencoderModel model, AutoencoderColumns columns, GraphNames names, bool batched,
        IReadOnlyDictionary<string, string>? extraMetadata = null)
    {
        var builder = Build(model, columns, names, batched);
        foreach (var (key, value) in extraMetadata ?? new Dictionary<string, string>()) builder.SetMetadata(key, value);
        return builder.ToByteArray();
    }

    private static OnnxModelBuilder Build(AutoencoderModel model, AutoencoderColumns columns, GraphNames names, bool batched)
    {
        var network = model.Network;
        var builder = new OnnxModelBuilder("autoencoder") { ProducerName = "Microsoft.ML.Autoencoders", ProducerVersion = typeof(AutoencoderOnnx).Assembly.GetName().Version?.ToString() ?? "" };
        AddNetwork(builder, model, names, batched);
        int[] Shape(int width) => batched ? [-1, width] : [width];
        builder.AddOutput(names.Encoded, Shape(network.CodeSize));
        builder.AddOutput(names.Reconstruction, Shape(network.InputSize));
        builder.AddOutput(names.ReconstructionError, Shape(1));
        if (model.IsVariational) builder.AddOutput(names.NegativeElbo, Shape(1));
        AddMetadata(builder, model, columns);
        return builder;
    }

    /// <summary>
    /// Adds the input, every layer's nodes and the error's nodes to <paramref name="builder"/>, under <paramref name="names"/>,
    /// and a variational model's negative-ELBO nodes; the caller declares the outputs it wants. With
    /// <paramref name="declareInput"/> false the caller's own nodes produce <c>names.Input</c> (a detector's standardization).
    /// </summary>
    public static void AddNetwork(OnnxModelBuilder builder, AutoencoderModel model, GraphNames names, bool batched, bool declareInput = true)
    {
        var network = model.Network;
        if (declareInput) builder.AddInput(names.Input, batched ? [-1, network.InputSize] : [network.InputSize]);
        string[] outputs = AddLayers(builder, model, 0, network.Layers.Layers.Count, names.Input, names.Reconstruction, names.Encoded, batched);
        builder.AddNode("Sub", [names.Input, names.Reconstruction], ["error.difference"], "error.Sub");
        builder.AddNode("Mul", ["error.difference", "error.difference"], ["error.squared"], "error.Mul");
        builder.AddNode("ReduceMean", ["error.squared"], [names.ReconstructionError], "error.ReduceMean",
            OnnxAttribute.FromInts("axes", -1), OnnxAttribute.FromInt("keepdims", 1));
        if (model.IsVariational)
        {
            // The moments feed the sampling layer (the code's producer); a logits-reading likelihood reads the last layer's input.
            var vae = model.Variational;
            bool readsLogits = Engine.Losses.Loss.Create(vae.Likelihood, network.OutputActivation).ReadsLogits;
            NegativeElboOnnx.Write(builder, vae, names.Input, outputs[vae.MomentsSlot - 1], readsLogits ? outputs[^2] : names.Reconstruction, names.NegativeElbo);
        }
    }

    /// <summary>
    /// The nodes of layers [<paramref name="start"/>, <paramref name="end"/>) from tensor <paramref name="input"/> to
    /// <paramref name="output"/>; the code layer's output, when it falls inside, is named <paramref name="code"/>. Returns each
    /// layer's output tensor, in order.
    /// </summary>
    private static string[] AddLayers(OnnxModelBuilder builder, AutoencoderModel model, int start, int end, string input, string output, string code, bool batched)
    {
        var network = model.Network;
        var graph = new OnnxBuilderGraphWriter(builder, batched);
        var layers = network.Layers.Layers;
        var specs = network.Spec.Layers.ToArray();
        string x = input;
        var outputs = new string[end - start];
        for (int i = start; i < end; i++)
        {
            var layerSpec = specs[i];
            string y = i == end - 1 ? output : i + 1 == network.CodeSlot ? code : layerSpec.Name + ".output";
            try
            {
                layers[i].ExportOnnx(new LayerExportContext(graph, layerSpec.Name!, x, y, layerSpec.InputShape!, layerSpec.OutputShape!));
            }
            catch (NotSupportedException e)
            {
                throw new NotSupportedException($"Layer {layerSpec.Describe()} cannot be written to ONNX: {e.Message}", e);
            }
            outputs[i - start] = x = y;
        }
        return outputs;
    }

    /// <summary>
    /// The encoder alone (input [N, d] → encoded [N, k]) or the decoder alone (encoded [N, k] → reconstruction [N, d]), as
    /// a standalone batched file. The metadata names the part (<see cref="PartKey"/>); it has no spec, since the library
    /// reloads whole networks only.
    /// </summary>
    public static void WritePart(AutoencoderModel model, bool encoder, Stream stream)
    {
        var network = model.Network;
        var names = GraphNames.Standalone;
        var builder = new OnnxModelBuilder(encoder ? "autoencoder_encoder" : "autoencoder_decoder")
        {
            ProducerName = "Microsoft.ML.Autoencoders", ProducerVersion = typeof(AutoencoderOnnx).Assembly.GetName().Version?.ToString() ?? "",
        };
        string input = encoder ? names.Input : names.Encoded, output = encoder ? names.Encoded : names.Reconstruction;
        int inputSize = encoder ? network.InputSize : network.CodeSize, outputSize = encoder ? network.CodeSize : network.InputSize;
        builder.AddInput(input, [-1, inputSize]);
        string[] outputs = AddLayers(builder, model, encoder ? 0 : network.CodeSlot, encoder ? network.CodeSlot : network.Layers.Layers.Count, input, output, names.Encoded, batched: true);
        builder.AddOutput(output, [-1, outputSize]);
        if (encoder && model.IsVariational)
        {
            // A VAE's encoder also gives log σ²: the second half of the moments node that feeds the sampling layer.
            int latent = model.Variational.LatentSize;
            builder.AddInt64Initializer("log_variance.starts", [1], [latent]);
            builder.AddInt64Initializer("log_variance.ends", [1], [2 * latent]);
            builder.AddInt64Initializer("log_variance.axes", [1], [-1]);
            builder.AddNode("Slice", [outputs[^2], "log_variance.starts", "log_variance.ends", "log_variance.axes"], ["log_variance"], "log_variance.Slice");
            builder.AddOutput("log_variance", [-1, latent]);
        }
        builder.SetMetadata(PartKey, encoder ? "encoder" : "decoder");
        builder.SetMetadata(SpecKey + ".of_whole_network", network.Spec.ToJson());
        builder.WriteTo(stream);
    }

    /// <summary>The metadata that lets the library rebuild the network: format, spec, columns and their checksum.</summary>
    public static void AddMetadata(OnnxModelBuilder builder, AutoencoderModel model, AutoencoderColumns columns)
    {
        builder.SetMetadata(FormatKey, FormatVersion.ToString(CultureInfo.InvariantCulture));
        string specJson = model.Network.Spec.ToJson(), columnsJson = JsonSerializer.Serialize(columns, Json);
        builder.SetMetadata(SpecKey, specJson);
        builder.SetMetadata(ColumnsKey, columnsJson);
        string? loss = model.Loss?.ToString();
        builder.SetMetadata(ModelChecksum.MetadataKey, ModelChecksum.Compute(specJson, columnsJson, model.Network.Parameters.Parameters, loss));
        if (loss != null) builder.SetMetadata(LossKey, loss);
    }

    /// <summary>True when <paramref name="bytes"/> parse as an ONNX model that this library wrote.</summary>
    public static bool IsOurs(ReadOnlySpan<byte> bytes)
    {
        try
        {
            return OnnxModelReader.Parse(bytes).Metadata.ContainsKey(FormatKey);
        }
        catch (InvalidDataException)
        {
            return false;
        }
    }

    /// <summary>Rebuilds the model and its column names from a file this library wrote (formats 1 to <see cref="FormatVersion"/>).</summary>
    public static (AutoencoderModel Model, AutoencoderColumns Columns) Read(ReadOnlySpan<byte> bytes)
    {
        var reader = OnnxModelReader.Parse(bytes);
        if (reader.Metadata.TryGetValue(PartKey, out var part))
            throw new InvalidDataException($"This file holds only the {part} of a network (written by Save{(part == "encoder" ? "Encoder" : "Decoder")}AsOnnx); the library reads back whole networks, written by SaveAsOnnx.");
        if (!reader.Metadata.TryGetValue(FormatKey, out var format))
            throw new InvalidDataException("This ONNX model was not written by Microsoft.ML.Autoencoders (it has no '" + FormatKey + "' metadata). " + OnnxImportAdvice.For(reader));
        // Exactly the digits a version of this library writes, so that a damaged number never reads as a neighbour.
        int version = Enumerable.Range(1, FormatVersion).FirstOrDefault(v => format == v.ToString(CultureInfo.InvariantCulture));
        var spec = version switch
        {
            0 => throw new InvalidDataException($"This model uses format version {format}; this library reads versions 1 to {FormatVersion}. Update the library."),
            1 => SpecFromArchitecture(Required(reader, ArchitectureKey)),
            _ => NetworkSpec.FromJson(Required(reader, SpecKey)),
        };
        var columns = Deserialize<AutoencoderColumns>(Required(reader, ColumnsKey), "column");
        AutoencoderNetwork network;
        try
        {
            network = AutoencoderNetwork.CreateUninitialized(spec);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            throw new InvalidDataException($"The model's network cannot be built: {e.Message}", e);
        }
        foreach (var parameter in network.Parameters.Parameters)
        {
            if (!reader.TryGetFloatInitializer(parameter.Name, out var tensor))
                throw new InvalidDataException($"The model has no initializer '{parameter.Name}'.");
            if (!tensor.Dimensions.SequenceEqual(parameter.Shape))
                throw new InvalidDataException($"Initializer '{parameter.Name}' has shape [{string.Join(",", tensor.Dimensions)}], expected [{string.Join(",", parameter.Shape)}].");
            tensor.Values.CopyTo(parameter.Values);
        }
        reader.Metadata.TryGetValue(LossKey, out var lossName);
        CheckChecksum(reader, version, network, lossName);
        Engine.Losses.LossKind? lossKind = null;
        if (lossName != null)
        {
            if (!Enum.TryParse<Engine.Losses.LossKind>(lossName, out var parsed))
                throw new InvalidDataException($"The model's loss '{lossName}' is not one this library knows; update the library.");
            lossKind = parsed;
        }
        return (new AutoencoderModel(network, history: null, lossKind), columns);
    }

    /// <summary>A format-1 file's dense architecture, as the spec the same network has today.</summary>
    private static NetworkSpec SpecFromArchitecture(string json)
    {
        var architecture = Deserialize<AutoencoderArchitecture>(json, "architecture");
        try
        {
            return architecture.ToSpec();
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"The model's architecture metadata is invalid: {e.Message}", e);
        }
    }

    /// <summary>
    /// Refuses a file whose weights or settings differ from what its checksum was computed over. Format 3 must carry the
    /// checksum, over the loss too; format 2 may lack it (files written before it existed) and computed it without the
    /// loss; format 1 never had one, so a format-1 file with a checksum had its format number damaged.
    /// </summary>
    private static void CheckChecksum(OnnxModelReader reader, int version, AutoencoderNetwork network, string? loss)
    {
        const string Damaged = "The model's weights or settings do not match the checksum it was saved with; the file is damaged.";
        bool present = reader.Metadata.TryGetValue(ModelChecksum.MetadataKey, out var stored);
        if (!present)
        {
            if (version >= FirstVersionWithRequiredChecksum)
                throw new InvalidDataException($"The model has no '{ModelChecksum.MetadataKey}' metadata, which format {version} always writes; the file is damaged.");
            return;
        }
        if (version == 1) throw new InvalidDataException(Damaged);
        string spec = reader.Metadata[SpecKey], columns = reader.Metadata[ColumnsKey];
        var parameters = network.Parameters.Parameters;
        bool matches = stored == ModelChecksum.Compute(spec, columns, parameters, loss)
            || (version == 2 && stored == ModelChecksum.Compute(spec, columns, parameters));
        if (!matches) throw new InvalidDataException(Damaged);
    }

    private static string Required(OnnxModelReader reader, string key) =>
        reader.Metadata.TryGetValue(key, out var value) ? value : throw new InvalidDataException($"The model has no '{key}' metadata; the file is damaged.");

    private static T Deserialize<T>(string json, string what)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(json, Json) ?? throw new InvalidDataException($"The model's {what} metadata is empty.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"The model's {what} metadata is not valid: {e.Message}", e);
        }
    }
}
