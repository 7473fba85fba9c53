using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Losses;

namespace Microsoft.ML.Autoencoders.Engine.Tests;

/// <summary>Each loss's value against its formula and its gradient against finite differences of that value.</summary>
public class LossTests
{
    // 3 rows × 5 columns: the mean runs over all 15 elements, so a gradient missing the 1/n would be 15× off.
    private const int Count = 15;

    public static TheoryData<string> LossNames => new() { "mse", "l1", "bce", "bce-logits" };

    private static (Loss Loss, float[] Prediction, float[] Target) Make(string name, long seed)
    {
        var random = new SeededRandom(seed);
        switch (name)
        {
            case "mse":
                return (new MeanSquaredErrorLoss(), TestData.Uniform(random, Count, -2f, 2f), TestData.Uniform(random, Count, -2f, 2f));
            case "l1":
            {
                // |p - t| ≥ 0.1 keeps p ± eps away from the kink at p = t.
                float[] target = TestData.Uniform(random, Count, -1f, 1f);
                float[] offset = TestData.AwayFromZero(random, Count, 0.1f, 1f);
                return (new L1Loss(), target.Select((t, i) => t + offset[i]).ToArray(), target);
            }
            case "bce":
                // Probabilities well inside (0, 1), where the clamp is inactive; soft targets test the (1 - t) term.
                return (new BinaryCrossEntropyLoss(), TestData.Uniform(random, Count, 0.05f, 0.95f), TestData.Uniform(random, Count, 0f, 1f));
            case "bce-logits":
                return (new BinaryCrossEntropyWithLogitsLoss(), TestData.Uniform(random, Count, -4f, 4f), TestData.Uniform(random, Count, 0f, 1f));
            default:
                throw new ArgumentException(name);
        }
    }

    [Theory]
    [MemberData(nameof(LossNames))]
    public void Gradient_MatchesFiniteDifferences(string name)
    {
        var (loss, prediction, target) = Make(name, seed: 41);
        float[] gradient = new float[Count];
        loss.Compute(prediction, target, gradient);
        double[] numerical = GradientCheck.Numerical(prediction, 0, Count, () => loss.Compute(prediction, target, Span<float>.Empty));
        // Gradients are O(1/15); 1e-5 absolute is still ~0.1% of a typical entry.
        GradientCheck.AssertMatches(name, gradient, numerical, 1e-5);
    }

    [Theory]
    [MemberData(nameof(LossNames))]
    public void Compute_AccumulatesGradient(string name)
    {
        var (loss, prediction, target) = Make(name, seed: 42);
        float[] gradient = new float[Count];
        double first = loss.Compute(prediction, target, gradient);
        float[] once = gradient.ToArray();
        double second = loss.Compute(prediction, target, gradient);
        Assert.Equal(first, second);
        LayerGradientTests.AssertDoubled(once, gradient);
    }

    [Theory]
    [MemberData(nameof(LossNames))]
    public void Value_MatchesFormula(string name)
    {
        var (loss, prediction, target) = Make(name, seed: 43);
        double expected = 0;
        for (int i = 0; i < Count; i++)
        {
            double p = prediction[i], t = target[i];
            expected += name switch
            {
                "mse" => (p - t) * (p - t),
                "l1" => Math.Abs(p - t),
                "bce" => -(t * Math.Log(p) + (1 - t) * Math.Log(1 - p)),
                // The naive form is fine for |z| ≤ 4; the engine's stable form must agree with it.
                "bce-logits" => -(t * Math.Log(Sigmoid(p)) + (1 - t) * Math.Log(1 - Sigmoid(p))),
                _ => throw new ArgumentException(name),
            };
        }
        expected /= Count;
        Assert.Equal(expected, loss.Compute(prediction, target, Span<float>.Empty), 5);
    }

    [Fact]
    public void BceWithLogits_AgreesWithBceOnSigmoidOutputs()
    {
        // The trainer swaps BCE-after-sigmoid for BCE-on-logits; both must be the same loss and gradient chain.
        var random = new SeededRandom(44);
        float[] logits = TestData.Uniform(random, Count, -3f, 3f);
        float[] target = TestData.Uniform(random, Count, 0f, 1f);
        float[] probabilities = logits.Select(z => (float)Sigmoid(z)).ToArray();

        float[] dLogits = new float[Count];
        float[] dProbabilities = new float[Count];
        double viaLogits = new BinaryCrossEntropyWithLogitsLoss().Compute(logits, target, dLogits);
        double viaProbabilities = new BinaryCrossEntropyLoss().Compute(probabilities, target, dProbabilities);
        Assert.Equal(viaProbabilities, viaLogits, 5);
        for (int i = 0; i < Count; i++)
        {
            double chained = dProbabilities[i] * probabilities[i] * (1 - probabilities[i]); // dL/dp · dp/dz
            Assert.Equal(chained, dLogits[i], 5);
        }
    }

    [Fact]
    public void BceWithLogits_IsFiniteWhereSigmoidSaturates()
    {
        float[] logits = [-200f, 200f, -90f, 90f];
        float[] target = [1f, 0f, 0f, 1f];
        float[] gradient = new float[4];
        double value = new BinaryCrossEntropyWithLogitsLoss().Compute(logits, target, gradient);
        // Elements 0 and 1 are maximally wrong (loss ≈ 200 each), 2 and 3 right (≈ 0): mean ≈ 100.
        Assert.Equal(100.0, value, 3);
        // Right answers get (σ(z) − t)/n ≈ e^-90/4 ≈ 2e-40: zero to any tolerance training could notice.
        Assert.Equal([-0.25f, 0.25f, 0f, 0f], gradient, (a, b) => Math.Abs(a - b) < 1e-30f);
    }

