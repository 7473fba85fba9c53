using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Specs;
using Microsoft.ML.Autoencoders.Engine.Tensors;

namespace Microsoft.ML.Autoencoders.Engine.Tests.Sequence;

/// <summary>
/// The GRU layer: forward held to a plain loop over its equations (linear_before_reset = 1) on odd shapes, backward
/// through time to central finite differences (and a backward that drops the reset gate's part of the candidate is
/// caught), the written-over gradients to the added ones, and any thread count to the same bits; the checks every
/// recurrent layer shares are <see cref="RecurrentLayerTests{TLayer}"/>'s.
/// </summary>
public class GruTests : RecurrentLayerTests<Gru>
{
    protected override string LayerName => "gru";

    protected override LayerSpec Spec(int units) => new GruSpec(units);

    protected override LayerSpec Spec(int units, bool returnSequences) => new GruSpec(units, returnSequences);

    protected override double[] ReferenceHiddenStates(Gru layer, ReadOnlySpan<float> row, int steps, int features, int units) =>
        GruReference.HiddenStates(row, steps, features, units,
            layer.InputWeights.Values, layer.RecurrentWeights.Values, layer.InputBias.Values, layer.RecurrentBias.Values);

    protected override void AssertGradientsMatchFiniteDifferences(Gru layer, ParameterStore store, float[] x, float[] dx, Func<double> objective, int steps)
    {
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
}
