using Microsoft.ML.Autoencoders.Engine.Tests.Convolution;
using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Specs;
using Microsoft.ML.Autoencoders.Engine.Tensors;

namespace Microsoft.ML.Autoencoders.Engine.Tests.Sequence;

/// <summary>
/// What a sequence-to-sequence decoder's tests check the same way whatever its cell (<see cref="UnconditionedLstmDecoderTests"/>,
/// <see cref="UnconditionedGruDecoderTests"/>): forward held to the cell's reference on odd shapes (one step, H past a
/// vector and its tail, batches of one group and of several), backward through time to central finite differences, the
/// written-over gradients to the added ones, any thread count to the same bits, and the spec's shapes. Each cell's class
/// gives its spec and reference and a wrong backward the gradient check must catch; xUnit runs these tests once under each.
/// </summary>
public abstract class UnconditionedDecoderTests<TLayer> where TLayer : Layer
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

    /// <summary>The name the layer is built under (its parameters' names start with it).</summary>
    protected abstract string LayerName { get; }

    /// <summary>The decoder's spec: <paramref name="steps"/> steps of <paramref name="units"/> hidden units.</summary>
    protected abstract LayerSpec Spec(int steps, int units);

    /// <summary>Every hidden state [T, H] started from one row's code [K], in double precision from the cell's equations and the layer's parameters.</summary>
    protected abstract double[] ReferenceHiddenStates(ReadOnlySpan<float> code, int steps, int units, TLayer layer);

    /// <summary>A built layer with its initialization, then every bias and weight nudged so no value is special.</summary>
    protected TLayer Build(int code, int steps, int units, SeededRandom random, out ParameterStore store)
    {
        var spec = Spec(steps, units);
        var input = new TensorShape(code);
        return RecurrentLayerHarness.Nudged((TLayer)spec.Build(TestContexts.Build(LayerName, input, spec.InferOutputShape(input))), random, out store);
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
        Assert.Equal(new TensorShape(9, 4), Spec(9, 4).InferOutputShape(new TensorShape(3)));
        Assert.Contains("flat code", Assert.Throws<ArgumentException>(() => Spec(9, 4).InferOutputShape(new TensorShape(9, 2))).Message);
        Assert.Throws<ArgumentException>(() => Spec(0, 4).InferOutputShape(new TensorShape(3)));
        Assert.Throws<ArgumentException>(() => Spec(9, 0).InferOutputShape(new TensorShape(3)));
    }
}
