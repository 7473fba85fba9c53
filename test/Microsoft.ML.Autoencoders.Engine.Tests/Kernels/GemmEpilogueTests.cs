using Microsoft.ML.Autoencoders.Engine.Kernels;
using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Autoencoders.Engine.Tensors;

namespace Microsoft.ML.Autoencoders.Engine.Tests.Kernels;

/// <summary>
/// Holds the fused dense forward (GEMM + bias + activation in the write-back, <see cref="GemmEpilogue"/>) to a plain
/// GEMM followed by a separate bias add and activation pass: the same bits, for every kernel, shape path and thread count.
/// </summary>
public class GemmEpilogueTests
{
    private const float LeakySlope = 0.1f;

    private static readonly Activation[] FusedActivations = [Activation.Linear, Activation.Relu, Activation.LeakyRelu, Activation.Sigmoid, Activation.Tanh];

    // Small-rows path (m ≤ 16), ragged edge tiles, two depth blocks (k = 800), and products big enough that two threads
    // really split them: by rows (257 × 70), by columns (33 × 513) and the small-rows path by columns (7 × 2100).
    private static readonly (int M, int N, int K)[] Shapes =
        [(1, 1, 1), (1, 7, 33), (7, 33, 7), (13, 70, 257), (16, 40, 800), (257, 70, 600), (33, 513, 300), (7, 2100, 600)];

    [Fact]
    public void FusedMatchesPlainGemmThenBiasThenActivation()
    {
        foreach (GemmMicroKernel kernel in GemmMicroKernel.Supported)
        foreach ((int m, int n, int k) in Shapes)
        foreach (Transpose transB in new[] { Transpose.No, Transpose.Yes })
        {
            var random = new Random(m * 7919 + n * 31 + k);
            float[] a = Values(random, m * k), b = Values(random, k * n), bias = Values(random, n);
            int ldb = transB == Transpose.No ? n : k;

            // The reference: C = A·B (beta 0), then bias per element, then the activation over the whole matrix.
            var expectedZ = new float[m * n];
            Gemm.Multiply(kernel, Transpose.No, transB, m, n, k, 1f, a, k, b, ldb, 0f, expectedZ, n, threads: 1);
            for (int i = 0; i < expectedZ.Length; i++) expectedZ[i] += bias[i % n];

            foreach (Activation activation in FusedActivations)
            {
                var expectedY = new float[m * n];
                ElementwiseActivation.Apply(activation, LeakySlope, expectedZ, expectedY);
                foreach (int threads in new[] { 1, 2 })
                {
                    // NaN in the outputs: beta = 0 must not read C, and every element must be written.
                    float[] z = TestData.Filled(m * n, float.NaN), y = TestData.Filled(m * n, float.NaN);
                    Gemm.MultiplyAddBias(Transpose.No, transB, m, n, k, a, k, b, ldb, bias, z, n, activation, LeakySlope, y, threads, kernel);
                    string where = $"{kernel} {m}x{n}x{k} {transB} {activation} threads={threads}";
                    Assert.True(expectedZ.AsSpan().SequenceEqual(z), $"pre-activation differs: {where}");
                    Assert.True(expectedY.AsSpan().SequenceEqual(y), $"activation differs: {where}");
                }
            }
        }
    }

    [Fact]
    public void ElementwiseActivationsMatchTheirFormulasAndIgnoreWhereSpansAreCut()
    {
        var random = new Random(5);
        float[] x = Values(random, 1000, scale: 12f);
        x[3] = 0f;
        x[4] = -0f;
        foreach (Activation activation in FusedActivations)
        {
            var whole = new float[x.Length];
            ElementwiseActivation.Apply(activation, LeakySlope, x, whole);
            for (int i = 0; i < x.Length; i++)
            {
                float expected = activation switch
                {
                    Activation.Relu => Math.Max(x[i], 0f),
                    Activation.LeakyRelu => x[i] > 0 ? x[i] : LeakySlope * x[i],
                    Activation.Sigmoid => (float)(1 / (1 + Math.Exp(-x[i]))),
                    Activation.Tanh => (float)Math.Tanh(x[i]),
                    _ => x[i],
                };
                Assert.True(Math.Abs(whole[i] - expected) <= 2e-7f * Math.Max(1f, Math.Abs(expected)), $"{activation}({x[i]}) = {whole[i]}, expected {expected}");
            }

            // Pieces of every length 0..40 (every tail) give the same bits as the whole span.
            var pieces = new float[x.Length];
            for (int start = 0, length = 0; start < x.Length; start += length, length = (length + 1) % 41)
            {
                int count = Math.Min(length, x.Length - start);
                ElementwiseActivation.Apply(activation, LeakySlope, x.AsSpan(start, count), pieces.AsSpan(start, count));
            }
            Assert.Equal(whole, pieces);
        }
    }

    [Fact]
    public void SequentialFusedForwardMatchesLayerByLayer()
    {
        foreach (int threads in new[] { 1, 2 })
        foreach (int batch in new[] { 1, 5, 17, 300 })
        {
            var encoder = new Dense(37, 129, name: "e");
            var layers = new Layer[]
            {
                encoder, new ReluLayer(129),
                new Dense(129, 20, name: "c"), new LeakyReluLayer(20, LeakySlope),
                new Dense(20, 129, name: "d"), new TanhLayer(129),
                new TiedDense(encoder), new SigmoidLayer(37),
            };
            var network = new Sequential(layers);
            var store = new ParameterStore(network.Parameters);
            var random = new SeededRandom(3);
            foreach (Layer layer in layers) layer.Initialize(random);
            // Initialize zeroes the biases; random ones show whether the fused path adds them.
            for (int i = 0; i < store.Values.Length; i++) store.Values[i] = random.NextFloat(-1f, 1f);

            ActivationCache fused = network.CreateCache(batch, forTraining: false), apart = network.CreateCache(batch, forTraining: false);
            float[] input = Values(new Random(batch), batch * 37);
            input.CopyTo(fused.Values(0, batch));
            input.CopyTo(apart.Values(0, batch));
            var context = LayerContext.Inference(threads);
            network.Forward(fused, batch, context);
            for (int i = 0; i < layers.Length; i++)
                layers[i].Forward(apart.Values(i, batch), apart.Values(i + 1, batch), apart.Scratch(i, batch), batch, context);

            // Every slot a later layer or the caller reads; the pre-activations under the fused ReLU, leaky ReLU, tanh and
            // sigmoid (slots 1, 3, 5 and 7) are not written by the fused pass, and nothing reads them.
            for (int slot = 1; slot <= layers.Length; slot++)
            {
                if (slot is 1 or 3 or 5 or 7) continue;
                Assert.True(apart.Values(slot, batch).SequenceEqual(fused.Values(slot, batch)), $"slot {slot}, batch {batch}, threads {threads}");
            }

            Assert.All(fused.Values(1, batch).ToArray(), v => Assert.Equal(0f, v));
        }
    }

    private static float[] Values(Random random, int count, float scale = 1f)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = (float)(random.NextDouble() * 2 - 1) * scale;
        return values;
    }
}
