using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Tensors;

namespace Microsoft.ML.Autoencoders.Engine.Models;

/// <summary>
/// A dense autoencoder: one <see cref="Sequential"/> from input to reconstruction whose slot
/// <see cref="CodeSlot"/> holds the code, and one <see cref="ParameterStore"/> with every weight.
/// The network is shared; each thread that runs it brings its own <see cref="ActivationCache"/>.
/// </summary>
public sealed class AutoencoderNetwork
{
    private AutoencoderNetwork(AutoencoderArchitecture architecture, Sequential layers, int codeSlot)
    {
        Architecture = architecture;
        Layers = layers;
        CodeSlot = codeSlot;
        Parameters = new ParameterStore(layers.Parameters);
    }

    /// <summary>What this network is.</summary>
    public AutoencoderArchitecture Architecture { get; }

    /// <summary>All layers, input to reconstruction.</summary>
    public Sequential Layers { get; }

    /// <summary>The cache slot holding the code: the encoder is layers [0, CodeSlot), the decoder the rest.</summary>
    public int CodeSlot { get; }

    /// <summary>Every weight and bias in one buffer.</summary>
    public ParameterStore Parameters { get; }

    /// <summary>Elements per input row.</summary>
    public int InputSize => Architecture.InputSize;

    /// <summary>Elements per code row.</summary>
    public int CodeSize => Architecture.CodeSize;

    /// <summary>The dense layers in order (what an exporter needs, with each one's activation).</summary>
    public IEnumerable<(Dense Layer, Activation Activation)> DenseLayers()
    {
        var layers = Layers.Layers;
        for (int i = 0; i < layers.Count; i++)
        {
            if (layers[i] is not Dense dense) continue;
            var activation = i + 1 < layers.Count && layers[i + 1] is ActivationLayer a ? a.Kind : Activation.Linear;
            yield return (dense, activation);
        }
    }

    /// <summary>Builds the network with weights drawn from <paramref name="seed"/>.</summary>
    public static AutoencoderNetwork Create(AutoencoderArchitecture architecture, long seed)
    {
        var network = CreateUninitialized(architecture);
        var random = new SeededRandom(seed);
        foreach (var layer in network.Layers.Layers) layer.Initialize(random);
        return network;
    }

    /// <summary>
    /// The layers that hold weights — <see cref="Dense"/> or, with tied weights, <see cref="TiedDense"/> in the
    /// decoder — in order, each with the activation that follows it (dropout, an identity at inference, is skipped).
    /// </summary>
    public IEnumerable<(Layer Layer, Activation Activation)> WeightLayers()
    {
        var layers = Layers.Layers;
        for (int i = 0; i < layers.Count; i++)
        {
            if (layers[i] is not (Dense or TiedDense)) continue;
            var activation = i + 1 < layers.Count && layers[i + 1] is ActivationLayer a ? a.Kind : Activation.Linear;
            yield return (layers[i], activation);
        }
    }

    /// <summary>Builds the network with all-zero weights, for loading saved ones.</summary>
    public static AutoencoderNetwork CreateUninitialized(AutoencoderArchitecture architecture)
    {
        architecture.Validate();
        int[] widths = architecture.LayerWidths();
        int last = widths.Length - 1;
        int codeIndex = architecture.HiddenSizes.Count + 1; // index into widths of the code
        var layers = new List<Layer>();
        var encoders = new List<Dense>();
        int codeSlot = -1;
        for (int i = 1; i < widths.Length; i++)
        {
            Activation activation = i == last ? architecture.OutputActivation
                : i == codeIndex ? architecture.CodeActivation
                : architecture.HiddenActivation;
            string name = i <= codeIndex ? $"encoder.{i - 1}" : $"decoder.{i - codeIndex - 1}";
            if (i > codeIndex && architecture.TiedWeights)
            {
                // widths are symmetric, so decoder layer i (widths[i-1] → widths[i]) mirrors encoder layer last - i + 1.
                layers.Add(new TiedDense(encoders[last - i], name));
            }
            else
            {
                var dense = new Dense(widths[i - 1], widths[i], WeightInitializer.Resolve(architecture.Initialization, activation), name);
                if (i <= codeIndex) encoders.Add(dense);
                layers.Add(dense);
            }
            var nonlinearity = ActivationLayer.Create(activation, widths[i], architecture.LeakyReluSlope);
            if (nonlinearity != null) layers.Add(nonlinearity);
            if (i == codeIndex) codeSlot = layers.Count;
            if (i != last && architecture.DropoutRate > 0) layers.Add(new DropoutLayer(widths[i], architecture.DropoutRate));
        }
        return new AutoencoderNetwork(architecture, new Sequential(layers), codeSlot);
    }

    /// <summary>Creates a cache for running this network on batches of up to <paramref name="maxBatch"/> rows.</summary>
    public ActivationCache CreateCache(int maxBatch, bool forTraining = false) => Layers.CreateCache(maxBatch, forTraining);

    /// <summary>
    /// Runs <paramref name="rows"/> rows (already in the cache's input slot, see <see cref="Input"/>) through the
    /// whole network; afterwards <see cref="Code"/> and <see cref="Reconstruction"/> hold the results.
    /// </summary>
    public void Forward(ActivationCache cache, int rows, in LayerContext context) => Layers.Forward(cache, rows, context);

    /// <summary>
    /// Reconstructs <paramref name="rows"/> rows of <paramref name="input"/> ([rows, InputSize]) straight into
    /// <paramref name="output"/>, without copying either through the cache (for inference; the cache holds the hidden layers).
    /// </summary>
    public void Reconstruct(ActivationCache cache, ReadOnlySpan<float> input, Span<float> output, int rows, in LayerContext context) =>
        Layers.Forward(cache, input, output, rows, context);

    /// <summary>Runs only the encoder; afterwards <see cref="Code"/> holds the result.</summary>
    public void Encode(ActivationCache cache, int rows, in LayerContext context) => Layers.Forward(cache, rows, context, 0, CodeSlot);

    /// <summary>The input slot of <paramref name="cache"/>, [rows, InputSize]: write rows here before a forward pass.</summary>
    public Span<float> Input(ActivationCache cache, int rows) => cache.Values(0, rows);

    /// <summary>The code, [rows, CodeSize], after <see cref="Encode"/> or <see cref="Forward"/>.</summary>
    public Span<float> Code(ActivationCache cache, int rows) => cache.Values(CodeSlot, rows);

    /// <summary>The reconstruction, [rows, InputSize], after <see cref="Forward"/>.</summary>
    public Span<float> Reconstruction(ActivationCache cache, int rows) => cache.Values(Layers.Layers.Count, rows);
}
