using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Tensors;

namespace Microsoft.ML.Autoencoders.Engine.Tests;

/// <summary>
/// Each layer's backward pass against central finite differences of the scalar objective L = Σ c·y, whose
/// dL/dy is the random coefficient vector c. Odd sizes and batch &gt; 1 so that vector tails and the
/// per-row bias sum are exercised.
/// </summary>
public class LayerGradientTests
{
    private static readonly LayerContext Context = new(Training: true, Threads: 1);

    private sealed class DenseFixture
    {
        public readonly Dense Layer;
        public readonly ParameterStore Store;
        public readonly int Batch;
        public readonly float[] X, Y, Coefficients, Dx;

        public DenseFixture(int batch, int inputSize, int outputSize, long seed)
        {
            var random = new SeededRandom(seed);
            Batch = batch;
            Layer = new Dense(inputSize, outputSize);
            Store = new ParameterStore(Layer.Parameters);
            Layer.Initialize(random);
            // Initialize zeroes the bias; a nonzero one lets Dense_Forward_MatchesNaiveLoop see whether it is added.
            TestData.Uniform(random, outputSize, -0.5f, 0.5f).CopyTo(Layer.Bias.Values);
            X = TestData.Uniform(random, batch * inputSize, -1f, 1f);
            Y = new float[batch * outputSize];
            Coefficients = TestData.Uniform(random, batch * outputSize, -1f, 1f);
            Dx = new float[batch * inputSize];
        }

        public double Objective()
        {
            Layer.Forward(X, Y, Span<float>.Empty, Batch, Context);
            return TestData.WeightedSum(Coefficients, Y);
        }

        public void Backward()
        {
            Layer.Forward(X, Y, Span<float>.Empty, Batch, Context);
            Layer.Backward(X, Y, Coefficients, Dx, ReadOnlySpan<float>.Empty, Batch, Context);
        }
    }

    [Theory]
    [InlineData(3, 7, 5)]
    [InlineData(5, 17, 11)]
    [InlineData(1, 1, 1)]
    public void Dense_WeightBiasAndInputGradients_MatchFiniteDifferences(int batch, int inputSize, int outputSize)
    {
        var f = new DenseFixture(batch, inputSize, outputSize, seed: 11);
        f.Store.ZeroGradients();
        f.Backward();

        var w = f.Layer.Weights;
        var b = f.Layer.Bias;
        double[] dW = GradientCheck.Numerical(f.Store.Values, w.Offset, w.Length, f.Objective);
        double[] dB = GradientCheck.Numerical(f.Store.Values, b.Offset, b.Length, f.Objective);
        double[] dX = GradientCheck.Numerical(f.X, 0, f.X.Length, f.Objective);

        GradientCheck.AssertMatches("dW", w.Gradients, dW, 1e-4);
        GradientCheck.AssertMatches("db", b.Gradients, dB, 1e-4);
        GradientCheck.AssertMatches("dx", f.Dx, dX, 1e-4);
    }

    [Theory]
    [InlineData(3, 7, 5)]
    [InlineData(5, 17, 11)]
    public void Dense_Forward_MatchesNaiveLoop(int batch, int inputSize, int outputSize)
    {
        // Finite differences only compare backward with forward; the forward itself needs its own reference.
        var f = new DenseFixture(batch, inputSize, outputSize, seed: 10);
        f.Objective();
        ReadOnlySpan<float> w = f.Layer.Weights.Values, b = f.Layer.Bias.Values;
        for (int r = 0; r < batch; r++)
        {
            for (int o = 0; o < outputSize; o++)
            {
                double expected = b[o];
                for (int i = 0; i < inputSize; i++) expected += (double)f.X[r * inputSize + i] * w[i * outputSize + o];
                Assert.Equal(expected, f.Y[r * outputSize + o], 5);
            }
        }
    }

    [Fact]
    public void GradientCheck_RejectsSignAndFactorOfTwoErrors()
    {
        // The tolerance must be loose enough for float noise yet catch the classic mistakes; show both.
        var f = new DenseFixture(3, 7, 5, seed: 12);
        f.Store.ZeroGradients();
        f.Backward();
        var w = f.Layer.Weights;
        double[] dW = GradientCheck.Numerical(f.Store.Values, w.Offset, w.Length, f.Objective);
        float[] analytic = w.Gradients.ToArray();

        Assert.Null(GradientCheck.Mismatch(analytic, dW, 1e-4));
        Assert.NotNull(GradientCheck.Mismatch(analytic.Select(g => -g).ToArray(), dW, 1e-4));
        Assert.NotNull(GradientCheck.Mismatch(analytic.Select(g => 2 * g).ToArray(), dW, 1e-4));
        Assert.NotNull(GradientCheck.Mismatch(analytic.Select(g => 0.5f * g).ToArray(), dW, 1e-4));
        // A 5% error in a single entry is also caught.
        analytic[4] *= 1.05f;
        Assert.NotNull(GradientCheck.Mismatch(analytic, dW, 1e-4));
    }

