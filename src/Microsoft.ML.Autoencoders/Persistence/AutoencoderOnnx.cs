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
/// <item>Version 2 (written now): <see cref="FormatKey"/> "2", <see cref="SpecKey"/> (the <see cref="NetworkSpec"/> as JSON, with
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
    public const int FormatVersion = 2;

    private static readonly JsonSerializerOptions Json = new() { Converters = { new JsonStringEnumConverter() } };

    /// <summary>The tensor names of a written graph.</summary>
    public sealed record GraphNames(string Input, string Encoded, string Reconstruction, string ReconstructionError)
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
        var spec = network.Spec;
        var builder = new OnnxModelBuilder("autoencoder") { ProducerName = "Microsoft.ML.Autoencoders", ProducerVersion = typeof(AutoencoderOnnx).Assembly.GetName().Version?.ToString() ?? "" };
        var graph = new OnnxBuilderGraphWriter(builder, batched);
        int[] Shape(int width) => batched ? [-1, width] : [width];

        builder.AddInput(names.Input, Shape(network.InputSize));
        var layers = network.Layers.Layers;
        var specs = spec.Layers.ToArray();
        string x = names.Input;
        for (int i = 0; i < layers.Count; i++)
        {
            var layerSpec = specs[i];
            string output = i + 1 == network.CodeSlot ? names.Encoded : i == layers.Count - 1 ? names.Reconstruction : layerSpec.Name + ".output";
            try
            {
                layers[i].ExportOnnx(new LayerExportContext(graph, layerSpec.Name!, x, output, layerSpec.InputShape!, layerSpec.OutputShape!));
            }
            catch (NotSupportedException e)
            {
                throw new NotSupportedException($"Layer {layerSpec.Describe()} cannot be written to ONNX: {e.Message}", e);
            }
            x = output;
        }
        builder.AddNode("Sub", [names.Input, names.Reconstruction], ["error.difference"], "error.Sub");
        builder.AddNode("Mul", ["error.difference", "error.difference"], ["error.squared"], "error.Mul");
        builder.AddNode("ReduceMean", ["error.squared"], [names.ReconstructionError], "error.ReduceMean",
            OnnxAttribute.FromInts("axes", -1), OnnxAttribute.FromInt("keepdims", 1));

        builder.AddOutput(names.Encoded, Shape(network.CodeSize));
        builder.AddOutput(names.Reconstruction, Shape(network.InputSize));
        builder.AddOutput(names.ReconstructionError, Shape(1));
        builder.SetMetadata(FormatKey, FormatVersion.ToString(CultureInfo.InvariantCulture));
        string specJson = spec.ToJson(), columnsJson = JsonSerializer.Serialize(columns, Json);
        builder.SetMetadata(SpecKey, specJson);
        builder.SetMetadata(ColumnsKey, columnsJson);
        builder.SetMetadata(ModelChecksum.MetadataKey, ModelChecksum.Compute(specJson, columnsJson, network.Parameters.Parameters));
        return builder;
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

    /// <summary>Rebuilds the model and its column names from a file this library wrote (format 1 or 2).</summary>
    public static (AutoencoderModel Model, AutoencoderColumns Columns) Read(ReadOnlySpan<byte> bytes)
    {
        var reader = OnnxModelReader.Parse(bytes);
        if (!reader.Metadata.TryGetValue(FormatKey, out var format))
            throw new InvalidDataException("This ONNX model was not written by Microsoft.ML.Autoencoders (it has no '" + FormatKey + "' metadata).");
        var spec = format switch
        {
            "2" => NetworkSpec.FromJson(Required(reader, SpecKey)),
            "1" => SpecFromArchitecture(Required(reader, ArchitectureKey)),
            _ => throw new InvalidDataException($"This model uses format version {format}; this library reads versions 1 and {FormatVersion}. Update the library."),
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
        if (reader.Metadata.TryGetValue(ModelChecksum.MetadataKey, out var checksum)
            && checksum != ModelChecksum.Compute(reader.Metadata[SpecKey], reader.Metadata[ColumnsKey], network.Parameters.Parameters))
        {
            throw new InvalidDataException("The model's weights or settings do not match the checksum it was saved with; the file is damaged.");
        }
        return (new AutoencoderModel(network, history: null), columns);
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
