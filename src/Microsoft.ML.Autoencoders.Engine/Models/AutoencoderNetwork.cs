using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Specs;
using Microsoft.ML.Autoencoders.Engine.Tensors;

namespace Microsoft.ML.Autoencoders.Engine.Models;

/// <summary>
/// An autoencoder built from a <see cref="NetworkSpec"/>: one <see cref="Sequential"/> from input to reconstruction whose
/// slots are the spec's nodes (the code at <see cref="CodeSlot"/>), and one <see cref="ParameterStore"/> with every weight.
/// The network is shared; each thread that runs it brings its own <see cref="ActivationCache"/>.
/// </summary>
public sealed class AutoencoderNetwork
{
    // Node name → slot, looked up by penalties every step: a dictionary read allocates nothing, walking the spec would.
    private readonly Dictionary<string, int> _slots = new(StringComparer.Ordinal);

    private AutoencoderNetwork(NetworkSpec spec, Sequential layers)
    {
        Spec = spec;
        Layers = layers;
        CodeSlot = spec.Slot(NetworkSpec.CodeNode);
        layers.KeepSlotWritten(CodeSlot); // Encode and the code column read it after a full forward pass
        Parameters = new ParameterStore(layers.Parameters);
        foreach (string node in spec.NodeNames()) _slots[node] = spec.Slot(node);
        _rowBandInference = new Lazy<RowBandInference?>(() => RowBandInference.TryCreate(layers));
    }

    // Made on the first Reconstruct: its packed weights and per-thread buffers cost memory only where inference runs.
    private readonly Lazy<RowBandInference?> _rowBandInference;

    /// <summary>What this network is: its layers as data, with their names and shapes (resolved).</summary>
    public NetworkSpec Spec { get; }

    /// <summary>All layers, input to reconstruction.</summary>
    public Sequential Layers { get; }

    /// <summary>The cache slot holding the code: the encoder is layers [0, CodeSlot), the decoder the rest.</summary>
    public int CodeSlot { get; }

    /// <summary>Every weight and bias in one buffer.</summary>
    public ParameterStore Parameters { get; }

    /// <summary>Elements per input row.</summary>
    public int InputSize => Spec.InputShape.Size;

    /// <summary>Elements per code row.</summary>
    public int CodeSize => Spec.CodeShape.Size;

    /// <summary>The cache slot of node <paramref name="node"/> ("input", "code", "reconstruction" or a layer's name).</summary>
    public int Slot(string node) => _slots.TryGetValue(node, out int slot) ? slot : Spec.Slot(node); // the spec's lookup throws, naming the nodes

    /// <summary>The activation applied last, producing the reconstruction (Linear when the last layer is not one): the loss pairs with it.</summary>
    public Activation OutputActivation => Spec.Decoder[^1].AppliedActivation ?? Activation.Linear;

    /// <summary>Builds the network of <paramref name="spec"/> with weights drawn from <paramref name="seed"/>, layer by layer in order.</summary>
    public static AutoencoderNetwork Create(NetworkSpec spec, long seed)
    {
        var network = CreateUninitialized(spec);
        var random = new SeededRandom(seed);
        foreach (var layer in network.Layers.Layers) layer.Initialize(random);
        return network;
    }

    /// <summary>Builds the symmetric dense network of <paramref name="architecture"/> with weights drawn from <paramref name="seed"/>.</summary>
    public static AutoencoderNetwork Create(AutoencoderArchitecture architecture, long seed) => Create(architecture.ToSpec(), seed);

    /// <summary>Builds the network of <paramref name="architecture"/> with all-zero weights, for loading saved ones.</summary>
    public static AutoencoderNetwork CreateUninitialized(AutoencoderArchitecture architecture) => CreateUninitialized(architecture.ToSpec());

