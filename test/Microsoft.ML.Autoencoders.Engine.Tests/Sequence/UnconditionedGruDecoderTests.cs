using Microsoft.ML.Autoencoders.Engine.Tests.Convolution;
using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Specs;
using Microsoft.ML.Autoencoders.Engine.Tensors;

namespace Microsoft.ML.Autoencoders.Engine.Tests.Sequence;

/// <summary>
/// The sequence-to-sequence decoder with a GRU cell: forward held to a plain loop over its equations on odd shapes (one
/// step, H past a vector and its tail, batches of one group and of several), backward through time to central finite
/// differences (and a backward that forgets the starting state's tanh is caught), the written-over gradients to the added
/// ones, and any thread count to the same bits.
/// </summary>
public class UnconditionedGruDecoderTests
{
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
    private static UnconditionedGruDecoder Build(int code, int steps, int units, SeededRandom random, out ParameterStore store)
    {
        var spec = new UnconditionedGruDecoderSpec(steps, units);
        var input = new TensorShape(code);
        return RecurrentLayerHarness.Nudged((UnconditionedGruDecoder)spec.Build(TestContexts.Build("gru_decoder", input, spec.InferOutputShape(input))), random, out store);
    }

    /// <summary>
    /// The decoder written straight from its equations in double precision: the starting state from the code, then the GRU
    /// with no input (<see cref="GruReference"/>, F = 0: the input side is b_ih) from it.
    /// </summary>
    private static double[] ReferenceHiddenStates(ReadOnlySpan<float> code, int steps, int units, UnconditionedGruDecoder layer)
    {
        ReadOnlySpan<float> stateWeights = layer.StateWeights.Values, stateBias = layer.StateBias.Values;
        var h = new double[units];
        for (int j = 0; j < units; j++)
        {
            double sum = stateBias[j];
            for (int k = 0; k < code.Length; k++) sum += stateWeights[k * units + j] * (double)code[k];
            h[j] = Math.Tanh(sum);
        }
        return GruReference.HiddenStates([], steps, 0, units, [], layer.RecurrentWeights.Values, layer.InputBias.Values, layer.RecurrentBias.Values, h);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Forward_MatchesTheEquations(int code, int steps, int units, int batch)
    {
        var random = new SeededRandom(11);
        var layer = Build(code, steps, units, random, out var store);
        float[] x = TestData.Uniform(random, batch * code, -1.5f, 1.5f);
        new RecurrentLayerHarness(layer, store, batch, x).AssertForwardMatches(n => ReferenceHiddenStates(x.AsSpan(n * code, code), steps, units, layer));
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
        var objective = new RecurrentLayerHarness(layer, store, batch, x).BackwardOfWeightedSum(coefficients, out float[] dx, out _);
        const double Tolerance = 2e-4;
        foreach (var parameter in layer.Parameters)
            GradientCheck.AssertMatches(parameter.Name, parameter.Gradients, GradientCheck.Numerical(store.Values, parameter.Offset, parameter.Length, objective), Tolerance);
        GradientCheck.AssertMatches("dcode", dx, GradientCheck.Numerical(x, 0, x.Length, objective), Tolerance);
    }

    [Fact]
    public void Gradients_WithoutTheStartingStatesTanh_AreRejected()
    {
        // The check above can fail: the code reaches the steps through h_{−1} = tanh(·); a backward that forgot the tanh's
        // derivative would give W_s a gradient off by the factor 1 − h_{−1}², which must be far from the numbers.
        var random = new SeededRandom(17);
        const int Code = 3, Steps = 4, Units = 3, Batch = 1;
        var layer = Build(Code, Steps, Units, random, out var store);
        float[] x = TestData.Uniform(random, Batch * Code, -1.5f, 1.5f);
        float[] coefficients = TestData.Uniform(random, Batch * layer.OutputSize, -1f, 1f);
        var objective = new RecurrentLayerHarness(layer, store, Batch, x).BackwardOfWeightedSum(coefficients, out _, out float[] scratch);
        double[] numerical = GradientCheck.Numerical(store.Values, layer.StateWeights.Offset, layer.StateWeights.Length, objective);
        // The starting state is scratch[0, H) of the single row.
        float[] wrong = layer.StateWeights.Gradients.ToArray();
        for (int k = 0; k < Code; k++)
            for (int j = 0; j < Units; j++) wrong[k * Units + j] /= 1f - scratch[j] * scratch[j];
        Assert.Null(GradientCheck.Mismatch(layer.StateWeights.Gradients.ToArray(), numerical, 2e-4));
        Assert.NotNull(GradientCheck.Mismatch(wrong, numerical, 2e-4));
    }

    [Fact]
    public void BackwardThatWritesOver_EqualsAddingToZeros()
    {
        var random = new SeededRandom(19);
        const int Code = 3, Steps = 5, Units = 6, Batch = 3;
        var layer = Build(Code, Steps, Units, random, out var store);
        float[] x = TestData.Uniform(random, Batch * Code, -1f, 1f), dy = TestData.Uniform(random, Batch * layer.OutputSize, -1f, 1f);
        new RecurrentLayerHarness(layer, store, Batch, x).AssertWrittenOverEqualsAdded(dy);
    }

    [Fact]
    public void TwoThreads_GiveTheBitsOfOne()
    {
        // 100 rows make seven groups of the recurrence; the products over the batch split by the GEMM's own rules.
        var random = new SeededRandom(23);
        const int Code = 5, Steps = 7, Units = 24, Batch = 100;
        var layer = Build(Code, Steps, Units, random, out var store);
        float[] x = TestData.Uniform(random, Batch * Code, -1f, 1f), dy = TestData.Uniform(random, Batch * layer.OutputSize, -1f, 1f);
        new RecurrentLayerHarness(layer, store, Batch, x).AssertTwoThreadsGiveTheBitsOfOne(dy);
    }

    [Fact]
    public void Spec_GivesTheShapesAndRefusesSequences()
    {
        Assert.Equal(new TensorShape(9, 4), new UnconditionedGruDecoderSpec(9, 4).InferOutputShape(new TensorShape(3)));
        Assert.Contains("flat code", Assert.Throws<ArgumentException>(() => new UnconditionedGruDecoderSpec(9, 4).InferOutputShape(new TensorShape(9, 2))).Message);
        Assert.Throws<ArgumentException>(() => new UnconditionedGruDecoderSpec(0, 4).InferOutputShape(new TensorShape(3)));
        Assert.Throws<ArgumentException>(() => new UnconditionedGruDecoderSpec(9, 0).InferOutputShape(new TensorShape(3)));
    }
}
