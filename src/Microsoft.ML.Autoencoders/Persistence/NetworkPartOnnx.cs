using System.Globalization;
using Microsoft.ML.Autoencoders.Engine.Export;
using Microsoft.ML.Autoencoders.Onnx;

namespace Microsoft.ML.Autoencoders.Persistence;

/// <summary>
/// The encoder or the decoder alone as a standalone ONNX file, so each can be served by itself: an encoder for features
/// or latent codes, a decoder as a generator (a VAE's decoder turns points drawn from N(0, I) into new items). Each layer
/// writes its own nodes, as in the whole model's file (<see cref="AutoencoderOnnx"/>).
/// </summary>
/// <remarks>
/// Encoder: input "input" [N, d] → "encoded" [N, code] (a VAE's latent mean), plus "log_variance" [N, L] for a VAE.
/// Decoder: input "encoded" [N, code] → "reconstruction" [N, d]. Metadata names the part and the library version.
/// </remarks>
internal static class NetworkPartOnnx
{
    public const string PartKey = "autoencoders.part";

    /// <summary>Writes the encoder of <paramref name="model"/> to <paramref name="stream"/>.</summary>
    public static void WriteEncoder(AutoencoderModel model, Stream stream)
    {
        var builder = NewBuilder("encoder");
        var network = model.Network;
        builder.AddInput("input", [-1, network.InputSize]);
        string[] outputs = WriteLayers(builder, model, 0, network.CodeSlot, "input", "encoded");
        builder.AddOutput("encoded", [-1, network.CodeSize]);
        if (model.IsVariational)
        {
            // The moments node feeds the sampling layer: its second half is log σ².
            int latent = model.Variational.LatentSize;
            builder.AddInt64Initializer("log_variance.starts", [1], [latent]);
            builder.AddInt64Initializer("log_variance.ends", [1], [2 * latent]);
            builder.AddInt64Initializer("log_variance.axes", [1], [-1]);
            builder.AddNode("Slice", [outputs[^2], "log_variance.starts", "log_variance.ends", "log_variance.axes"], ["log_variance"], "log_variance.Slice");
            builder.AddOutput("log_variance", [-1, latent]);
        }
        builder.SetMetadata(PartKey, "encoder");
        builder.WriteTo(stream);
    }

    /// <summary>Writes the decoder of <paramref name="model"/> to <paramref name="stream"/>.</summary>
    public static void WriteDecoder(AutoencoderModel model, Stream stream)
    {
        var builder = NewBuilder("decoder");
        var network = model.Network;
        builder.AddInput("encoded", [-1, network.CodeSize]);
        WriteLayers(builder, model, network.CodeSlot, network.Layers.Layers.Count, "encoded", "reconstruction");
        builder.AddOutput("reconstruction", [-1, network.InputSize]);
        builder.SetMetadata(PartKey, "decoder");
        builder.WriteTo(stream);
    }

    /// <summary>Layers [<paramref name="from"/>, <paramref name="to"/>) from tensor <paramref name="input"/>, the last writing <paramref name="output"/>; returns each layer's output tensor.</summary>
    private static string[] WriteLayers(OnnxModelBuilder builder, AutoencoderModel model, int from, int to, string input, string output)
    {
        var graph = new OnnxBuilderGraphWriter(builder, batched: true);
        var layers = model.Network.Layers.Layers;
        var specs = model.Spec.Layers.ToArray();
        var outputs = new string[to - from];
        string x = input;
        for (int i = from; i < to; i++)
        {
            string y = i == to - 1 ? output : specs[i].Name + ".output";
            try
            {
                layers[i].ExportOnnx(new LayerExportContext(graph, specs[i].Name!, x, y, specs[i].InputShape!, specs[i].OutputShape!));
            }
            catch (NotSupportedException e)
            {
                throw new NotSupportedException($"Layer {specs[i].Describe()} cannot be written to ONNX: {e.Message}", e);
            }
            outputs[i - from] = x = y;
        }
        return outputs;
    }

    private static OnnxModelBuilder NewBuilder(string name)
    {
        var builder = new OnnxModelBuilder(name)
        {
            ProducerName = "Microsoft.ML.Autoencoders",
            ProducerVersion = typeof(NetworkPartOnnx).Assembly.GetName().Version?.ToString() ?? "",
        };
        builder.SetMetadata("autoencoders.library_version", builder.ProducerVersion);
        builder.SetMetadata("autoencoders.opset", builder.OpsetVersion.ToString(CultureInfo.InvariantCulture));
        return builder;
    }
}
