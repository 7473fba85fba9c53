using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Autoencoders.Onnx;

namespace Microsoft.ML.Autoencoders.Persistence;

/// <summary>
/// The library's model file: an ONNX graph that any ONNX runtime can score, whose initializers are the engine's
/// parameters under their own names (e.g. "encoder.0.weight") and whose metadata records the architecture and
/// column names, so the library can rebuild the exact engine network from it.
/// </summary>
/// <remarks>
/// Graph, per dense layer: MatMul(x, W[in,out]) → Add(b) → activation (omitted when linear). A tied decoder layer
/// has no weight initializer of its own: it multiplies by Transpose(perm=[1,0]) of its mirrored encoder's W, so the
/// file, like the engine, holds the matrix once. Dropout is the identity at inference and has no node. The code layer's
/// result is the encoded output, the last layer's the reconstruction; the error is
/// ReduceMean((input - reconstruction)², axes=[-1], keepdims=1). MatMul and the reductions work on a rank-1 row
/// [d] (how ML.NET's OnnxTransformer feeds one row) and on a batch [N, d] alike; only the declared shapes differ.
/// Metadata keys: <see cref="FormatKey"/> (version), <see cref="ArchitectureKey"/> and <see cref="ColumnsKey"/> (JSON).
/// </remarks>
internal static class AutoencoderOnnx
{
    public const string FormatKey = "autoencoders.format";
    public const string ArchitectureKey = "autoencoders.architecture";
    public const string ColumnsKey = "autoencoders.columns";
    public const int FormatVersion = 1;

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

    /// <summary>The graph as bytes, with the given tensor names.</summary>
    public static byte[] ToBytes(AutoencoderModel model, AutoencoderColumns columns, GraphNames names, bool batched) =>
        Build(model, columns, names, batched).ToByteArray();

