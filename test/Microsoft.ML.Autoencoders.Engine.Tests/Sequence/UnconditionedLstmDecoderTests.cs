using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Specs;

namespace Microsoft.ML.Autoencoders.Engine.Tests.Sequence;

/// <summary>
/// The sequence-to-sequence decoder: forward held to a plain loop over its equations on odd shapes (one step, H past a
/// vector and its tail, batches of one group and of several), backward through time to central finite differences (and a
/// backward that forgets the starting state is caught), the written-over gradients to the added ones, and any thread count
/// to the same bits; the checks every decoder shares are <see cref="UnconditionedDecoderTests{TLayer}"/>'s.
/// </summary>
public class UnconditionedLstmDecoderTests : UnconditionedDecoderTests<UnconditionedLstmDecoder>
{
    protected override string LayerName => "decoder";

    protected override LayerSpec Spec(int steps, int units) => new UnconditionedLstmDecoderSpec(steps, units);

    /// <summary>
    /// The decoder written straight from its equations in double precision: the starting states from the code, then the
    /// LSTM with no input (<see cref="LstmReference"/>, F = 0) from them.
    /// </summary>
    protected override double[] ReferenceHiddenStates(ReadOnlySpan<float> code, int steps, int units, UnconditionedLstmDecoder layer)
    {
        ReadOnlySpan<float> stateWeights = layer.StateWeights.Values, stateBias = layer.StateBias.Values;
        var h = new double[units];
        var c = new double[units];
        for (int j = 0; j < 2 * units; j++)
        {
            double sum = stateBias[j];
            for (int k = 0; k < code.Length; k++) sum += stateWeights[k * 2 * units + j] * (double)code[k];
            if (j < units) h[j] = Math.Tanh(sum);
            else c[j - units] = sum;
        }
        return LstmReference.HiddenStates([], steps, 0, units, [], layer.RecurrentWeights.Values, layer.Bias.Values, h, c);
    }

    [Fact]
    public void Gradients_WithoutTheStartingCell_AreRejected()
    {
        // The finite-difference check can fail: the code's gradient reaches it through h_{−1} and c_{−1}; a backward that
        // dropped the cell's half (W_s' last H columns) must be far from the numbers.
        var random = new SeededRandom(17);
        const int Code = 3, Steps = 4, Units = 3, Batch = 2;
        var layer = Build(Code, Steps, Units, random, out var store);
        float[] x = TestData.Uniform(random, Batch * Code, -1.5f, 1.5f);
        float[] coefficients = TestData.Uniform(random, Batch * layer.OutputSize, -1f, 1f);
        var objective = new RecurrentLayerHarness(layer, store, Batch, x).BackwardOfWeightedSum(coefficients, out _, out _);
        double[] numerical = GradientCheck.Numerical(store.Values, layer.StateWeights.Offset, layer.StateWeights.Length, objective);
        float[] truncated = layer.StateWeights.Gradients.ToArray();
        for (int k = 0; k < Code; k++) Array.Clear(truncated, k * 2 * Units + Units, Units);
        Assert.Null(GradientCheck.Mismatch(layer.StateWeights.Gradients.ToArray(), numerical, 2e-4));
        Assert.NotNull(GradientCheck.Mismatch(truncated, numerical, 2e-4));
    }
}
