using Microsoft.ML.Autoencoders.Engine.Kernels;
using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Tensors;

namespace Microsoft.ML.Autoencoders.Engine.Tests.Kernels;

/// <summary>
/// On two threads a dense layer's backward pass runs its weight gradient and its input gradient at once, one per thread
/// (<see cref="GemmPair"/>). The gradients must have the bits of the two products run one after the other.
/// </summary>
public class GemmPairTests
{
    // 64 × 300 × 200 = 3.84 M multiply-adds per product: above the bar at which pairing pays.
    private const int Batch = 64, InputSize = 300, OutputSize = 200;

    [Theory]
    [InlineData(true, true)]
    [InlineData(false, false)]
    [InlineData(true, false)]
    public void PairedGradientsHaveTheBitsOfOneAfterTheOther(bool overwriteWeights, bool overwriteInput)
    {
        if (Environment.ProcessorCount >= 2)
            Assert.True(GemmPair.Pays(2, (long)Batch * InputSize * OutputSize, (long)Batch * InputSize * OutputSize));

        var (dWOne, dbOne, dxOne) = Gradients(threads: 1, overwriteWeights, overwriteInput);
        var (dWTwo, dbTwo, dxTwo) = Gradients(threads: 2, overwriteWeights, overwriteInput);

        Assert.Equal(dWOne, dWTwo);
        Assert.Equal(dbOne, dbTwo);
        Assert.Equal(dxOne, dxTwo);
        // Written over means the NaN the buffers started with is gone; added to means the start was kept.
        Assert.All(dWTwo, v => Assert.True(float.IsFinite(v)));
        Assert.All(dxTwo, v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void SmallProductsOrOtherThreadCountsAreNotPaired()
    {
        Assert.False(GemmPair.Pays(1, 1L << 30, 1L << 30));
        Assert.False(GemmPair.Pays(2, 1L << 30, 1000));
    }

    private static (float[] WeightGradient, float[] BiasGradient, float[] InputGradient) Gradients(int threads, bool overwriteWeights, bool overwriteInput)
    {
        var random = new Random(3);
        var layer = new Dense(InputSize, OutputSize);
        var store = new ParameterStore(layer.Parameters);
        Fill(store.Values, random);
        // Buffers that are written over start as NaN, so a product that read them would show; others start from values.
        if (overwriteWeights) store.Gradients.AsSpan().Fill(float.NaN);
        else Fill(store.Gradients, random);
        float[] x = Values(random, Batch * InputSize), dy = Values(random, Batch * OutputSize);
        float[] dx = overwriteInput ? Enumerable.Repeat(float.NaN, Batch * InputSize).ToArray() : Values(random, Batch * InputSize);
        var context = new LayerContext(Training: true, Threads: threads)
        {
            OverwriteParameterGradients = overwriteWeights,
            OverwriteInputGradient = overwriteInput,
        };

        layer.Backward(x, ReadOnlySpan<float>.Empty, dy, dx, ReadOnlySpan<float>.Empty, Batch, context);
        return (layer.Weights.Gradients.ToArray(), layer.Bias.Gradients.ToArray(), dx);
    }

    private static float[] Values(Random random, int count)
    {
        var values = new float[count];
        Fill(values, random);
        return values;
    }

    private static void Fill(Span<float> values, Random random)
    {
        for (int i = 0; i < values.Length; i++) values[i] = (float)(random.NextDouble() * 2 - 1);
    }
}