    /// <summary>Builds the network of <paramref name="spec"/> (resolved, i.e. checked, here) with all-zero weights, for loading saved ones.</summary>
    public static AutoencoderNetwork CreateUninitialized(NetworkSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        spec = spec.Resolve(); // every check, even for a spec that says it is resolved: a `with` copy may not be
        // Before any layer allocates: a weight matrix past the largest array would otherwise overflow inside its layer.
        if (TrainingMemory.LargestWeightMatrix(spec) is var largest && largest > Array.MaxLength)
            throw new ArgumentException($"The network has a weight matrix of {largest} values, more than the largest array .NET can make ({Array.MaxLength}): narrow its widest layers.", nameof(spec));
        var specs = spec.Layers.ToArray();
        var layers = new Layer[specs.Length];
        var built = new Dictionary<string, Layer>(StringComparer.Ordinal);
        for (int i = 0; i < specs.Length; i++)
        {
            var layerSpec = specs[i];
            var context = new LayerBuildContext(layerSpec.Name!, layerSpec.InputShape!, layerSpec.OutputShape!, i + 1 < specs.Length ? specs[i + 1] : null, built);
            var layer = layerSpec.Build(context);
            if (layer.InputSize != layerSpec.InputShape!.Size || layer.OutputSize != layerSpec.OutputShape!.Size)
            {
                throw new InvalidOperationException(
                    $"Layer {layerSpec.Describe()} built a {layer.GetType().Name} of {layer.InputSize} → {layer.OutputSize} values per row, but its spec says {layerSpec.InputShape} → {layerSpec.OutputShape}.");
            }
            layers[i] = layer;
            built[layerSpec.Name!] = layer;
        }
        return new AutoencoderNetwork(spec, new Sequential(layers));
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
    /// <paramref name="output"/>, without copying either through the cache (for inference; the cache's slots are scratch
    /// for the hidden layers, and a network of dense and activation layers may not touch them at all: see
    /// <see cref="RowBandInference"/>, which runs each thread's rows through every layer with one rendezvous per batch).
    /// </summary>
    public void Reconstruct(ActivationCache cache, ReadOnlySpan<float> input, Span<float> output, int rows, in LayerContext context)
    {
        ArgumentNullException.ThrowIfNull(cache);
        if (TryBands(cache, input, output, rows, context, tap: default, tapLayers: 0)) return;
        // Everything else, including the argument errors, as the layers run one product at a time.
        Layers.Forward(cache, input, output, rows, context);
    }

    /// <summary>
    /// <see cref="Reconstruct(ActivationCache, ReadOnlySpan{float}, Span{float}, int, in LayerContext)"/> that also writes
    /// each row's code into <paramref name="codes"/> ([rows, CodeSize]): band by band, the code step writes each chunk there as it
    /// passes; otherwise it is read from the cache's code slot. The same bits either way, as for the reconstruction (for a
    /// network read as sparse, as long as no batch mixes rows on both sides of the sparse bound; see
    /// <see cref="RowBandInference"/>).
    /// </summary>
    public void Reconstruct(ActivationCache cache, ReadOnlySpan<float> input, Span<float> output, Span<float> codes, int rows, in LayerContext context)
    {
        ArgumentNullException.ThrowIfNull(cache);
        if (codes.Length < (long)rows * CodeSize) throw new ArgumentException($"The codes must hold {rows}×{CodeSize} values.", nameof(codes));
        if (TryBands(cache, input, output, rows, context, codes, CodeSlot)) return;
        Layers.Forward(cache, input, output, rows, context);
        Code(cache, rows).CopyTo(codes);
    }

    /// <summary>
    /// The band path of both <c>Reconstruct</c>s, where it applies: false, having done nothing, when it is switched off, the
    /// arguments are not what it takes (the layers' path then names what is wrong) or <see cref="RowBandInference"/> declines.
    /// </summary>
    private bool TryBands(ActivationCache cache, ReadOnlySpan<float> input, Span<float> output, int rows, in LayerContext context,
        Span<float> tap, int tapLayers) =>
        UsesRowBandInference && rows > 0 && rows <= cache.MaxBatch
        && input.Length >= (long)rows * InputSize && output.Length >= (long)rows * Layers.OutputSize
        && _rowBandInference.Value is { } rowBands && rowBands.TryRun(input, output, rows, context.Threads, tap, tapLayers);

    /// <summary>
    /// Whether the <c>Reconstruct</c> overloads may run a batch band by band (<see cref="RowBandInference"/>) rather than one
    /// product at a time; tests turn it off to hold the two to the same bits.
    /// </summary>
    internal bool UsesRowBandInference { get; set; } = true;

    /// <summary>Runs only the encoder; afterwards <see cref="Code"/> holds the result.</summary>
    public void Encode(ActivationCache cache, int rows, in LayerContext context) => Layers.Forward(cache, rows, context, 0, CodeSlot);

    /// <summary>The input slot of <paramref name="cache"/>, [rows, InputSize]: write rows here before a forward pass.</summary>
    public Span<float> Input(ActivationCache cache, int rows) => cache.Values(0, rows);

    /// <summary>The code, [rows, CodeSize], after <see cref="Encode"/> or <see cref="Forward"/>.</summary>
    public Span<float> Code(ActivationCache cache, int rows) => cache.Values(CodeSlot, rows);

    /// <summary>The reconstruction, [rows, InputSize], after <see cref="Forward"/>.</summary>
    public Span<float> Reconstruction(ActivationCache cache, int rows) => cache.Values(Layers.Layers.Count, rows);
}
