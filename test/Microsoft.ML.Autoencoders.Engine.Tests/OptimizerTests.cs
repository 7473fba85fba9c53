using Microsoft.ML.Autoencoders.Engine.Optimizers;

namespace Microsoft.ML.Autoencoders.Engine.Tests;

/// <summary>
/// Optimizer steps against the update rules written out in double, with PyTorch's semantics
/// (torch.optim.SGD/Adam/AdamW). 19 scalars: the vectorized loop and its scalar tail both run.
/// </summary>
public class OptimizerTests
{
    private const int Count = 19;

    private static (float[] Values, float[][] Gradients) MakeProblem(long seed, int steps)
    {
        var random = new SeededRandom(seed);
        float[] values = TestData.Uniform(random, Count, -1f, 1f);
        var gradients = new float[steps][];
        for (int s = 0; s < steps; s++) gradients[s] = TestData.Uniform(random, Count, -2f, 2f);
        return (values, gradients);
    }

    private static void AssertClose(double[] expected, float[] actual, string what)
    {
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-6 * (1 + Math.Abs(expected[i])),
                $"{what} element {i}: expected {expected[i]:G9}, got {actual[i]:G9}");
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(0.1f)]
    public void Adam_ThreeSteps_MatchFormulas(float weightDecay)
    {
        // Three steps so that the bias corrections 1 - β^t differ from step to step.
        var settings = new OptimizerSettings { Kind = OptimizerKind.Adam, LearningRate = 0.01f, Beta1 = 0.8f, Beta2 = 0.95f, Epsilon = 1e-6f, WeightDecay = weightDecay };
        var (values, gradients) = MakeProblem(61, 3);
        double[] w = values.Select(v => (double)v).ToArray();
        double[] m = new double[Count], v = new double[Count];
        var optimizer = Optimizer.Create(settings, Count);

        for (int t = 1; t <= 3; t++)
        {
            for (int i = 0; i < Count; i++)
            {
                double g = gradients[t - 1][i] + weightDecay * w[i]; // Adam's weight decay is an L2 term in g
                m[i] = 0.8 * m[i] + 0.2 * g;
                v[i] = 0.95 * v[i] + 0.05 * g * g;
                double mHat = m[i] / (1 - Math.Pow(0.8, t));
                double vHat = v[i] / (1 - Math.Pow(0.95, t));
                w[i] -= 0.01 * mHat / (Math.Sqrt(vHat) + 1e-6);
            }
            optimizer.Step(values, gradients[t - 1]);
            AssertClose(w, values, $"Adam step {t}");
        }
        Assert.Equal(3, optimizer.StepCount);
    }

    [Fact]
    public void Adam_FirstStep_MovesEveryWeightByLearningRateAgainstGradientSign()
    {
        // A property independent of the formulas above: with m̂ = g and v̂ = g², step one is lr·sign(g).
        var settings = new OptimizerSettings { Kind = OptimizerKind.Adam, LearningRate = 0.05f };
        var (values, gradients) = MakeProblem(62, 1);
        float[] before = values.ToArray();
        Optimizer.Create(settings, Count).Step(values, gradients[0]);
        for (int i = 0; i < Count; i++)
            Assert.Equal(-0.05 * Math.Sign(gradients[0][i]), values[i] - before[i], 5);
    }

    [Fact]
    public void AdamW_TwoSteps_DecayWeightsSeparatelyFromGradient()
    {
        // torch.optim.AdamW: w ← w·(1 - lr·λ), then the Adam step computed from g alone.
        const double lr = 0.01, decay = 0.5;
        var settings = new OptimizerSettings { Kind = OptimizerKind.AdamW, LearningRate = (float)lr, WeightDecay = (float)decay };
        var (values, gradients) = MakeProblem(63, 2);
        double[] w = values.Select(x => (double)x).ToArray();
        double[] m = new double[Count], v = new double[Count];
        var optimizer = Optimizer.Create(settings, Count);
        Assert.True(((Adam)optimizer).DecoupledWeightDecay);

        for (int t = 1; t <= 2; t++)
        {
            for (int i = 0; i < Count; i++)
            {
                double g = gradients[t - 1][i];
                w[i] *= 1 - lr * decay;
                m[i] = 0.9 * m[i] + 0.1 * g;
                v[i] = 0.999 * v[i] + 0.001 * g * g;
                w[i] -= lr * (m[i] / (1 - Math.Pow(0.9, t))) / (Math.Sqrt(v[i] / (1 - Math.Pow(0.999, t))) + 1e-8);
            }
            optimizer.Step(values, gradients[t - 1]);
            AssertClose(w, values, $"AdamW step {t}");
        }

        // With coupled (L2) decay the same settings give a different result: decay must not enter m and v.
        var (coupledValues, _) = MakeProblem(63, 2);
        var adam = Optimizer.Create(settings with { Kind = OptimizerKind.Adam }, Count);
        adam.Step(coupledValues, gradients[0]);
        adam.Step(coupledValues, gradients[1]);
        Assert.True(coupledValues.Zip(values).Max(p => Math.Abs(p.First - p.Second)) > 1e-4);
    }

    [Fact]
    public void Sgd_MomentumSequence_MatchesPyTorch()
    {
        // torch.optim.SGD (dampening 0, no Nesterov): g' = g + λw; buf = g' on step 1, then μ·buf + g'; w -= lr·buf.
        const double lr = 0.1, mu = 0.9, decay = 0.01;
        var settings = new OptimizerSettings { Kind = OptimizerKind.Sgd, LearningRate = (float)lr, Momentum = (float)mu, WeightDecay = (float)decay };
        var (values, gradients) = MakeProblem(64, 4);
        double[] w = values.Select(x => (double)x).ToArray();
        double[] buffer = new double[Count];
        var optimizer = Optimizer.Create(settings, Count);

        for (int t = 1; t <= 4; t++)
        {
            for (int i = 0; i < Count; i++)
            {
                double g = gradients[t - 1][i] + decay * w[i];
                buffer[i] = t == 1 ? g : mu * buffer[i] + g;
                w[i] -= lr * buffer[i];
            }
            optimizer.Step(values, gradients[t - 1]);
            AssertClose(w, values, $"SGD step {t}");
        }
    }

    [Fact]
    public void Sgd_WithoutMomentum_IsPlainGradientDescent()
    {
        var (values, gradients) = MakeProblem(65, 2);
        double[] expected = values.Select((x, i) => (double)x - 0.1 * gradients[0][i] - 0.1 * gradients[1][i]).ToArray();
        var optimizer = Optimizer.Create(new OptimizerSettings { Kind = OptimizerKind.Sgd, LearningRate = 0.1f, Momentum = 0 }, Count);
        optimizer.Step(values, gradients[0]);
        optimizer.Step(values, gradients[1]);
        AssertClose(expected, values, "SGD");
    }

    [Fact]
    public void Adam_MinimizesQuadratic()
    {
        // f(w) = Σ aᵢ (wᵢ - cᵢ)² with curvatures spread over two orders of magnitude; Adam's per-coordinate
        // scaling should reach every minimum in the same number of steps.
        var random = new SeededRandom(66);
        float[] a = TestData.Uniform(random, Count, 0.1f, 10f);
        float[] c = TestData.Uniform(random, Count, -3f, 3f);
        float[] w = new float[Count];
        float[] g = new float[Count];
        var optimizer = Optimizer.Create(new OptimizerSettings { Kind = OptimizerKind.Adam, LearningRate = 0.05f }, Count);
        double F() => a.Select((ai, i) => ai * (w[i] - c[i]) * (w[i] - c[i])).Sum();
        double start = F();

        for (int step = 0; step < 2000; step++)
        {
            for (int i = 0; i < Count; i++) g[i] = 2 * a[i] * (w[i] - c[i]);
            optimizer.Step(w, g);
        }

        Assert.True(F() < 1e-6 * start, $"f went from {start} to {F()}");
        for (int i = 0; i < Count; i++) Assert.Equal(c[i], w[i], 2);
    }

    [Fact]
    public void Step_RejectsBuffersOfAnotherSize()
    {
        var optimizer = Optimizer.Create(new OptimizerSettings(), Count);
        Assert.Throws<ArgumentException>(() => optimizer.Step(new float[Count + 1], new float[Count + 1]));
    }

    [Theory]
    [InlineData(0f, 0.9f, 0.9f, 0.999f, 1e-8f, 0f)]
    [InlineData(-1e-3f, 0.9f, 0.9f, 0.999f, 1e-8f, 0f)]
    [InlineData(float.NaN, 0.9f, 0.9f, 0.999f, 1e-8f, 0f)]
    [InlineData(1e-3f, 1f, 0.9f, 0.999f, 1e-8f, 0f)]
    [InlineData(1e-3f, 0.9f, 1f, 0.999f, 1e-8f, 0f)]
    [InlineData(1e-3f, 0.9f, 0.9f, -0.1f, 1e-8f, 0f)]
    [InlineData(1e-3f, 0.9f, 0.9f, 0.999f, 0f, 0f)]
    [InlineData(1e-3f, 0.9f, 0.9f, 0.999f, 1e-8f, -1f)]
    public void Create_RejectsInvalidSettings(float lr, float momentum, float beta1, float beta2, float epsilon, float weightDecay)
    {
        var settings = new OptimizerSettings { LearningRate = lr, Momentum = momentum, Beta1 = beta1, Beta2 = beta2, Epsilon = epsilon, WeightDecay = weightDecay };
        Assert.Throws<ArgumentException>(() => Optimizer.Create(settings, Count));
    }

    /// <summary>
    /// The vector loops and the scalar tail must be one formula: 43 elements are two 512-bit vectors, a 256-bit one and a
    /// tail of three on AVX-512 (five 256-bit vectors and three without), and each element must have the bits of the
    /// float formula written out here in the same order.
    /// </summary>
    [Theory]
    [InlineData(OptimizerKind.Adam)]
    [InlineData(OptimizerKind.AdamW)]
    public void Adam_VectorLanesHaveTheBitsOfTheScalarFormula(OptimizerKind kind)
    {
        const int count = 43;
        const float lr = 0.01f, b1 = 0.9f, b2 = 0.999f, eps = 1e-8f, decay = 0.01f;
        var settings = new OptimizerSettings { Kind = kind, LearningRate = lr, Beta1 = b1, Beta2 = b2, Epsilon = eps, WeightDecay = decay };
        var random = new SeededRandom(11);
        float[] values = TestData.Uniform(random, count, -1f, 1f), expected = (float[])values.Clone();
        float[] m = new float[count], v = new float[count];
        var optimizer = Optimizer.Create(settings, count);
        bool decoupled = kind == OptimizerKind.AdamW;
        for (int t = 1; t <= 2; t++)
        {
            float[] gradients = TestData.Uniform(random, count, -1f, 1f);
            float stepSize = lr / (1f - MathF.Pow(b1, t)), invSqrtCorrection2 = 1f / MathF.Sqrt(1f - MathF.Pow(b2, t));
            float l2 = decoupled ? 0f : decay, shrink = decoupled ? 1f - lr * decay : 1f;
            for (int i = 0; i < count; i++)
            {
                float g = gradients[i] + l2 * expected[i];
                m[i] = b1 * m[i] + (1 - b1) * g;
                v[i] = b2 * v[i] + (1 - b2) * g * g;
                expected[i] = shrink * expected[i] - stepSize * m[i] / (MathF.Sqrt(v[i]) * invSqrtCorrection2 + eps);
            }
            optimizer.Step(values, gradients);
            Assert.Equal(expected, values);
        }
    }

    /// <summary>
    /// Threaded Adam/AdamW splits the buffer among workers; every element's bits must equal the one-thread update,
    /// at lengths that split unevenly and end in a scalar tail (and at small ones that stay on one thread).
    /// </summary>
    [Theory]
    [InlineData(OptimizerKind.Adam, 0)]
    [InlineData(OptimizerKind.Adam, 37)]
    [InlineData(OptimizerKind.Adam, 65_536 + 63)]
    [InlineData(OptimizerKind.AdamW, 3 * 65_536 + 17)]
    [InlineData(OptimizerKind.Adam, 440_000 + 5)]
    public void Adam_ThreadedStepIsBitIdenticalToOneThread(OptimizerKind kind, int count)
    {
        var settings = new OptimizerSettings { Kind = kind, LearningRate = 0.01f, WeightDecay = 0.01f };
        var random = new SeededRandom(count + 3);
        float[] start = TestData.Uniform(random, count, -1f, 1f);
        float[][] gradients = [TestData.Uniform(random, count, -1f, 1f), TestData.Uniform(random, count, -1f, 1f)];
        float[] single = (float[])start.Clone(), threaded = (float[])start.Clone();
        var one = Optimizer.Create(settings, count);
        var two = Optimizer.Create(settings, count);
        two.Threads = 2;
        foreach (float[] g in gradients)
        {
            one.Step(single, g);
            two.Step(threaded, g);
        }
        Assert.Equal(single, threaded);
        if (count > 0) Assert.NotEqual(start, threaded);
    }
}
