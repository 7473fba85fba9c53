using Microsoft.ML.Autoencoders.Engine.Tests.Convolution;
using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Specs;
using Microsoft.ML.Autoencoders.Engine.Tensors;

namespace Microsoft.ML.Autoencoders.Engine.Tests.Sequence;

/// <summary>
/// The sequence-to-sequence decoder: forward held to a plain loop over its equations on odd shapes (one step, H past a
/// vector and its tail, batches of one group and of several), backward through time to central finite differences (and a
/// backward that forgets the starting state is caught), the written-over gradients to the added ones, and any thread count
/// to the same bits.
/// </summary>
public class UnconditionedLstmDecoderTests
{
    private static readonly LayerContext Context = new(Training: true, Threads: 1);

    public static TheoryData<int, int, int, int> Shapes => new()
    {
        // code, steps, units, batch
        { 3, 5, 7, 3 },
        { 1, 1, 4, 2 },
        { 2, 4, 9, 1 },
        { 4, 3, 19, 2 },   // 19 units: two 8-lane vectors and a tail of 3 (or one 16-lane vector and the tail)
        { 5, 6, 5, 45 },   // 45 rows: three groups of 15
    };

    /// <summary>A built layer with its initialization, then every bias and weight nudged so no value is special.</summary>
    private static UnconditionedLstmDecoder Build(int code, int steps, int units, SeededRandom random, out ParameterStore store)
    {
        var spec = new UnconditionedLstmDecoderSpec(steps, units);
        var input = new TensorShape(code);
        var layer = (UnconditionedLstmDecoder)spec.Build(TestContexts.Build("decoder", input, spec.InferOutputShape(input)));
        store = new ParameterStore(layer.Parameters);
        layer.Initialize(random);
        var values = store.Values;
        for (int i = 0; i < values.Length; i++) values[i] += random.NextFloat(-0.3f, 0.3f);
        return layer;
    }

    /// <summary>The decoder written straight from its equations, one row, one step and one unit at a time, in double precision.</summary>
    private static double[] ReferenceHiddenStates(ReadOnlySpan<float> code, int steps, int units, UnconditionedLstmDecoder layer)
    {
        ReadOnlySpan<float> stateWeights = layer.StateWeights.Values, stateBias = layer.StateBias.Values;
        ReadOnlySpan<float> recurrent = layer.RecurrentWeights.Values, bias = layer.Bias.Values;
        var h = new double[units];
        var c = new double[units];
        for (int j = 0; j < 2 * units; j++)
        {
            double sum = stateBias[j];
            for (int k = 0; k < code.Length; k++) sum += stateWeights[k * 2 * units + j] * (double)code[k];
            if (j < units) h[j] = Math.Tanh(sum);
            else c[j - units] = sum;
        }

        var states = new double[steps * units];
        var z = new double[4 * units];
        for (int t = 0; t < steps; t++)
        {
            for (int row = 0; row < 4 * units; row++)
            {
                double sum = bias[row];
                for (int k = 0; k < units; k++) sum += recurrent[k * 4 * units + row] * h[k];
                z[row] = sum;
            }
            for (int j = 0; j < units; j++)
            {
                double input = Sigmoid(z[j]), output = Sigmoid(z[units + j]), forget = Sigmoid(z[2 * units + j]), candidate = Math.Tanh(z[3 * units + j]);
                c[j] = forget * c[j] + input * candidate;
                h[j] = output * Math.Tanh(c[j]);
                states[t * units + j] = h[j];
            }
        }
        return states;
    }

