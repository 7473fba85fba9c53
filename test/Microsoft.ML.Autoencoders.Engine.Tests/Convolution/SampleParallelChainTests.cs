using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Losses;
using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Autoencoders.Engine.Specs;
using Microsoft.ML.Autoencoders.Engine.Tensors;

namespace Microsoft.ML.Autoencoders.Engine.Tests.Convolution;

/// <summary>
/// Sequential's chains of sample-parallel layers (<see cref="SampleParallelChain"/>): a conv network run a few images at a
/// time through each chain, the threads taking chunks in turn, must give what the layer-by-layer loop gives: every slot's
/// values and every input gradient bit for bit, parameter gradients within float summation (they are summed chunk by
/// chunk), and the same parameter-gradient bits on one thread as on two. Batches and chunk sizes that do not divide each
/// other, chains broken by layers that need the whole batch, and networks whose every layer joins.
/// </summary>
public class SampleParallelChainTests
{
    /// <summary>The Keras blog's network shrunk to 12×12 images: every layer joins one chain.</summary>
    private static NetworkSpec KerasLike() => NetworkSpec.Create(new TensorShape(1, 12, 12),
        [
            new Conv2dSpec(4, 3), Relu(), new MaxPool2dSpec(2),
            new Conv2dSpec(3, 3), Relu(), new MaxPool2dSpec(2), // 6 → 3
            new Conv2dSpec(3, 3), Relu(), new MaxPool2dSpec(2, CeilMode: true), // 3 → 2
        ],
        decoder:
        [
            new Conv2dSpec(3, 3), Relu(), new Upsample2dSpec(2), // 4
            new Conv2dSpec(3, 3), Relu(), new Upsample2dSpec(2), // 8
            new Conv2dSpec(4, 3), new ActivationSpec(Activation.Tanh), new Upsample2dSpec(2, UpsampleMode.Bilinear), // 16
            new Conv2dSpec(2, 3, Padding: Conv2dPadding.Valid), new ActivationSpec(Activation.LeakyRelu), // 14
            new Conv2dSpec(1, 3, Padding: Conv2dPadding.Valid), new ActivationSpec(Activation.Sigmoid), // 12
        ]);

    /// <summary>
    /// Chains broken by a batch norm (batch statistics) and by a dense layer between reshapes; a strided and a dilated
    /// convolution (the im2col path) inside chains, and a convolution alone between two breaks (no chain of one).
    /// </summary>
    private static NetworkSpec Broken() => NetworkSpec.Create(new TensorShape(2, 9, 9),
        [
            new Conv2dSpec(4, 3), Relu(), new Conv2dSpec(4, 3, Stride: 2), Relu(), // 9 → 5
            new BatchNorm2dSpec(), Relu(),
            new Conv2dSpec(3, 3, Dilation: 2), Relu(), new MaxPool2dSpec(2, CeilMode: true), // 5 → 3
            new FlattenSpec(), new DenseSpec(12), Relu(),
        ],
        decoder:
        [
            new DenseSpec(27), Relu(), new ReshapeSpec(new TensorShape(3, 3, 3)),
            new Conv2dSpec(4, 3), new ActivationSpec(Activation.LeakyRelu), new Upsample2dSpec(3), // 9
            new BatchNorm2dSpec(),
            new Conv2dSpec(2, 3), new ActivationSpec(Activation.Sigmoid),
        ]);

    /// <summary>
    /// GELU and SiLU (slopes from their input, not their output) inside the chains, after convolutions and pooling; and a
    /// clipped-linear activation (nn.Hardtanh), whose slope from y a convolution below folds in.
    /// </summary>
    private static NetworkSpec Gated() => NetworkSpec.Create(new TensorShape(1, 8, 8),
        [new Conv2dSpec(3, 3), new ActivationSpec(Activation.Gelu), new MaxPool2dSpec(2), new Conv2dSpec(2, 3), new ClippedLinearSpec(-0.2f, 0.3f),
         new Conv2dSpec(2, 3), new ActivationSpec(Activation.Silu)],
        decoder: [new Upsample2dSpec(2), new Conv2dSpec(3, 3), new ActivationSpec(Activation.Silu), new Conv2dSpec(1, 3), new ActivationSpec(Activation.Gelu)]);

