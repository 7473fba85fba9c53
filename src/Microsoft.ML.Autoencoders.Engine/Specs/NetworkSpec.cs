using System.Text.Json;
using Microsoft.ML.Autoencoders.Engine.Layers;
using System.Text.Json.Serialization;

namespace Microsoft.ML.Autoencoders.Engine.Specs;

/// <summary>
/// A whole autoencoder as data: the per-row input shape, the encoder's layers (input → code) and the decoder's (code →
/// reconstruction, the input's shape again). It is what a model file stores beside the weights, what the engine builds
/// a network from (<see cref="Models.AutoencoderNetwork.Create(NetworkSpec, long)"/>) and what the ONNX writer walks.
/// </summary>
/// <remarks>
/// <para>Nodes: every layer's output is a node named after the layer; besides, "input" is the row going in, "code" the
/// encoder's output and "reconstruction" the decoder's. Penalties and losses attach to nodes by name.</para>
/// <para>A spec is built in two steps: the user's (or a builder's) list, then <see cref="Resolve"/>, which names every
/// layer and checks every shape, with errors that name the layer and both shapes. Only resolved specs build networks.</para>
/// </remarks>
public sealed record NetworkSpec
{
    /// <summary>The version of this JSON form; readers refuse newer ones rather than guess.</summary>
    public const int CurrentVersion = 1;

    /// <summary>The node name of the input row.</summary>
    public const string InputNode = "input";

    /// <summary>The node name of the encoder's output.</summary>
    public const string CodeNode = "code";

    /// <summary>The node name of the decoder's output.</summary>
    public const string ReconstructionNode = "reconstruction";

