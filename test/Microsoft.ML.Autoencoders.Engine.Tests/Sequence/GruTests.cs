using Microsoft.ML.Autoencoders.Engine.Tests.Convolution;
using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Specs;
using Microsoft.ML.Autoencoders.Engine.Tensors;

namespace Microsoft.ML.Autoencoders.Engine.Tests.Sequence;

/// <summary>
/// The GRU layer: forward held to a plain loop over its equations (linear_before_reset = 1) on odd shapes, backward
/// through time to central finite differences (and a backward that drops the reset gate's part of the candidate is
/// caught), the written-over gradients to the added ones, and any thread count to the same bits.
/// </summary>
public class GruTests
{
    private static readonly LayerContext Context = new(Training: true, Threads: 1);

    public static TheoryData<int, int, int, bool, int> Shapes => new()
    {
        // steps, features, units, return sequences, batch
        { 5, 3, 7, true, 3 },
        { 5, 3, 7, false, 2 },
        { 1, 2, 4, true, 2 },
        { 4, 1, 9, false, 1 },
        { 3, 2, 19, true, 2 },   // 19 units: two 8-lane vectors and a tail of 3 (or one 16-lane vector and the tail)
        { 6, 4, 5, true, 45 },   // 45 rows: three groups of 15
    };

    /// <summary>A built layer with Keras' initialization, then every bias and weight nudged so no value is special.</summary>
    private static Gru Build(int steps, int features, int units, bool returnSequences, SeededRandom random, out ParameterStore store)
    {
        var spec = new GruSpec(units, returnSequences);
        var input = new TensorShape(steps, features);
        var layer = (Gru)spec.Build(TestContexts.Build("gru", input, spec.InferOutputShape(input)));
        store = new ParameterStore(layer.Parameters);
        layer.Initialize(random);
        var values = store.Values;
        for (int i = 0; i < values.Length; i++) values[i] += random.NextFloat(-0.3f, 0.3f);
        return layer;
    }

    /// <summary>
    /// The GRU written straight from ONNX's equations with linear_before_reset = 1, one row, one step and one unit at a
    /// time, in double precision: every hidden state [T, H] of one row x [T, F].
    /// </summary>
    private static double[] ReferenceHiddenStates(ReadOnlySpan<float> x, int steps, int features, int units, Gru layer)
    {
        ReadOnlySpan<float> w = layer.InputWeights.Values, r = layer.RecurrentWeights.Values, wb = layer.InputBias.Values, rb = layer.RecurrentBias.Values;
        int width = 3 * units;
        var states = new double[steps * units];
        var h = new double[units];
        var gx = new double[width];
        var gh = new double[width];
        for (int t = 0; t < steps; t++)
        {
            for (int column = 0; column < width; column++)
            {
                double input = wb[column], state = rb[column];
                for (int k = 0; k < features; k++) input += w[k * width + column] * (double)x[t * features + k];
                for (int k = 0; k < units; k++) state += r[k * width + column] * h[k];
                gx[column] = input;
                gh[column] = state;
            }
            for (int j = 0; j < units; j++)
            {
                double update = Sigmoid(gx[j] + gh[j]), reset = Sigmoid(gx[units + j] + gh[units + j]);
                double candidate = Math.Tanh(gx[2 * units + j] + reset * gh[2 * units + j]);
                h[j] = (1 - update) * candidate + update * h[j];
                states[t * units + j] = h[j];
            }
        }
        return states;
    }