    [Fact]
    public void Create_PicksLogitsFormOnlyAfterSigmoid()
    {
        Assert.IsType<BinaryCrossEntropyWithLogitsLoss>(Loss.Create(LossKind.BinaryCrossEntropy, Activation.Sigmoid));
        Assert.IsType<BinaryCrossEntropyLoss>(Loss.Create(LossKind.BinaryCrossEntropy, Activation.Linear));
        Assert.IsType<MeanSquaredErrorLoss>(Loss.Create(LossKind.MeanSquaredError, Activation.Sigmoid));
        Assert.IsType<L1Loss>(Loss.Create(LossKind.L1, Activation.Tanh));
    }

    [Fact]
    public void Compute_RejectsMismatchedLengths()
        => Assert.Throws<ArgumentException>(() => new MeanSquaredErrorLoss().Compute(new float[3], new float[4], Span<float>.Empty));

    /// <summary>Every length 0..70 and a few spanning several of the vectorized loop's blocks, so each tail path runs.</summary>
    public static TheoryData<int> MseLengths
    {
        get
        {
            var lengths = new TheoryData<int>();
            for (int n = 0; n <= 70; n++) lengths.Add(n);
            foreach (int n in new[] { 1023, 1024, 1025, 2048 + 7, 6 * 512 + 7, 256 * 784 }) lengths.Add(n);
            return lengths;
        }
    }

    [Theory]
    [MemberData(nameof(MseLengths))]
    public void MeanSquaredError_MatchesScalarReference(int length)
    {
        var random = new SeededRandom(length + 1);
        float[] prediction = TestData.Uniform(random, length, -2f, 2f);
        float[] target = TestData.Uniform(random, length, -2f, 2f);
        float[] start = TestData.Uniform(random, length, -1f, 1f);
        float[] gradient = (float[])start.Clone();

        double value = new MeanSquaredErrorLoss().Compute(prediction, target, gradient);

        // The plain reference: a double sum and the gradient added element by element.
        double sum = 0;
        float scale = 2f / length;
        for (int i = 0; i < length; i++)
        {
            float d = prediction[i] - target[i];
            sum += (double)d * d;
            // The same float operations as the fast path, so the gradient must match to the bit.
            Assert.Equal(start[i] + scale * d, gradient[i]);
        }
        if (length == 0) Assert.True(double.IsNaN(value));
        else Assert.Equal(sum / length, value, 1e-6 * Math.Max(1, sum / length));
        Assert.Equal(value, new MeanSquaredErrorLoss().Compute(prediction, target, Span<float>.Empty));
    }

    private static double Sigmoid(double z) => 1 / (1 + Math.Exp(-z));

    [Fact]
    public void MeanSquaredError_IsTheSameOnOneThreadAndTwo()
    {
        // 200,000 elements (a 256 × 784 batch) split between two threads in blocks; the odd tail ends mid-block.
        const int length = 200_001;
        var random = new Random(11);
        float[] p = Enumerable.Range(0, length).Select(_ => random.NextSingle()).ToArray();
        float[] t = Enumerable.Range(0, length).Select(_ => random.NextSingle()).ToArray();
        var one = new MeanSquaredErrorLoss { Threads = 1 };
        var two = new MeanSquaredErrorLoss { Threads = 2 };
        float[] g1 = new float[length], g2 = new float[length];
        double l1 = one.Compute(p, t, g1), l2 = two.Compute(p, t, g2);
        Assert.Equal(BitConverter.DoubleToInt64Bits(l1), BitConverter.DoubleToInt64Bits(l2));
        Assert.Equal(g1, g2);
        double expected = 0;
        for (int i = 0; i < length; i++) expected += (double)(p[i] - t[i]) * (p[i] - t[i]);
        Assert.Equal(expected / length, l2, 1e-6);
        Assert.Equal(2f * (p[7] - t[7]) / length, g2[7], 1e-9f);
    }

    [Fact]
    public void MeanSquaredError_ThroughSigmoidIsTheLossThenTheSigmoidBackward()
    {
        // The fused pass must give the very bits of the two passes it replaces, odd tail included.
        const int length = 70_003;
        var random = new Random(12);
        float[] y = Enumerable.Range(0, length).Select(_ => random.NextSingle()).ToArray();
        float[] t = Enumerable.Range(0, length).Select(_ => random.NextSingle()).ToArray();
        var loss = new MeanSquaredErrorLoss { Threads = 2 };

        float[] dy = new float[length], expected = new float[length];
        double expectedLoss = loss.Compute(y, t, dy);
        new SigmoidLayer(length).Backward(default, y, dy, expected, default, 1, new LayerContext(true, 1));

        float[] fused = Enumerable.Repeat(float.NaN, length).ToArray();
        double fusedLoss = loss.ComputeThroughSigmoid(y, t, fused);
        Assert.Equal(BitConverter.DoubleToInt64Bits(expectedLoss), BitConverter.DoubleToInt64Bits(fusedLoss));
        Assert.Equal(expected, fused);
    }
}