    private static OnnxModelBuilder Build(AutoencoderModel model, AutoencoderColumns columns, GraphNames names, bool batched)
    {
        var network = model.Network;
        var architecture = network.Architecture;
        var builder = new OnnxModelBuilder("autoencoder") { ProducerName = "Microsoft.ML.Autoencoders", ProducerVersion = typeof(AutoencoderOnnx).Assembly.GetName().Version?.ToString() ?? "" };
        int[] Shape(int width) => batched ? [-1, width] : [width];

        builder.AddInput(names.Input, Shape(network.InputSize));
        var weightLayers = network.WeightLayers().ToList();
        int codeLayer = architecture.HiddenSizes.Count;
        string x = names.Input;
        for (int i = 0; i < weightLayers.Count; i++)
        {
            var (layer, activation) = weightLayers[i];
            Engine.Tensors.Parameter bias;
            string prefix, weights;
            switch (layer)
            {
                case Dense dense:
                    bias = dense.Bias;
                    prefix = dense.Weights.Name[..dense.Weights.Name.LastIndexOf('.')];
                    weights = dense.Weights.Name;
                    builder.AddInitializer(dense.Weights.Name, dense.Weights.Shape, dense.Weights.Values);
                    break;
                case TiedDense tied:
                    bias = tied.Bias;
                    prefix = tied.Bias.Name[..tied.Bias.Name.LastIndexOf('.')];
                    weights = prefix + ".weight_transposed";
                    builder.AddNode("Transpose", [tied.Weights.Name], [weights], prefix + ".Transpose", OnnxAttribute.FromInts("perm", 1, 0));
                    break;
                default:
                    throw new InvalidOperationException($"Cannot export a {layer.GetType().Name} to ONNX.");
            }
            string output = i == codeLayer ? names.Encoded : i == weightLayers.Count - 1 ? names.Reconstruction : prefix + ".output";
            builder.AddInitializer(bias.Name, bias.Shape, bias.Values);
            builder.AddNode("MatMul", [x, weights], [prefix + ".matmul"], prefix + ".MatMul");
            string linear = activation == Activation.Linear ? output : prefix + ".linear";
            builder.AddNode("Add", [prefix + ".matmul", bias.Name], [linear], prefix + ".Add");
            if (activation != Activation.Linear) AddActivation(builder, activation, linear, output, prefix, architecture.LeakyReluSlope);
            x = output;
        }
        builder.AddNode("Sub", [names.Input, names.Reconstruction], ["error.difference"], "error.Sub");
        builder.AddNode("Mul", ["error.difference", "error.difference"], ["error.squared"], "error.Mul");
        builder.AddNode("ReduceMean", ["error.squared"], [names.ReconstructionError], "error.ReduceMean",
            OnnxAttribute.FromInts("axes", -1), OnnxAttribute.FromInt("keepdims", 1));

        builder.AddOutput(names.Encoded, Shape(network.CodeSize));
        builder.AddOutput(names.Reconstruction, Shape(network.InputSize));
        builder.AddOutput(names.ReconstructionError, Shape(1));
        builder.SetMetadata(FormatKey, FormatVersion.ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.SetMetadata(ArchitectureKey, JsonSerializer.Serialize(architecture, Json));
        builder.SetMetadata(ColumnsKey, JsonSerializer.Serialize(columns, Json));
        return builder;
    }

    private static void AddActivation(OnnxModelBuilder builder, Activation activation, string input, string output, string prefix, float slope)
    {
        switch (activation)
        {
            case Activation.Sigmoid: builder.AddNode("Sigmoid", [input], [output], prefix + ".Sigmoid"); break;
            case Activation.Relu: builder.AddNode("Relu", [input], [output], prefix + ".Relu"); break;
            case Activation.Tanh: builder.AddNode("Tanh", [input], [output], prefix + ".Tanh"); break;
            case Activation.LeakyRelu: builder.AddNode("LeakyRelu", [input], [output], prefix + ".LeakyRelu", OnnxAttribute.FromFloat("alpha", slope)); break;
            default: throw new ArgumentOutOfRangeException(nameof(activation), activation, "No ONNX operator for this activation.");
        }
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

    /// <summary>Rebuilds the model and its column names from a file this library wrote.</summary>
    public static (AutoencoderModel Model, AutoencoderColumns Columns) Read(ReadOnlySpan<byte> bytes)
    {
        var reader = OnnxModelReader.Parse(bytes);
        if (!reader.Metadata.TryGetValue(FormatKey, out var format))
            throw new InvalidDataException("This ONNX model was not written by Microsoft.ML.Autoencoders (it has no '" + FormatKey + "' metadata).");
        if (format != FormatVersion.ToString(System.Globalization.CultureInfo.InvariantCulture))
            throw new InvalidDataException($"This model uses format version {format}; this library reads version {FormatVersion}. Update the library.");
        var architecture = JsonSerializer.Deserialize<AutoencoderArchitecture>(reader.Metadata[ArchitectureKey], Json)
            ?? throw new InvalidDataException("The model's architecture metadata is empty.");
        var columns = JsonSerializer.Deserialize<AutoencoderColumns>(reader.Metadata[ColumnsKey], Json)
            ?? throw new InvalidDataException("The model's column metadata is empty.");
        var network = AutoencoderNetwork.CreateUninitialized(architecture);
        foreach (var parameter in network.Parameters.Parameters)
        {
            if (!reader.TryGetFloatInitializer(parameter.Name, out var tensor))
                throw new InvalidDataException($"The model has no initializer '{parameter.Name}'.");
            if (!tensor.Dimensions.SequenceEqual(parameter.Shape))
                throw new InvalidDataException($"Initializer '{parameter.Name}' has shape [{string.Join(",", tensor.Dimensions)}], expected [{string.Join(",", parameter.Shape)}].");
            tensor.Values.CopyTo(parameter.Values);
        }
        return (new AutoencoderModel(network, history: null), columns);
    }
}
