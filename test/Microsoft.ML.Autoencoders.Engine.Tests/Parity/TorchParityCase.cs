using System.Text.Json;
using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Specs;
using Microsoft.ML.Autoencoders.Engine.Tensors;

namespace Microsoft.ML.Autoencoders.Engine.Tests.Parity;

/// <summary>
/// One case of a PyTorch parity fixture (Parity/*.expected.json, written by make_parity_fixtures.py): a layer spec as a
/// model file stores it, the input shape and batch, the input, the parameters in the engine's layout, an upstream
/// gradient, and what PyTorch computed from them in float64 — the output, the input gradient, every parameter gradient
/// and, for batch norm in training, the running statistics after the step.
/// </summary>
internal sealed class TorchParityCase
{
    private TorchParityCase(JsonElement json)
    {
        Name = json.GetProperty("name").GetString()!;
        SpecJson = json.GetProperty("spec").GetRawText();
        InputShape = new TensorShape(json.GetProperty("inputShape").EnumerateArray().Select(e => e.GetInt32()).ToArray());
        Batch = json.GetProperty("batch").GetInt32();
        Training = json.GetProperty("training").GetBoolean();
        X = Floats(json.GetProperty("x"));
        Parameters = json.GetProperty("parameters").EnumerateArray().Select(Floats).ToArray();
        Dy = Floats(json.GetProperty("dy"));
        Y = Doubles(json.GetProperty("y"));
        Dx = Doubles(json.GetProperty("dx"));
        ParameterGradients = json.GetProperty("parameterGradients").EnumerateArray().Select(Doubles).ToArray();
        BuffersAfter = json.TryGetProperty("buffersAfter", out var buffers) ? buffers.EnumerateArray().Select(Doubles).ToArray() : null;
    }

    /// <summary>What the case tries, as the generator names it.</summary>
    public string Name { get; }

    /// <summary>The layer spec in the model file's JSON form.</summary>
    public string SpecJson { get; }

    /// <summary>The shape of one sample going in.</summary>
    public TensorShape InputShape { get; }

    /// <summary>Rows in the batch.</summary>
    public int Batch { get; }

    /// <summary>Whether the layer runs in training mode (batch norm's batch statistics) or inference.</summary>
    public bool Training { get; }

    /// <summary>The input, [batch, InputSize].</summary>
    public float[] X { get; }

    /// <summary>The layer's parameters in the order of <see cref="Layer.Parameters"/>, each in the engine's layout.</summary>
    public float[][] Parameters { get; }

    /// <summary>The upstream gradient, [batch, OutputSize].</summary>
    public float[] Dy { get; }

    /// <summary>PyTorch's output.</summary>
    public double[] Y { get; }

    /// <summary>PyTorch's input gradient.</summary>
    public double[] Dx { get; }

    /// <summary>PyTorch's gradient of each parameter (zeros for buffers).</summary>
    public double[][] ParameterGradients { get; }

    /// <summary>The buffers (batch norm's running mean and variance) after the forward pass, or null when not checked.</summary>
    public double[][]? BuffersAfter { get; }

    /// <summary>The spec, read as a model file's layer would be.</summary>
    public LayerSpec Spec => JsonSerializer.Deserialize<LayerSpec>(SpecJson, LayerKinds.Json)!;

    /// <summary>The cases of fixture <paramref name="family"/> (the file Parity/<paramref name="family"/>.expected.json).</summary>
    public static IReadOnlyList<TorchParityCase> Load(string family)
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Parity", family + ".expected.json");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.GetProperty("cases").EnumerateArray().Select(c => new TorchParityCase(c)).ToArray();
    }

    private static float[] Floats(JsonElement array) => array.EnumerateArray().Select(e => e.GetSingle()).ToArray();

    private static double[] Doubles(JsonElement array) => array.EnumerateArray().Select(e => e.GetDouble()).ToArray();
}
