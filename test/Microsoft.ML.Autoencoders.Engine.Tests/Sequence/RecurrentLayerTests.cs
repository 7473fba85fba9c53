using Microsoft.ML.Autoencoders.Engine.Tests.Convolution;
using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Specs;
using Microsoft.ML.Autoencoders.Engine.Tensors;

namespace Microsoft.ML.Autoencoders.Engine.Tests.Sequence;

/// <summary>
/// What a recurrent layer's tests check the same way whatever its cell (<see cref="LstmTests"/>, <see cref="GruTests"/>):
/// forward held to the cell's reference and backward through time to central finite differences on odd shapes (odd T, F
/// and H, one step, H past a vector and its tail, batches of one group and of several), the written-over gradients to the
/// added ones, any thread count to the same bits, and the spec's shapes. Each cell's class gives its spec, its reference
/// and how its gradients are compared, and adds a wrong backward that comparison must catch; xUnit runs these tests once
/// under each of them.
/// </summary>
public abstract class RecurrentLayerTests<TLayer> where TLayer : Layer
{
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

    /// <summary>The name the layer is built under (its parameters' names start with it).</summary>
    protected abstract string LayerName { get; }

    /// <summary>The cell's spec as a user writes it with its defaults (the last hidden state only).</summary>
    protected abstract LayerSpec Spec(int units);

    /// <summary>The cell's spec, every hidden state or the last one.</summary>
    protected abstract LayerSpec Spec(int units, bool returnSequences);

    /// <summary>Every hidden state [T, H] of one row [T, F], in double precision from the cell's equations and the layer's parameters.</summary>
    protected abstract double[] ReferenceHiddenStates(TLayer layer, ReadOnlySpan<float> row, int steps, int features, int units);

    /// <summary>
    /// Asserts the analytic gradients — <paramref name="layer"/>'s parameter gradients and <paramref name="dx"/> — against
    /// central finite differences of <paramref name="objective"/> over the parameters in <paramref name="store"/> and the
    /// inputs <paramref name="x"/>; the cell picks the step, tolerance and which gradient must be exactly zero.
    /// </summary>
    protected abstract void AssertGradientsMatchFiniteDifferences(TLayer layer, ParameterStore store, float[] x, float[] dx, Func<double> objective, int steps);

    /// <summary>A built layer with its initialization, then every bias and weight nudged so no value is special.</summary>
    protected TLayer Build(int steps, int features, int units, bool returnSequences, SeededRandom random, out ParameterStore store)
    {
        var spec = Spec(units, returnSequences);
        var input = new TensorShape(steps, features);
        return RecurrentLayerHarness.Nudged((TLayer)spec.Build(TestContexts.Build(LayerName, input, spec.InferOutputShape(input))), random, out store);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Forward_MatchesTheEquations(int steps, int features, int units, bool returnSequences, int batch)
    {
        var random = new SeededRandom(11);
        var layer = Build(steps, features, units, returnSequences, random, out var store);
        float[] x = TestData.Uniform(random, batch * steps * features, -1.5f, 1.5f);
        new RecurrentLayerHarness(layer, store, batch, x).AssertForwardMatches(n =>
        {
            double[] states = ReferenceHiddenStates(layer, x.AsSpan(n * steps * features, steps * features), steps, features, units);
            return returnSequences ? states : states[((steps - 1) * units)..];
        });
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
        var objective = new RecurrentLayerHarness(layer, store, batch, x).BackwardOfWeightedSum(coefficients, out float[] dx, out _);
        AssertGradientsMatchFiniteDifferences(layer, store, x, dx, objective, steps);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void BackwardThatWritesOver_EqualsAddingToZeros(bool returnSequences)
    {
        var random = new SeededRandom(19);
        const int Steps = 5, Features = 3, Units = 6, Batch = 3;
        var layer = Build(Steps, Features, Units, returnSequences, random, out var store);
        float[] x = TestData.Uniform(random, Batch * Steps * Features, -1f, 1f), dy = TestData.Uniform(random, Batch * layer.OutputSize, -1f, 1f);
        new RecurrentLayerHarness(layer, store, Batch, x).AssertWrittenOverEqualsAdded(dy);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void TwoThreads_GiveTheBitsOfOne(bool returnSequences)
    {
        // 100 rows make seven groups of the recurrence; the products over all steps split by the GEMM's own rules.
        var random = new SeededRandom(23);
        const int Steps = 7, Features = 3, Units = 24, Batch = 100;
        Assert.Equal(7, RecurrentRowGroups.GroupCount(Batch));
        var layer = Build(Steps, Features, Units, returnSequences, random, out var store);
        float[] x = TestData.Uniform(random, Batch * Steps * Features, -1f, 1f), dy = TestData.Uniform(random, Batch * layer.OutputSize, -1f, 1f);
        new RecurrentLayerHarness(layer, store, Batch, x).AssertTwoThreadsGiveTheBitsOfOne(dy);
    }

    [Fact]
    public void Spec_GivesTheShapesAndRefusesFlatRows()
    {
        Assert.Equal(new TensorShape(9, 4), Spec(4, returnSequences: true).InferOutputShape(new TensorShape(9, 2)));
        Assert.Equal(new TensorShape(4), Spec(4).InferOutputShape(new TensorShape(9, 2)));
        Assert.Contains("[steps, features]", Assert.Throws<ArgumentException>(() => Spec(4).InferOutputShape(new TensorShape(18))).Message);
        Assert.Throws<ArgumentException>(() => Spec(0).InferOutputShape(new TensorShape(9, 2)));
    }
}
