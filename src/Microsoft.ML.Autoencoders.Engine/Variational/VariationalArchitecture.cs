using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Autoencoders.Engine.Specs;

namespace Microsoft.ML.Autoencoders.Engine.Variational;

/// <summary>
/// The settings of a variational autoencoder, turned into the <see cref="NetworkSpec"/> every network is built from.
/// Dense: input → hidden layers → a linear dense layer of 2L units named <see cref="MomentsNode"/> (μ ‖ log σ²) →
/// <see cref="GaussianSampling"/> (the code, L values) → the hidden layers in reverse → the input's width and the output
/// activation; 784-400-20 with ReLU and a sigmoid output is the VAE of Kingma and Welling's paper and of PyTorch's
/// examples. Convolutional (with <see cref="ConvolutionBlocks"/>): the blocks' encoder, flattened, then the same latent
/// head; the decoder maps the code back to the last block's shape with a dense layer and mirrors the blocks (see
/// <see cref="ConvolutionalArchitecture"/>).
/// </summary>
public sealed record VariationalArchitecture
{
    /// <summary>The name of the node holding μ ‖ log σ², where the KL term attaches.</summary>
    public const string MomentsNode = "moments";

    /// <summary>The per-row input shape: [n] for dense, [channels, height, width] for convolutional.</summary>
    public required TensorShape InputShape { get; init; }

    /// <summary>The encoder's hidden dense widths, outermost first (the decoder reverses them); after the blocks when there are blocks.</summary>
    public IReadOnlyList<int> HiddenSizes { get; init; } = [400];

    /// <summary>L, the latent's width.</summary>
    public int LatentSize { get; init; } = 20;

    /// <summary>Convolution blocks before the dense layers (null for a dense VAE).</summary>
    public IReadOnlyList<ConvolutionBlock>? ConvolutionBlocks { get; init; }

    /// <summary>The activation after every hidden layer and convolution.</summary>
    public Activation HiddenActivation { get; init; } = Activation.Relu;

    /// <summary>The reconstruction's activation: Sigmoid for a Bernoulli likelihood on [0, 1] data, Linear for a Gaussian one.</summary>
    public Activation OutputActivation { get; init; } = Activation.Sigmoid;

    /// <summary>The negative slope of every leaky ReLU.</summary>
    public float LeakyReluSlope { get; init; } = ActivationSpec.DefaultSlope;

    /// <summary>How the weights are drawn.</summary>
    public WeightInitialization Initialization { get; init; } = WeightInitialization.XavierOrHeByActivation;

    /// <summary>The clamp of log σ² in the sampling layer and the KL term.</summary>
    public float LogVarianceMin { get; init; } = GaussianSamplingSpec.DefaultLogVarianceMin;

    /// <summary>The upper clamp of log σ².</summary>
    public float LogVarianceMax { get; init; } = GaussianSamplingSpec.DefaultLogVarianceMax;

    /// <summary>The network as layer specs, resolved; throws <see cref="ArgumentException"/> naming the setting at fault.</summary>
    public NetworkSpec ToSpec()
    {
        ArgumentNullException.ThrowIfNull(InputShape);
        if (LatentSize <= 0) throw new ArgumentException($"The latent size must be positive (was {LatentSize}).");
        if (HiddenSizes == null || HiddenSizes.Any(h => h <= 0)) throw new ArgumentException("Every hidden size must be positive.");

        // The part before the latent head: the blocks' convolutions (their mirror gives the decoder's tail), or nothing.
        List<LayerSpec> encoder = [];
        List<LayerSpec> decoderTail = [];
        TensorShape beforeDense = InputShape;
        if (ConvolutionBlocks is { } blocks)
        {
            var convolutional = new ConvolutionalArchitecture
            {
                InputShape = InputShape, Blocks = blocks, HiddenActivation = HiddenActivation, OutputActivation = OutputActivation,
                LeakyReluSlope = LeakyReluSlope, Initialization = Initialization,
            }.ToSpec();
            encoder.AddRange(convolutional.Encoder.Select(Unresolved));
            decoderTail.AddRange(convolutional.Decoder.Select(Unresolved));
            beforeDense = convolutional.CodeShape;
        }
        if (beforeDense.Rank != 1) encoder.Add(new FlattenSpec());
        foreach (int width in HiddenSizes)
        {
            encoder.Add(new DenseSpec(width, Initialization));
            encoder.Add(new ActivationSpec(HiddenActivation, LeakyReluSlope));
        }
        // Linear: a mean and a log-variance take any real value. Xavier, since no activation follows.
        encoder.Add(new DenseSpec(2 * LatentSize, Initialization) { Name = MomentsNode });
        encoder.Add(new GaussianSamplingSpec(LogVarianceMin, LogVarianceMax));

        var decoder = new List<LayerSpec>();
        foreach (int width in HiddenSizes.Reverse())
        {
            decoder.Add(new DenseSpec(width, Initialization));
            decoder.Add(new ActivationSpec(HiddenActivation, LeakyReluSlope));
        }
        if (ConvolutionBlocks != null)
        {
            // Back to the last block's feature maps, activated like the encoder's, then the mirrored blocks.
            decoder.Add(new DenseSpec(beforeDense.Size, Initialization));
            decoder.Add(new ActivationSpec(HiddenActivation, LeakyReluSlope));
            decoder.Add(new ReshapeSpec(beforeDense));
            decoder.AddRange(decoderTail);
        }
        else
        {
            // The output activation last, so that a loss reading logits (BCE after a sigmoid) finds it there.
            decoder.Add(new DenseSpec(InputShape.Size, Initialization));
            if (InputShape.Rank != 1) decoder.Add(new ReshapeSpec(InputShape));
            if (OutputActivation != Activation.Linear) decoder.Add(new ActivationSpec(OutputActivation, LeakyReluSlope));
        }
        return new NetworkSpec { InputShape = InputShape, Encoder = encoder, Decoder = decoder }.Resolve();
    }

    // The blocks' layers join a longer network: they get their names and shapes there.
    private static LayerSpec Unresolved(LayerSpec layer) => layer with { Name = null, InputShape = null, OutputShape = null };
}