    /// <summary>Equal when the versions, input shapes and every layer (kind, hyperparameters, name, shapes) are equal.</summary>
    public bool Equals(NetworkSpec? other) =>
        other is not null && Version == other.Version && InputShape == other.InputShape
        && Encoder.SequenceEqual(other.Encoder) && Decoder.SequenceEqual(other.Decoder);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Version, InputShape, Encoder.Count, Decoder.Count);

    /// <summary>The version of the JSON form this spec was written in.</summary>
    public int Version { get; init; } = CurrentVersion;

    /// <summary>The per-row shape of the input (and of the reconstruction).</summary>
    public required TensorShape InputShape { get; init; }

    /// <summary>The encoder's layers, input first; its output is the code.</summary>
    public required IReadOnlyList<LayerSpec> Encoder { get; init; }

    /// <summary>The decoder's layers, code first; its output is the reconstruction.</summary>
    public required IReadOnlyList<LayerSpec> Decoder { get; init; }

    /// <summary>Every layer, encoder then decoder.</summary>
    [JsonIgnore]
    public IEnumerable<LayerSpec> Layers => Encoder.Concat(Decoder);

    /// <summary>The code's per-row shape (resolved specs only).</summary>
    [JsonIgnore]
    public TensorShape CodeShape => Encoder[^1].OutputShape ?? throw new InvalidOperationException("Resolve the spec first.");

    /// <summary>
    /// A spec whose decoder mirrors <paramref name="encoder"/> (see <see cref="DecoderMirror"/>), resolved. With
    /// <paramref name="decoder"/> given, that decoder is used as it is.
    /// </summary>
    public static NetworkSpec Create(TensorShape inputShape, IEnumerable<LayerSpec> encoder, IEnumerable<LayerSpec>? decoder = null,
        Activation outputActivation = Activation.Linear, bool tieWeights = false, float leakyReluSlope = ActivationSpec.DefaultSlope)
    {
        ArgumentNullException.ThrowIfNull(inputShape);
        ArgumentNullException.ThrowIfNull(encoder);
        var resolvedEncoder = ResolveEncoder(inputShape, encoder);
        var decoderLayers = decoder?.ToArray() ?? DecoderMirror.Mirror(resolvedEncoder, outputActivation, tieWeights, leakyReluSlope);
        return new NetworkSpec { InputShape = inputShape, Encoder = resolvedEncoder, Decoder = decoderLayers }.Resolve();
    }

    /// <summary>The encoder's layers named and shaped from <paramref name="inputShape"/> on (what <see cref="DecoderMirror"/> reads).</summary>
    public static LayerSpec[] ResolveEncoder(TensorShape inputShape, IEnumerable<LayerSpec> encoder)
    {
        ArgumentNullException.ThrowIfNull(inputShape);
        ArgumentNullException.ThrowIfNull(encoder);
        return new NetworkSpec { InputShape = inputShape, Encoder = encoder.ToArray(), Decoder = [] }.ResolvePart(decoderToo: false).Encoder.ToArray();
    }

    /// <summary>
    /// Names every unnamed layer and infers every shape from the input on, checking that each layer takes what the one
    /// before gives, that shapes already recorded (a spec read from a file) agree, that names are unique and that the
    /// decoder gives back the input's shape. Throws <see cref="ArgumentException"/> naming the layer and both shapes.
    /// </summary>
    public NetworkSpec Resolve() => ResolvePart(decoderToo: true);

    private NetworkSpec ResolvePart(bool decoderToo)
    {
        if (Version > CurrentVersion)
            throw new ArgumentException($"This network description has version {Version}; this library reads up to version {CurrentVersion}. Update the library.");
        if (InputShape is null) throw new ArgumentException("The network needs an input shape.");
        if (Encoder is null || Encoder.Count == 0) throw new ArgumentException("The encoder needs at least one layer.");
        if (decoderToo && (Decoder is null || Decoder.Count == 0)) throw new ArgumentException("The decoder needs at least one layer.");

        var names = new HashSet<string>(StringComparer.Ordinal) { InputNode, CodeNode, ReconstructionNode };
        TensorShape shape = InputShape;
        var encoder = ResolveLayers(Encoder, "encoder", ref shape, names);
        var decoder = decoderToo ? ResolveLayers(Decoder, "decoder", ref shape, names) : [];
        if (decoderToo && shape != InputShape)
        {
            throw new ArgumentException(
                $"The decoder ends in {shape} (layer {decoder[^1].Describe()}) but the input is {InputShape}: the last decoder layer must give back the input's shape.");
        }
        return this with { Encoder = encoder, Decoder = decoder };
    }

    private static LayerSpec[] ResolveLayers(IReadOnlyList<LayerSpec> layers, string part, ref TensorShape shape, HashSet<string> names)
    {
        var resolved = new LayerSpec[layers.Count];
        int structural = -1;
        string? lastShaping = null;
        for (int i = 0; i < layers.Count; i++)
        {
            var layer = layers[i] ?? throw new ArgumentException($"Layer {i} of the {part} is null.");
            if (LayerKinds.TryKindOf(layer.GetType()) is null)
            {
                throw new ArgumentException(
                    $"Layer {i} of the {part} is a {layer.GetType().FullName}, which is not a registered layer kind: mark it [LayerKind(\"...\")] and call LayerKinds.RegisterAssembly, or call LayerKinds.Register<{layer.GetType().Name}>(\"...\").");
            }
            if (!layer.IsElementwise) structural++;
            string name = layer.Name ?? AutomaticName(layer, part, structural, lastShaping, names);
            if (!layer.IsElementwise) lastShaping = name;
            if (string.IsNullOrWhiteSpace(name)) throw new ArgumentException($"Layer {i} of the {part} has an empty name.");
            if (!names.Add(name))
                throw new ArgumentException($"Two layers are named '{name}' (the second is layer {i} of the {part}); names must be unique and not 'input', 'code' or 'reconstruction'.");
            string label = $"Layer '{name}' ({layer.Kind}, {part} layer {i})";
            if (layer.InputShape is { } recordedInput && recordedInput != shape)
                throw new ArgumentException($"{label} records input shape {recordedInput} but the layer before gives {shape}.");
            TensorShape output;
            try
            {
                output = layer.InferOutputShape(shape);
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"{label}: {e.Message}", e);
            }
            if (layer.OutputShape is { } recordedOutput && recordedOutput != output)
                throw new ArgumentException($"{label} records output shape {recordedOutput} but gives {output} for input {shape}.");
            resolved[i] = layer with { Name = name, InputShape = shape, OutputShape = output };
            shape = output;
        }
        return resolved;
    }

    /// <summary>
    /// "encoder.0" for the first shaping layer, "encoder.0.activation" for an element-wise layer after it (after the name
    /// of the layer before, when that one was named by the user), a counter when taken.
    /// </summary>
    private static string AutomaticName(LayerSpec layer, string part, int structural, string? lastShaping, HashSet<string> names)
    {
        string name = !layer.IsElementwise ? $"{part}.{structural}"
            : lastShaping is null ? $"{part}.{layer.Kind}"
            : $"{lastShaping}.{layer.Kind}";
        string unique = name;
        for (int n = 1; names.Contains(unique); n++) unique = $"{name}.{n}";
        return unique;
    }

    /// <summary>
    /// The slot of node <paramref name="node"/> in the network's activation cache: 0 for "input", the encoder's length
    /// for "code", the last for "reconstruction", and i + 1 for the output of layer i.
    /// </summary>
    public int Slot(string node)
    {
        ArgumentNullException.ThrowIfNull(node);
        if (node == InputNode) return 0;
        if (node == CodeNode) return Encoder.Count;
        if (node == ReconstructionNode) return Encoder.Count + Decoder.Count;
        int i = 0;
        foreach (var layer in Layers)
        {
            i++;
            if (layer.Name == node) return i;
        }
        throw new ArgumentException($"The network has no node '{node}'. Nodes: {string.Join(", ", NodeNames())}.");
    }

    /// <summary>The layer that produces node <paramref name="node"/>, or null for the input.</summary>
    public LayerSpec? Producer(string node)
    {
        int slot = Slot(node);
        return slot == 0 ? null : Layers.ElementAt(slot - 1);
    }

    /// <summary>Every node name: the three fixed ones and every layer's.</summary>
    public IEnumerable<string> NodeNames() =>
        new[] { InputNode, CodeNode, ReconstructionNode }.Concat(Layers.Select(l => l.Name).OfType<string>());

    /// <summary>The spec as JSON (the form model files store).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, LayerKinds.Json);

    /// <summary>
    /// Reads a spec written by <see cref="ToJson"/> and resolves it. Throws <see cref="InvalidDataException"/> for JSON that is
    /// not a valid spec, naming an unregistered layer kind when that is the cause.
    /// </summary>
    public static NetworkSpec FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        NetworkSpec? spec;
        try
        {
            spec = JsonSerializer.Deserialize<NetworkSpec>(json, LayerKinds.Json);
        }
        catch (Exception e) when (e is JsonException or NotSupportedException) // a layer without "kind" is the latter
        {
            string? unknown = UnregisteredKind(json);
            throw new InvalidDataException(unknown != null
                ? $"The network uses layer kind '{unknown}', which is not registered here: call LayerKinds.Register<TSpec>(\"{unknown}\") (from the assembly that defines it) before loading. Registered: {string.Join(", ", LayerKinds.All)}."
                : $"The network description is not valid: {e.Message}", e);
        }
        if (spec is null) throw new InvalidDataException("The network description is empty.");
        try
        {
            return spec.Resolve();
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"The network description is inconsistent: {e.Message}", e);
        }
    }

    private static string? UnregisteredKind(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            foreach (var part in new[] { "encoder", "decoder" })
            {
                if (!document.RootElement.TryGetProperty(part, out var layers) || layers.ValueKind != JsonValueKind.Array) continue;
                foreach (var layer in layers.EnumerateArray())
                {
                    if (layer.ValueKind == JsonValueKind.Object && layer.TryGetProperty("kind", out var kind)
                        && kind.ValueKind == JsonValueKind.String && !LayerKinds.IsRegistered(kind.GetString()!))
                        return kind.GetString();
                }
            }
        }
        catch (JsonException)
        {
        }
        return null;
    }
}