    private static double Sigmoid(double v) => 1 / (1 + Math.Exp(-v));

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Forward_MatchesTheEquations(int code, int steps, int units, int batch)
    {
        var random = new SeededRandom(11);
        var layer = Build(code, steps, units, random, out _);
        float[] x = TestData.Uniform(random, batch * code, -1.5f, 1.5f);
        float[] y = new float[batch * layer.OutputSize];
        // Scratch full of NaNs: forward must write everything it reads.
        layer.Forward(x, y, Enumerable.Repeat(float.NaN, batch * layer.ScratchSizePerSample).ToArray(), batch, Context);

        for (int n = 0; n < batch; n++)
        {
            double[] expected = ReferenceHiddenStates(x.AsSpan(n * code, code), steps, units, layer);
            for (int i = 0; i < expected.Length; i++)
            {
                float actual = y[n * layer.OutputSize + i];
                Assert.True(Math.Abs(actual - expected[i]) <= 2e-6, $"row {n} value {i}: {actual} vs {expected[i]}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Gradients_MatchFiniteDifferences(int code, int steps, int units, int batch)
    {
        if (batch > 8) batch = 8; // finite differences cost two forward passes per value: the many-group case is covered by the thread test
        var random = new SeededRandom(13);
        var layer = Build(code, steps, units, random, out var store);
        float[] x = TestData.Uniform(random, batch * code, -1.5f, 1.5f);
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
        foreach (var parameter in layer.Parameters)
            GradientCheck.AssertMatches(parameter.Name, parameter.Gradients, GradientCheck.Numerical(store.Values, parameter.Offset, parameter.Length, Objective), Tolerance);
        GradientCheck.AssertMatches("dcode", dx, GradientCheck.Numerical(x, 0, x.Length, Objective), Tolerance);
    }

    [Fact]
    public void Gradients_WithoutTheStartingCell_AreRejected()
    {
        // The check above can fail: the code's gradient reaches it through h_{−1} and c_{−1}; a backward that dropped the
        // cell's half (W_s' last H columns) must be far from the numbers.
        var random = new SeededRandom(17);
        const int Code = 3, Steps = 4, Units = 3, Batch = 2;
        var layer = Build(Code, Steps, Units, random, out var store);
        float[] x = TestData.Uniform(random, Batch * Code, -1.5f, 1.5f);
        float[] coefficients = TestData.Uniform(random, Batch * layer.OutputSize, -1f, 1f);
        float[] y = new float[Batch * layer.OutputSize], dx = new float[x.Length], scratch = new float[Batch * layer.ScratchSizePerSample];
        double Objective()
        {
            layer.Forward(x, y, scratch, Batch, Context);
            return TestData.WeightedSum(coefficients, y);
        }

        store.ZeroGradients();
        Objective();
        layer.Backward(x, y, coefficients, dx, scratch, Batch, Context);
        double[] numerical = GradientCheck.Numerical(store.Values, layer.StateWeights.Offset, layer.StateWeights.Length, Objective);
        float[] truncated = layer.StateWeights.Gradients.ToArray();
        for (int k = 0; k < Code; k++) Array.Clear(truncated, k * 2 * Units + Units, Units);
        Assert.Null(GradientCheck.Mismatch(layer.StateWeights.Gradients.ToArray(), numerical, 2e-4));
        Assert.NotNull(GradientCheck.Mismatch(truncated, numerical, 2e-4));
    }

    [Fact]
    public void BackwardThatWritesOver_EqualsAddingToZeros()
    {
        var random = new SeededRandom(19);
        const int Code = 3, Steps = 5, Units = 6, Batch = 3;
        var layer = Build(Code, Steps, Units, random, out var store);
        float[] x = TestData.Uniform(random, Batch * Code, -1f, 1f), y = new float[Batch * layer.OutputSize];
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

    [Fact]
    public void TwoThreads_GiveTheBitsOfOne()
    {
        // 100 rows make seven groups of the recurrence; the products over the batch split by the GEMM's own rules.
        var random = new SeededRandom(23);
        const int Code = 5, Steps = 7, Units = 24, Batch = 100;
        var layer = Build(Code, Steps, Units, random, out var store);
        float[] x = TestData.Uniform(random, Batch * Code, -1f, 1f), dy = TestData.Uniform(random, Batch * layer.OutputSize, -1f, 1f);
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
    public void Spec_GivesTheShapesAndRefusesSequences()
    {
        Assert.Equal(new TensorShape(9, 4), new UnconditionedLstmDecoderSpec(9, 4).InferOutputShape(new TensorShape(3)));
        Assert.Contains("flat code", Assert.Throws<ArgumentException>(() => new UnconditionedLstmDecoderSpec(9, 4).InferOutputShape(new TensorShape(9, 2))).Message);
        Assert.Throws<ArgumentException>(() => new UnconditionedLstmDecoderSpec(0, 4).InferOutputShape(new TensorShape(3)));
        Assert.Throws<ArgumentException>(() => new UnconditionedLstmDecoderSpec(9, 0).InferOutputShape(new TensorShape(3)));
    }
}
