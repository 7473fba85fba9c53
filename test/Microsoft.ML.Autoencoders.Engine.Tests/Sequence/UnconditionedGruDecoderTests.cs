using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Specs;

namespace Microsoft.ML.Autoencoders.Engine.Tests.Sequence;

/// <summary>
/// The sequence-to-sequence decoder with a GRU cell: forward held to a plain loop over its equations on odd shapes (one
/// step, H past a vector and its tail, batches of one group and of several), backward through time to central finite
/// differences (and a backward that forgets the starting state's tanh is caught), the written-over gradients to the added
/// ones, and any thread count to the same bits; the checks every decoder shares are
/// <see cref="UnconditionedDecoderTests{TLayer}"/>'s.
/// </summary>
public class UnconditionedGruDecoderTests : UnconditionedDecoderTests<UnconditionedGruDecoder>
{
    protected override string LayerName => "gru_decoder";

    protected override LayerSpec Spec(int steps, int units) => new UnconditionedGruDecoderSpec(steps, units);

    /// <summary>
    /// The decoder written straight from its equations in double precision: the starting state from the code, then the GRU
    /// with no input (<see cref="GruReference"/>, F = 0: the input side is b_ih) from it.
    /// </summary>
    protected override double[] ReferenceHiddenStates(ReadOnlySpan<float> code, int steps, int units, UnconditionedGruDecoder layer)
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

    [Fact]
    public void Gradients_WithoutTheStartingStatesTanh_AreRejected()
    {
        // The finite-difference check can fail: the code reaches the steps through h_{−1} = tanh(·); a backward that forgot
        // the tanh's derivative would give W_s a gradient off by the factor 1 − h_{−1}², which must be far from the numbers.
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
}
