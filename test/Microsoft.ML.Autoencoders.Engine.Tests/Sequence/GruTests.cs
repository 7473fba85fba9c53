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
        return RecurrentLayerHarness.Nudged((Gru)spec.Build(TestContexts.Build("gru", input, spec.InferOutputShape(input))), random, out store);
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
            double[] states = GruReference.HiddenStates(x.AsSpan(n * steps * features, steps * features), steps, features, units,
                layer.InputWeights.Values, layer.RecurrentWeights.Values, layer.InputBias.Values, layer.RecurrentBias.Values);
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
        const double Tolerance = 2e-4;
        // A step of 4e-3 rather than the usual 1e-3: with 8 rows of 6 steps the float forward pass leaves up to 4e-4 of noise
        // in W_hh's quotients at 1e-3 (measured: one value −0.00268 at 1e-3, −0.002338 at 4e-3, −0.0023327 at 3e-2, the
        // analytic −0.0023320), the same cure as the whole-network check in SequenceArchitectureTests.
        const float Step = 4e-3f;
        foreach (var parameter in layer.Parameters)
        {
            // One step starts from h = 0, so W_hh cannot matter: its gradient must be exactly zero.
            if (steps == 1 && parameter == layer.RecurrentWeights) Assert.All(parameter.Gradients.ToArray(), g => Assert.Equal(0f, g));
            else GradientCheck.AssertMatches(parameter.Name, parameter.Gradients, GradientCheck.Numerical(store.Values, parameter.Offset, parameter.Length, objective, Step), Tolerance);
        }
        GradientCheck.AssertMatches("dx", dx, GradientCheck.Numerical(x, 0, x.Length, objective, Step), Tolerance);
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
        var objective = new RecurrentLayerHarness(layer, store, Batch, x).BackwardOfWeightedSum(coefficients, out _, out _);
        double[] numerical = GradientCheck.Numerical(store.Values, layer.RecurrentBias.Offset, layer.RecurrentBias.Length, objective);
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
        var layer = Build(Steps, Features, Units, returnSequences, random, out var store);
        float[] x = TestData.Uniform(random, Batch * Steps * Features, -1f, 1f), dy = TestData.Uniform(random, Batch * layer.OutputSize, -1f, 1f);
        new RecurrentLayerHarness(layer, store, Batch, x).AssertTwoThreadsGiveTheBitsOfOne(dy);
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
