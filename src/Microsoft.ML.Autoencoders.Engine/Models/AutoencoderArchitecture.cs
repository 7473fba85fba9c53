using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Specs;

namespace Microsoft.ML.Autoencoders.Engine.Models;

/// <summary>
/// The settings of a symmetric dense autoencoder: input → hidden layers → code → the hidden layers mirrored →
/// output of the input's size. E.g. InputSize 784, HiddenSizes [256], CodeSize 64 gives 784-256-64-256-784.
/// It is one builder of a <see cref="NetworkSpec"/> (<see cref="ToSpec"/>), the description every network is built from;
/// model files of format 1 stored these settings instead of a spec, and load through it.
/// </summary>
public sealed record AutoencoderArchitecture
{
    /// <summary>Elements per input row (and per reconstruction).</summary>
    public required int InputSize { get; init; }

    /// <summary>The encoder's hidden layer widths, outermost first; the decoder mirrors them. May be empty.</summary>
    public IReadOnlyList<int> HiddenSizes { get; init; } = [];

    /// <summary>The code (bottleneck) width.</summary>
    public required int CodeSize { get; init; }

    /// <summary>Activation after every hidden layer of encoder and decoder.</summary>
    public Activation HiddenActivation { get; init; } = Activation.Relu;

    /// <summary>Activation of the code layer.</summary>
    public Activation CodeActivation { get; init; } = Activation.Linear;

    /// <summary>Activation of the output layer (Sigmoid suits data in [0, 1]).</summary>
    public Activation OutputActivation { get; init; } = Activation.Sigmoid;

    /// <summary>How weights are drawn before training.</summary>
    public WeightInitialization Initialization { get; init; } = WeightInitialization.XavierOrHeByActivation;

    /// <summary>The negative slope of every leaky ReLU.</summary>
    public float LeakyReluSlope { get; init; } = 0.01f;

    /// <summary>
    /// Inverted dropout after every hidden layer and after the code (training only; 0 = none). The code slot holds
    /// the code before dropout, so penalties and <c>Encode</c> see the undropped code.
    /// </summary>
    public float DropoutRate { get; init; }

    /// <summary>
    /// Ties each decoder layer's weights to the transpose of its mirrored encoder layer's, so the model stores
    /// them once (the decoder keeps its own biases).
    /// </summary>
    public bool TiedWeights { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (InputSize <= 0) throw new ArgumentException($"InputSize must be positive (was {InputSize}).");
        if (CodeSize <= 0) throw new ArgumentException($"CodeSize must be positive (was {CodeSize}).");
        for (int i = 0; i < HiddenSizes.Count; i++)
            if (HiddenSizes[i] <= 0) throw new ArgumentException($"Hidden layer {i} has width {HiddenSizes[i]}; widths must be positive.");
        if (!(LeakyReluSlope > 0 && LeakyReluSlope < 1)) throw new ArgumentException($"LeakyReluSlope must be in (0, 1) (was {LeakyReluSlope}).");
        if (!(DropoutRate >= 0 && DropoutRate < 1)) throw new ArgumentException($"DropoutRate must be in [0, 1) (was {DropoutRate}).");
    }

    /// <summary>
    /// The network as a spec: per width, a dense layer and its activation (left out when linear), dropout after every
    /// hidden layer and after the code (the code node is the code before dropout, so penalties and <c>Encode</c> see the
    /// undropped code); the decoder mirrors the encoder (<see cref="DecoderMirror"/>), tied to it when asked.
    /// </summary>
    public NetworkSpec ToSpec()
    {
        Validate();
        var encoder = new List<LayerSpec>();
        int[] widths = [.. HiddenSizes, CodeSize];
        for (int k = 0; k < widths.Length; k++)
        {
            bool isCode = k == widths.Length - 1;
            encoder.Add(new DenseSpec(widths[k], Initialization));
            Activation activation = isCode ? CodeActivation : HiddenActivation;
            if (activation != Activation.Linear) encoder.Add(new ActivationSpec(activation, LeakyReluSlope));
            if (!isCode && DropoutRate > 0) encoder.Add(new DropoutSpec(DropoutRate));
        }

        var input = TensorShape.Flat(InputSize);
        var resolvedEncoder = NetworkSpec.ResolveEncoder(input, encoder);
        var decoder = new List<LayerSpec>();
        if (DropoutRate > 0) decoder.Add(new DropoutSpec(DropoutRate));
        decoder.AddRange(DecoderMirror.Mirror(resolvedEncoder, OutputActivation, TiedWeights, LeakyReluSlope));
        return new NetworkSpec { InputShape = input, Encoder = resolvedEncoder, Decoder = decoder }.Resolve();
    }
}
