using Microsoft.ML.Autoencoders.Engine.Tests.Convolution;
using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Specs;
using Microsoft.ML.Autoencoders.Engine.Tensors;

namespace Microsoft.ML.Autoencoders.Engine.Tests.Sequence;

/// <summary>
/// The LSTM layer: forward held to <see cref="LstmReference"/> on odd shapes (odd T, F and H, one step, H past a vector
/// and its tail, batches of one group and of several), backward through time to central finite differences, the
/// written-over gradients to the added ones, any thread count to the same bits, and Keras' initialization; the checks
/// every recurrent layer shares are <see cref="RecurrentLayerTests{TLayer}"/>'s.
/// </summary>
public class LstmTests : RecurrentLayerTests<Lstm>
{
    protected override string LayerName => "lstm";

    protected override LayerSpec Spec(int units) => new LstmSpec(units);

    protected override LayerSpec Spec(int units, bool returnSequences) => new LstmSpec(units, returnSequences);

    protected override double[] ReferenceHiddenStates(Lstm layer, ReadOnlySpan<float> row, int steps, int features, int units) =>
        LstmReference.HiddenStates(row, steps, features, units, layer.InputWeights.Values, layer.RecurrentWeights.Values, layer.Bias.Values);

    protected override void AssertGradientsMatchFiniteDifferences(Lstm layer, ParameterStore store, float[] x, float[] dx, Func<double> objective, int steps)
    {
        const double Tolerance = 2e-4;
        GradientCheck.AssertMatches("dW_ih", layer.InputWeights.Gradients, GradientCheck.Numerical(store.Values, layer.InputWeights.Offset, layer.InputWeights.Length, objective), Tolerance);
        // One step starts from h = 0, so W_hh cannot matter: its gradient must be exactly zero.
        if (steps == 1) Assert.All(layer.RecurrentWeights.Gradients.ToArray(), g => Assert.Equal(0f, g));
        else GradientCheck.AssertMatches("dW_hh", layer.RecurrentWeights.Gradients, GradientCheck.Numerical(store.Values, layer.RecurrentWeights.Offset, layer.RecurrentWeights.Length, objective), Tolerance);
        GradientCheck.AssertMatches("db", layer.Bias.Gradients, GradientCheck.Numerical(store.Values, layer.Bias.Offset, layer.Bias.Length, objective), Tolerance);
        GradientCheck.AssertMatches("dx", dx, GradientCheck.Numerical(x, 0, x.Length, objective), Tolerance);
    }

    [Fact]
    public void Gradients_WrongByAStep_AreRejected()
    {
        // The check above can fail: a backward that drops the recurrent path (dh_{t−1} = 0) must be far from the numbers.
        var random = new SeededRandom(17);
        const int Steps = 4, Features = 2, Units = 3, Batch = 2;
        var layer = Build(Steps, Features, Units, false, random, out var store);
        float[] x = TestData.Uniform(random, Batch * Steps * Features, -1.5f, 1.5f);
        float[] coefficients = TestData.Uniform(random, Batch * Units, -1f, 1f);
        var objective = new RecurrentLayerHarness(layer, store, Batch, x).BackwardOfWeightedSum(coefficients, out float[] dx, out _);
        double[] numerical = GradientCheck.Numerical(x, 0, x.Length, objective);
        // Only the last step's inputs reach y without the recurrence: zero every earlier step's analytic gradient.
        float[] truncated = (float[])dx.Clone();
        for (int n = 0; n < Batch; n++) Array.Clear(truncated, n * Steps * Features, (Steps - 1) * Features);
        Assert.Null(GradientCheck.Mismatch(dx, numerical, 2e-4));
        Assert.NotNull(GradientCheck.Mismatch(truncated, numerical, 2e-4));
    }

    [Fact]
    public void Initialization_IsKeras()
    {
        const int Features = 3, Units = 10;
        var spec = new LstmSpec(Units);
        var input = new TensorShape(8, Features);
        var layer = (Lstm)spec.Build(TestContexts.Build("lstm", input, spec.InferOutputShape(input)));
        _ = new ParameterStore(layer.Parameters);
        layer.Initialize(new SeededRandom(29));

        float limit = MathF.Sqrt(6f / (Features + 4 * Units));
        Assert.All(layer.InputWeights.Values.ToArray(), w => Assert.InRange(w, -limit, limit));
        Assert.Contains(layer.InputWeights.Values.ToArray(), w => Math.Abs(w) > limit / 2);
        // W_hh [H, 4H] has orthonormal rows: W_hh·W_hhᵀ = I.
        ReadOnlySpan<float> r = layer.RecurrentWeights.Values;
        for (int a = 0; a < Units; a++)
        for (int b = 0; b < Units; b++)
        {
            double dot = 0;
            for (int column = 0; column < 4 * Units; column++) dot += (double)r[a * 4 * Units + column] * r[b * 4 * Units + column];
            Assert.True(Math.Abs(dot - (a == b ? 1 : 0)) < 1e-5, $"row {a}·row {b} = {dot}");
        }
        // Biases: 0 but the forget gate's block (the third), which starts at 1.
        float[] bias = layer.Bias.Values.ToArray();
        Assert.Equal(Enumerable.Repeat(0f, 2 * Units).Concat(Enumerable.Repeat(1f, Units)).Concat(Enumerable.Repeat(0f, Units)), bias);
    }
}
