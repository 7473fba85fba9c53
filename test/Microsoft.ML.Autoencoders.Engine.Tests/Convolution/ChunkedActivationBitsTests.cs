using Microsoft.ML.Autoencoders.Engine.Kernels;
using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Autoencoders.Engine.Tensors;

namespace Microsoft.ML.Autoencoders.Engine.Tests.Convolution;

/// <summary>
/// A sample-parallel chain applies an activation to a chunk's rows at a time, the layer-by-layer loop to the whole batch,
/// and the chain promises the same values (<see cref="Sequential.ChainsSamples"/>): so each value's activation must have
/// the same bits whatever span it is computed in. Found by the randomized network sweep: tanh went through
/// TensorPrimitives, whose spans of fewer than four floats take the scalar MathF.Tanh and longer ones a vector
/// approximation with other bits, so a chunk of one image of three outputs and the batch of them disagreed.
/// </summary>
public class ChunkedActivationBitsTests
{
    [Theory]
    [InlineData(Activation.Tanh)]
    [InlineData(Activation.Sigmoid)]
    [InlineData(Activation.Relu)]
    [InlineData(Activation.LeakyRelu)]
    public void EachValue_HasTheSameBits_WhateverSpanItIsComputedIn(Activation kind)
    {
        var layer = ActivationLayer.Create(kind, 1)!;
        // Both tanh branches (below and above 0.3), saturation, zeros of both signs.
        float[] x = [.. TestData.Uniform(new SeededRandom(3), 61, -6f, 6f), 0.1f, -0.29f, 0.31f, 1e-20f, 0f, -0f, 20f, -50f];
        float[] whole = new float[x.Length];
        layer.Apply(x, whole);
        foreach (int piece in new[] { 1, 2, 3, 4, 5, 7, 9, 17 })
        {
            float[] pieces = new float[x.Length];
            for (int start = 0; start < x.Length; start += piece)
            {
                int length = Math.Min(piece, x.Length - start);
                layer.Apply(x.AsSpan(start, length), pieces.AsSpan(start, length));
            }
            for (int i = 0; i < x.Length; i++)
                Assert.True(BitConverter.SingleToInt32Bits(whole[i]) == BitConverter.SingleToInt32Bits(pieces[i]),
                    $"{kind}({x[i]:R}) in pieces of {piece}: {pieces[i]:R}, in the whole span: {whole[i]:R}");
        }
    }

    /// <summary>
    /// The smallest network the sweep's failures shrank to: a convolution giving three values an image (1×1 images, three
    /// filters) under a tanh, chained one image a chunk, against the layer-by-layer pass: outputs and input gradients bit
    /// for bit, on one thread and two.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void ATanhOverThreeValuesAnImage_ChainsToTheLayerByLayerBits(int threads)
    {
        const int Batch = 5;
        var conv = new Conv2d(new ConvGeometry(1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0), 3, WeightInitialization.XavierUniform);
        var sequence = new Sequential([conv, new TanhLayer(conv.OutputSize)]);
        var store = new ParameterStore(sequence.Parameters);
        conv.Initialize(new SeededRandom(1));
        TestData.Uniform(new SeededRandom(2), conv.Bias.Length, -0.5f, 0.5f).CopyTo(conv.Bias.Values);
        float[] input = TestData.Uniform(new SeededRandom(4), Batch, -2f, 2f);
        float[] dy = TestData.Uniform(new SeededRandom(5), Batch * sequence.OutputSize, -1f, 1f);

        (float[] Output, float[] InputGradient) Run(bool chains)
        {
            sequence.ChainsSamples = chains;
            sequence.ChainChunkRows = 1;
            var cache = sequence.CreateCache(Batch, forTraining: true);
            input.CopyTo(cache.Values(0, Batch));
            var context = new LayerContext(Training: true, Threads: threads);
            sequence.Forward(cache, Batch, context);
            store.ZeroGradients();
            dy.CopyTo(cache.Gradients(2, Batch));
            sequence.Backward(cache, Batch, context, needInputGradient: true, overwriteGradients: true);
            return (cache.Values(2, Batch).ToArray(), cache.Gradients(0, Batch).ToArray());
        }

        var apart = Run(chains: false);
        var chained = Run(chains: true);
        Assert.Equal(apart.Output, chained.Output);
        Assert.Equal(apart.InputGradient, chained.InputGradient);
    }
}