    [Fact]
    public void Dense_Backward_AccumulatesIntoExistingGradients()
    {
        var f = new DenseFixture(3, 7, 5, seed: 13);
        f.Store.ZeroGradients();
        f.Backward();
        float[] once = f.Store.Gradients.ToArray();
        float[] dxOnce = f.Dx.ToArray();
        f.Backward();

        AssertDoubled(once, f.Store.Gradients);
        AssertDoubled(dxOnce, f.Dx);
    }

    public static TheoryData<Activation> Activations => new() { Activation.Sigmoid, Activation.Relu, Activation.LeakyRelu, Activation.Tanh };

    [Theory]
    [MemberData(nameof(Activations))]
    public void Activation_InputGradient_MatchesFiniteDifferences(Activation kind)
    {
        // 3 × 13 = 39 elements: the vectorized loop runs and leaves a scalar tail of 3 or 7 for Vector<float>.Count
        // of 4, 8 or 16.
        const int batch = 3, width = 13;
        var random = new SeededRandom(21 + (int)kind);
        // A slope far from 0 and 1 makes a wrong branch (slope vs 1) visible in the negative half.
        var layer = ActivationLayer.Create(kind, width, leakyReluSlope: 0.2f)!;
        // |x| ≥ 0.25 keeps x ± eps on one side of the ReLU kink. Alternating signs put both branches into the
        // vector part and into the scalar tail (a random sign could leave a tail with only one branch).
        float[] x = TestData.Uniform(random, batch * width, 0.25f, 2.5f).Select((v, i) => i % 2 == 0 ? -v : v).ToArray();
        float[] y = new float[x.Length];
        float[] c = TestData.Uniform(random, x.Length, -1f, 1f);
        float[] dx = new float[x.Length];

        double Objective()
        {
            layer.Forward(x, y, Span<float>.Empty, batch, Context);
            return TestData.WeightedSum(c, y);
        }

        layer.Forward(x, y, Span<float>.Empty, batch, Context);
        layer.Backward(x, y, c, dx, ReadOnlySpan<float>.Empty, batch, Context);
        double[] numerical = GradientCheck.Numerical(x, 0, x.Length, Objective);
        GradientCheck.AssertMatches($"{kind} dx", dx, numerical, 1e-4);

        // Accumulation: a second backward adds the same gradient again. (The check above left y from a
        // perturbed input; recompute it first.)
        layer.Forward(x, y, Span<float>.Empty, batch, Context);
        float[] once = dx.ToArray();
        layer.Backward(x, y, c, dx, ReadOnlySpan<float>.Empty, batch, Context);
        AssertDoubled(once, dx);
    }

    [Theory]
    [MemberData(nameof(Activations))]
    public void Activation_Forward_MatchesDefinition(Activation kind)
    {
        // Finite differences cannot see a forward pass that is consistently wrong, so check values too.
        const float slope = 0.2f;
        var layer = ActivationLayer.Create(kind, 19, slope)!;
        float[] x = TestData.Uniform(new SeededRandom(31), 19, -4f, 4f);
        float[] y = new float[19];
        layer.Forward(x, y, Span<float>.Empty, 1, Context);
        for (int i = 0; i < x.Length; i++)
        {
            double v = x[i];
            double expected = kind switch
            {
                Activation.Sigmoid => 1 / (1 + Math.Exp(-v)),
                Activation.Relu => Math.Max(v, 0),
                Activation.LeakyRelu => v > 0 ? v : slope * v,
                Activation.Tanh => Math.Tanh(v),
                _ => throw new InvalidOperationException(),
            };
            Assert.True(Math.Abs(y[i] - expected) < 1e-6, $"{kind}({v}) = {y[i]}, expected {expected}");
        }
    }

    [Fact]
    public void LinearActivation_CreatesNoLayer()
        => Assert.Null(ActivationLayer.Create(Activation.Linear, 4));

    internal static void AssertDoubled(ReadOnlySpan<float> once, ReadOnlySpan<float> twice)
    {
        Assert.Equal(once.Length, twice.Length);
        for (int i = 0; i < once.Length; i++)
        {
            float expected = 2 * once[i];
            Assert.True(Math.Abs(twice[i] - expected) <= 1e-5f * (1 + Math.Abs(expected)),
                $"element {i}: after two backward passes {twice[i]}, expected 2 × {once[i]}");
        }
    }
}