    /// <summary>Average pooling inside the chains: plain, padded and strided, and in ceil mode (9 → 5 → 3 → 2).</summary>
    private static NetworkSpec Averaged() => NetworkSpec.Create(new TensorShape(1, 9, 9),
        [new Conv2dSpec(3, 3), Relu(), new AvgPool2dSpec(2, CeilMode: true), new Conv2dSpec(3, 3), Relu(), new AvgPool2dSpec(3, 2, 1), new AvgPool2dSpec(2, 1)],
        decoder: [new Conv2dSpec(3, 3), Relu(), new ConvTranspose2dSpec(2, 3, 2), new AvgPool2dSpec(3, 1, 1), new ConvTranspose2dSpec(1, 3, 2, Conv2dPadding.Valid), new ActivationSpec(Activation.Sigmoid)]);

    private static ActivationSpec Relu() => new(Activation.Relu);

    public static TheoryData<string, int, int> Cases => new()
    {
        // network, batch, chunk rows
        { "keras", 1, 4 },
        { "keras", 3, 2 },
        { "keras", 37, 5 },
        { "keras", 64, 0 }, // the default chunk size (the batch cut into one chunk per processor)
        { "keras", 127, 8 },
        { "broken", 3, 2 },
        { "broken", 29, 4 },
        { "gated", 3, 2 },
        { "gated", 37, 5 },
        { "averaged", 3, 2 },
        { "averaged", 29, 4 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void ChainedPasses_GiveTheLayerByLayerNumbers(string name, int batch, int chunkRows)
    {
        var network = AutoencoderNetwork.Create(name switch { "keras" => KerasLike(), "gated" => Gated(), "averaged" => Averaged(), _ => Broken() }, seed: 5);
        var sequence = network.Layers;
        var random = new SeededRandom(41);
        float[] input = TestData.Uniform(random, batch * sequence.InputSize, 0f, 1f);
        float[] outputGradient = TestData.Uniform(random, batch * sequence.OutputSize, -1f, 1f);

        sequence.ChainsSamples = false;
        var reference = Pass.Run(network, input, outputGradient, batch, threads: 2);
        sequence.ChainsSamples = true;
        sequence.ChainChunkRows = chunkRows;
        try
        {
            Pass? firstChained = null;
            foreach (int threads in new[] { 1, 2 })
            {
                var chained = Pass.Run(network, input, outputGradient, batch, threads);
                for (int slot = 0; slot < reference.Values.Length; slot++)
                {
                    Assert.True(reference.Values[slot].AsSpan().SequenceEqual(chained.Values[slot]), $"values of slot {slot}, {threads} thread(s)");
                    Assert.True(reference.Gradients[slot].AsSpan().SequenceEqual(chained.Gradients[slot]), $"gradients of slot {slot}, {threads} thread(s)");
                }
                for (int p = 0; p < reference.ParameterGradients.Length; p++)
                    AssertClose(reference.ParameterGradients[p], chained.ParameterGradients[p], $"{network.Parameters.Parameters[p].Name}, {threads} thread(s)");

                // Chunk by chunk, summed in chunk order: the same bits however many threads took the chunks.
                firstChained ??= chained;
                for (int p = 0; p < reference.ParameterGradients.Length; p++)
                    Assert.True(firstChained.ParameterGradients[p].AsSpan().SequenceEqual(chained.ParameterGradients[p]),
                        $"{network.Parameters.Parameters[p].Name}: 1 thread against {threads}");
            }
        }
        finally
        {
            sequence.ChainChunkRows = 0;
        }
    }

    /// <summary>
    /// Two threads over many one-image chunks, several times: chunks on both threads overlap in every layer, so a buffer
    /// two chunks shared (a per-thread block indexed by anything but the worker) would garble an input gradient.
    /// </summary>
    [Fact]
    public void ChunksOnTwoThreads_NeverShareABuffer()
    {
        const int Batch = 160;
        var network = AutoencoderNetwork.Create(KerasLike(), seed: 9);
        var sequence = network.Layers;
        var random = new SeededRandom(43);
        float[] input = TestData.Uniform(random, Batch * sequence.InputSize, 0f, 1f);
        float[] outputGradient = TestData.Uniform(random, Batch * sequence.OutputSize, -1f, 1f);
        sequence.ChainsSamples = false;
        var reference = Pass.Run(network, input, outputGradient, Batch, threads: 1);
        sequence.ChainsSamples = true;
        sequence.ChainChunkRows = 1;
        try
        {
            for (int repeat = 0; repeat < 6; repeat++)
            {
                var chained = Pass.Run(network, input, outputGradient, Batch, threads: 2);
                for (int slot = 0; slot < reference.Gradients.Length; slot++)
                    Assert.True(reference.Gradients[slot].AsSpan().SequenceEqual(chained.Gradients[slot]), $"gradients of slot {slot}, repeat {repeat}");
                for (int p = 0; p < reference.ParameterGradients.Length; p++)
                    AssertClose(reference.ParameterGradients[p], chained.ParameterGradients[p], $"{network.Parameters.Parameters[p].Name}, repeat {repeat}");
            }
        }
        finally
        {
            sequence.ChainChunkRows = 0;
        }
    }

    /// <summary>
    /// Inference straight from the caller's rows into the caller's buffer (<see cref="AutoencoderNetwork.Reconstruct"/>)
    /// through chains: each chunk reads its own rows of the input and writes its own rows of the output, the same bits as
    /// the layer-by-layer pass staged through the cache, nothing written past the rows, and the cache's input and output
    /// slots left alone.
    /// </summary>
    [Fact]
    public void InferenceOnTheCallersBuffers_GivesTheStagedLayerByLayerBits()
    {
        const int Rows = 37;
        var network = AutoencoderNetwork.Create(KerasLike(), seed: 8);
        var sequence = network.Layers;
        int width = network.InputSize;
        float[] input = TestData.Uniform(new SeededRandom(47), Rows * width, 0f, 1f);
        var context = LayerContext.Inference(threads: 2);

        sequence.ChainsSamples = false;
        var staged = network.CreateCache(Rows);
        input.CopyTo(network.Input(staged, Rows));
        network.Forward(staged, Rows, context);
        float[] expected = network.Reconstruction(staged, Rows).ToArray();

        sequence.ChainsSamples = true;
        sequence.ChainChunkRows = 5;
        try
        {
            var cache = network.CreateCache(Rows);
            float[] actual = Enumerable.Repeat(float.NaN, Rows * width + 5).ToArray();
            network.Reconstruct(cache, input, actual, Rows, context);
            Assert.Equal(expected, actual.Take(Rows * width));
            Assert.All(actual.Skip(Rows * width), v => Assert.True(float.IsNaN(v), "wrote past the rows asked for"));
            Assert.All(network.Input(cache, Rows).ToArray(), v => Assert.Equal(0f, v));
            Assert.All(network.Reconstruction(cache, Rows).ToArray(), v => Assert.Equal(0f, v));
        }
        finally
        {
            sequence.ChainChunkRows = 0;
        }
    }

    /// <summary>
    /// Every parameter and input gradient of a small conv autoencoder, run as chains on two threads in chunks of two
    /// images, against central differences of the BCE it trains on (smooth activations, so no kink sits within a step).
    /// </summary>
    [Fact]
    public void ChainedGradients_MatchFiniteDifferences() => AssertChainedConvGradients(Activation.Tanh, Activation.Tanh, seed: 53);

    /// <summary>
    /// A small conv autoencoder with <paramref name="encoderActivation"/> and <paramref name="decoderActivation"/> after
    /// its convolutions, chained in chunks of two images on two threads: every parameter and input gradient against
    /// central differences. Shared with the tests of other activations that join chains.
    /// </summary>
    internal static void AssertChainedConvGradients(Activation encoderActivation, Activation decoderActivation, int seed)
    {
        const int Batch = 5;
        var spec = NetworkSpec.Create(new TensorShape(1, 6, 6),
            [new Conv2dSpec(2, 3), new ActivationSpec(encoderActivation), new MaxPool2dSpec(2)], // 3×3
            decoder:
            [
                new Conv2dSpec(2, 3), new ActivationSpec(decoderActivation), new Upsample2dSpec(2), // 6×6
                new Conv2dSpec(1, 3), new ActivationSpec(Activation.Sigmoid),
            ]);
        var network = AutoencoderNetwork.Create(spec, seed: seed);
        var random = new SeededRandom(seed + 1);
        foreach (var parameter in network.Parameters.Parameters.Where(p => p.Role == ParameterRole.Bias))
            TestData.Uniform(random, parameter.Length, -0.3f, 0.3f).CopyTo(parameter.Values);
        network.Layers.ChainChunkRows = 2;
        float[] input = TestData.Uniform(random, Batch * 36, 0f, 1f);
        float[] target = TestData.Uniform(random, Batch * 36, 0f, 1f);
        GradientCheck.AssertNetworkGradients(network, Loss.Create(LossKind.BinaryCrossEntropy, Activation.Sigmoid), input, target, Batch,
            new LayerContext(Training: true, Threads: 2), overwriteGradients: true);
    }

    /// <summary>
    /// Where the chains of the broken network fall: a run is cut by every layer that needs the whole batch, needs a
    /// convolution to be worth a chain, and leaves out an activation whose lower neighbour does not join (that layer may
    /// take the activation's backward into its own).
    /// </summary>
    [Fact]
    public void Chains_AreTheRunsOfJoiningLayers_AnchoredByAConvolution()
    {
        var layers = AutoencoderNetwork.Create(Broken(), seed: 1).Layers.Layers;
        Assert.Equal(
            "Conv2d ReluLayer Conv2d ReluLayer BatchNorm2d ReluLayer Conv2d ReluLayer MaxPool2d ReshapeLayer Dense ReluLayer "
            + "Dense ReluLayer ReshapeLayer Conv2d LeakyReluLayer Upsample2d BatchNorm2d Conv2d SigmoidLayer",
            string.Join(" ", layers.Select(l => l.GetType().Name)));
        int count = layers.Count;
        int Forward(int from, int toLayer = -1) => SampleParallelChain.ForwardChainEnd(layers, from, toLayer < 0 ? count : toLayer);
        int Backward(int top, int toLayer = 0) => SampleParallelChain.BackwardChainBottom(layers, top, toLayer);

        Assert.Equal(4, Forward(0)); // conv relu conv relu, cut by the batch norm
        Assert.Equal(-1, Forward(4)); // the batch norm joins no chain
        Assert.Equal(9, Forward(5)); // relu conv relu pool, cut by the reshape
        Assert.Equal(-1, Forward(11)); // an activation alone
        Assert.Equal(18, Forward(15)); // conv leaky up
        Assert.Equal(count, Forward(19)); // conv sigmoid
        Assert.Equal(2, Forward(0, toLayer: 2)); // a pass that stops inside a run stops its chain there
        Assert.Equal(-1, Forward(0, toLayer: 1)); // a chain of one is no chain
        Assert.Equal(-1, Forward(16)); // leaky up: no convolution to anchor it

        Assert.Equal(19, Backward(count - 1));
        Assert.Equal(15, Backward(17));
        // The relu over the batch norm stays out of the chain above it: the batch norm's backward may take it in.
        Assert.Equal(6, Backward(8));
        Assert.Equal(-1, Backward(8, toLayer: 8)); // one layer
        Assert.Equal(-1, Backward(8, toLayer: 7)); // relu pool: no convolution
        Assert.Equal(6, Backward(8, toLayer: 6)); // a pass that stops inside a run stops its chain there
        Assert.Equal(0, Backward(3));
    }

    private static void AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(actual[i] - expected[i]) <= 1e-5f * (1 + Math.Abs(expected[i])), $"{what} [{i}]: {actual[i]} vs {expected[i]}");
    }