    private static double Sigmoid(double v) => 1 / (1 + Math.Exp(-v));

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Forward_MatchesTheEquations(int steps, int features, int units, bool returnSequences, int batch)
    {
        var random = new SeededRandom(11);
        var layer = Build(steps, features, units, returnSequences, random, out _);
        float[] x = TestData.Uniform(random, batch * steps * features, -1.5f, 1.5f);
        float[] y = new float[batch * layer.OutputSize];
        // Scratch full of NaNs: forward must write everything it reads.
        layer.Forward(x, y, Enumerable.Repeat(float.NaN, batch * layer.ScratchSizePerSample).ToArray(), batch, Context);

        for (int n = 0; n < batch; n++)
        {
            double[] states = ReferenceHiddenStates(x.AsSpan(n * steps * features, steps * features), steps, features, units, layer);
            double[] expected = returnSequences ? states : states[((steps - 1) * units)..];
            for (int i = 0; i < expected.Length; i++)
            {
                float actual = y[n * layer.OutputSize + i];
                Assert.True(Math.Abs(actual - expected[i]) <= 2e-6, $"row {n} value {i}: {actual} vs {expected[i]}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Gradients_MatchFiniteDifferences(int steps, int features, int units, bool returnSequences, int batch)
    {
        if (batch > 8) batch = 8; // finite differences cost two forward passes per value: the many-group case is covered by the thread test
        var random = new SeededRandom(13);
        var layer = Build(steps, features, units, returnSequences, random, out var store);
        float[] x = TestData.Uniform(random, batch * steps * features, -1.5f, 1.5f);
        float[] coefficients = TestData.Uniform(random, batch * layer.OutputSize, -1f, 1f);
        float[] y = new float[batch * layer.OutputSize], dx = new float[x.Length], scratch = new float[batch * layer.ScratchSizePerSample];
        double Objective()
        {
            layer.Forward(x, y, scratch, batch, Context);
            return TestData.WeightedSum(coefficients, y);
        }

        store.ZeroGradients();
        Objective();
        layer.Backward(x, y, coefficients, dx, scratch, batch, Context);
        const double Tolerance = 2e-4;
        // A step of 4e-3 rather than the usual 1e-3: with 8 rows of 6 steps the float forward pass leaves up to 4e-4 of noise
        // in W_hh's quotients at 1e-3 (measured: one value −0.00268 at 1e-3, −0.002338 at 4e-3, −0.0023327 at 3e-2, the
        // analytic −0.0023320), the same cure as the whole-network check in SequenceArchitectureTests.
        const float Step = 4e-3f;
        foreach (var parameter in layer.Parameters)
        {
            // One step starts from h = 0, so W_hh cannot matter: its gradient must be exactly zero.
            if (steps == 1 && parameter == layer.RecurrentWeights) Assert.All(parameter.Gradients.ToArray(), g => Assert.Equal(0f, g));
            else GradientCheck.AssertMatches(parameter.Name, parameter.Gradients, GradientCheck.Numerical(store.Values, parameter.Offset, parameter.Length, Objective, Step), Tolerance);
        }
        GradientCheck.AssertMatches("dx", dx, GradientCheck.Numerical(x, 0, x.Length, Objective, Step), Tolerance);
    }

    [Fact]
    public void Gradients_WithoutTheResetGatesRecurrentPart_AreRejected()
    {
        // The check above can fail: b_hh's candidate block reaches h only through r ⊙ (…); a backward that took its
        // gradient to be the input bias's (dn, without the factor r) must be far from the numbers.
        var random = new SeededRandom(17);
        const int Steps = 4, Features = 2, Units = 3, Batch = 2;
        var layer = Build(Steps, Features, Units, false, random, out var store);
        float[] x = TestData.Uniform(random, Batch * Steps * Features, -1.5f, 1.5f);
        float[] coefficients = TestData.Uniform(random, Batch * Units, -1f, 1f);
        float[] y = new float[Batch * Units], dx = new float[x.Length], scratch = new float[Batch * layer.ScratchSizePerSample];
        double Objective()
        {
            layer.Forward(x, y, scratch, Batch, Context);
            return TestData.WeightedSum(coefficients, y);
        }

        store.ZeroGradients();
        Objective();
        layer.Backward(x, y, coefficients, dx, scratch, Batch, Context);
        double[] numerical = GradientCheck.Numerical(store.Values, layer.RecurrentBias.Offset, layer.RecurrentBias.Length, Objective);
        float[] wrong = layer.RecurrentBias.Gradients.ToArray();
        layer.InputBias.Gradients[(2 * Units)..].CopyTo(wrong.AsSpan(2 * Units));
        Assert.Null(GradientCheck.Mismatch(layer.RecurrentBias.Gradients.ToArray(), numerical, 2e-4));
        Assert.NotNull(GradientCheck.Mismatch(wrong, numerical, 2e-4));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void BackwardThatWritesOver_EqualsAddingToZeros(bool returnSequences)
    {
        var random = new SeededRandom(19);
        const int Steps = 5, Features = 3, Units = 6, Batch = 3;
        var layer = Build(Steps, Features, Units, returnSequences, random, out var store);
        float[] x = TestData.Uniform(random, Batch * Steps * Features, -1f, 1f), y = new float[Batch * layer.OutputSize];
        float[] scratch = new float[Batch * layer.ScratchSizePerSample], dy = TestData.Uniform(random, y.Length, -1f, 1f);
        layer.Forward(x, y, scratch, Batch, Context);

        float[] added = new float[x.Length];
        store.ZeroGradients();
        layer.Backward(x, y, dy, added, scratch, Batch, Context);
        float[] addedGradients = store.Gradients.ToArray();

        float[] written = Enumerable.Repeat(float.NaN, x.Length).ToArray();
        store.Gradients.AsSpan().Fill(float.NaN);
        layer.Backward(x, y, dy, written, scratch, Batch, Context with { OverwriteInputGradient = true, OverwriteParameterGradients = true });
        Assert.Equal(added, written);
        Assert.Equal(addedGradients, store.Gradients);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void TwoThreads_GiveTheBitsOfOne(bool returnSequences)
    {
        // 100 rows make seven groups of the recurrence; the products over all steps split by the GEMM's own rules.
        var random = new SeededRandom(23);
        const int Steps = 7, Features = 3, Units = 24, Batch = 100;
        var layer = Build(Steps, Features, Units, returnSequences, random, out var store);
        float[] x = TestData.Uniform(random, Batch * Steps * Features, -1f, 1f), dy = TestData.Uniform(random, Batch * layer.OutputSize, -1f, 1f);
        (float[] Y, float[] Dx, float[] Gradients) Run(int threads)
        {
            var context = new LayerContext(Training: true, Threads: threads);
            float[] y = new float[Batch * layer.OutputSize], dx = new float[x.Length], scratch = new float[Batch * layer.ScratchSizePerSample];
            store.ZeroGradients();
            layer.Forward(x, y, scratch, Batch, context);
            layer.Backward(x, y, dy, dx, scratch, Batch, context);
            return (y, dx, store.Gradients.ToArray());
        }

        var one = Run(1);
        var two = Run(2);
        Assert.Equal(one.Y, two.Y);
        Assert.Equal(one.Dx, two.Dx);
        Assert.Equal(one.Gradients, two.Gradients);
    }

    [Fact]
    public void Spec_GivesTheShapesAndRefusesFlatRows()
    {
        Assert.Equal(new TensorShape(9, 4), new GruSpec(4, ReturnSequences: true).InferOutputShape(new TensorShape(9, 2)));
        Assert.Equal(new TensorShape(4), new GruSpec(4).InferOutputShape(new TensorShape(9, 2)));
        Assert.Contains("[steps, features]", Assert.Throws<ArgumentException>(() => new GruSpec(4).InferOutputShape(new TensorShape(18))).Message);
        Assert.Throws<ArgumentException>(() => new GruSpec(0).InferOutputShape(new TensorShape(9, 2)));
    }
}
