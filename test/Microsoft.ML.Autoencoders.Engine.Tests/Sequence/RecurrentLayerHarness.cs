using Microsoft.ML.Autoencoders.Engine.Tests.Convolution;
using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Tensors;

namespace Microsoft.ML.Autoencoders.Engine.Tests.Sequence;

/// <summary>
/// A recurrent layer under test with a batch of inputs, and the checks every recurrent layer's tests run on it (LSTM, GRU
/// and their unconditioned decoders): forward against a reference, backward through an objective for finite differences,
/// written-over gradients against added ones, and one thread against two.
/// </summary>
internal sealed class RecurrentLayerHarness(Layer layer, ParameterStore store, int batch, float[] x)
{
    private static readonly LayerContext Context = new(Training: true, Threads: 1);

    public Layer Layer { get; } = layer;

    public ParameterStore Store { get; } = store;

    public int Batch { get; } = batch;

    /// <summary>The inputs [batch, InputSize]; finite differences nudge them in place.</summary>
    public float[] X { get; } = x;

    /// <summary>
    /// Asserts every row's output within 2e-6 of <paramref name="expectedRow"/>(n), from a scratch full of NaNs: forward must
    /// write everything it reads.
    /// </summary>
    public void AssertForwardMatches(Func<int, double[]> expectedRow)
    {
        float[] y = new float[Batch * Layer.OutputSize];
        Layer.Forward(X, y, Enumerable.Repeat(float.NaN, Batch * Layer.ScratchSizePerSample).ToArray(), Batch, Context);
        for (int n = 0; n < Batch; n++)
        {
            double[] expected = expectedRow(n);
            for (int i = 0; i < expected.Length; i++)
            {
                float actual = y[n * Layer.OutputSize + i];
                Assert.True(Math.Abs(actual - expected[i]) <= 2e-6, $"row {n} value {i}: {actual} vs {expected[i]}");
            }
        }
    }

    /// <summary>
    /// The objective Σ coefficients ⊙ y, for finite differences: after one forward and backward from zero gradients,
    /// the layer's parameter gradients and the returned dx are its analytic gradient; <paramref name="scratch"/> holds the
    /// forward pass's scratch.
    /// </summary>
    public Func<double> BackwardOfWeightedSum(float[] coefficients, out float[] dx, out float[] scratch) =>
        GradientCheck.WeightedSumBackward(Layer, Store, X, coefficients, Batch, Context, out dx, out scratch);

    /// <summary>A backward that writes over the gradients (NaNs before) gives the bits of one that adds to zeros.</summary>
    public void AssertWrittenOverEqualsAdded(float[] dy)
    {
        float[] y = new float[Batch * Layer.OutputSize], scratch = new float[Batch * Layer.ScratchSizePerSample];
        Layer.Forward(X, y, scratch, Batch, Context);

        float[] added = new float[X.Length];
        Store.ZeroGradients();
        Layer.Backward(X, y, dy, added, scratch, Batch, Context);
        float[] addedGradients = Store.Gradients.ToArray();

        float[] written = Enumerable.Repeat(float.NaN, X.Length).ToArray();
        Store.Gradients.AsSpan().Fill(float.NaN);
        Layer.Backward(X, y, dy, written, scratch, Batch, Context with { OverwriteInputGradient = true, OverwriteParameterGradients = true });
        Assert.Equal(added, written);
        Assert.Equal(addedGradients, Store.Gradients);
    }

    /// <summary>Forward and backward on two threads give the bits of one: y, dx and every parameter gradient.</summary>
    public void AssertTwoThreadsGiveTheBitsOfOne(float[] dy)
    {
        (float[] Y, float[] Dx, float[] Gradients) Run(int threads)
        {
            var context = new LayerContext(Training: true, Threads: threads);
            float[] y = new float[Batch * Layer.OutputSize], dx = new float[X.Length], scratch = new float[Batch * Layer.ScratchSizePerSample];
            Store.ZeroGradients();
            Layer.Forward(X, y, scratch, Batch, context);
            Layer.Backward(X, y, dy, dx, scratch, Batch, context);
            return (y, dx, Store.Gradients.ToArray());
        }

        var one = Run(1);
        var two = Run(2);
        Assert.Equal(one.Y, two.Y);
        Assert.Equal(one.Dx, two.Dx);
        Assert.Equal(one.Gradients, two.Gradients);
    }

    /// <summary>A built layer initialized as it would be, then every bias and weight nudged so no value is special.</summary>
    public static TLayer Nudged<TLayer>(TLayer layer, SeededRandom random, out ParameterStore store) where TLayer : Layer
    {
        store = new ParameterStore(layer.Parameters);
        layer.Initialize(random);
        var values = store.Values;
        for (int i = 0; i < values.Length; i++) values[i] += random.NextFloat(-0.3f, 0.3f);
        return layer;
    }
}