    /// <summary>One training-mode forward and backward pass from fresh buffers, everything it wrote copied out.</summary>
    /// <summary>One training pass's node values, node gradients and parameter gradients (shared with other convolution tests).</summary>
    internal sealed class Pass
    {
        public required float[][] Values, Gradients, ParameterGradients;

        public static Pass Run(AutoencoderNetwork network, float[] input, float[] outputGradient, int batch, int threads)
        {
            var sequence = network.Layers;
            var cache = sequence.CreateCache(batch, forTraining: true);
            var context = new LayerContext(Training: true, Threads: threads, new SeededRandom(3));
            input.CopyTo(cache.Values(0, batch));
            sequence.Forward(cache, batch, context);
            outputGradient.CopyTo(cache.Gradients(sequence.Layers.Count, batch));
            network.Parameters.ZeroGradients();
            sequence.Backward(cache, batch, context, needInputGradient: true, overwriteGradients: true);
            int slots = sequence.Layers.Count + 1;
            return new Pass
            {
                Values = Enumerable.Range(0, slots).Select(s => cache.Values(s, batch).ToArray()).ToArray(),
                Gradients = Enumerable.Range(0, slots).Select(s => cache.Gradients(s, batch).ToArray()).ToArray(),
                ParameterGradients = network.Parameters.Parameters.Select(p => p.Gradients.ToArray()).ToArray(),
            };
        }
    }
}
