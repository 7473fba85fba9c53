using Microsoft.ML.Autoencoders.Engine.Kernels;
using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Specs;
using Microsoft.ML.Autoencoders.Engine.Tensors;

namespace Microsoft.ML.Autoencoders.Engine.Tests.Convolution;

/// <summary>
/// The direct convolution's backward starts with one pass that writes dy (masked by a ReLU above) into the interiors
/// of zero-padded planes and sums it into db (<see cref="DirectConvolution.FormPaddedGradient"/>). The kernel is held
/// to a plain loop on widths with and without a ragged last vector, and the layer's backward with the ReLU folded in is
/// held to the ReLU's own backward followed by the convolution's.
/// </summary>
public class PaddedGradientPlanesTests
{
    [Theory]
    // filters, height, width, top, left, extra columns in each row, masked by a ReLU
    [InlineData(3, 5, 7, 1, 1, 0, true)]
    [InlineData(2, 4, 8, 0, 0, 3, true)]
    [InlineData(4, 3, 14, 2, 1, 1, false)]
    [InlineData(1, 6, 17, 1, 2, 0, true)]
    [InlineData(5, 2, 28, 1, 1, 5, true)]
    [InlineData(2, 3, 1, 2, 2, 0, false)]
    public unsafe void WritesThePlainLoopsPlanesAndSums(int filters, int height, int width, int top, int left, int extra, bool relu)
    {
        var random = new SeededRandom(5);
        int bottom = 2, paddedHeight = top + height + bottom;
        int rowStride = left + DirectConvolution.RoundUp(width, DirectConvolution.ChunkColumns) + extra;
        float[] gradient = TestData.Uniform(random, filters * height * width, -1f, 1f);
        // A ReLU's outputs: about a third exactly zero (their gradient must go), the rest positive.
        float[] output = TestData.Uniform(random, gradient.Length, -0.5f, 1f).Select(v => Math.Max(v, 0f)).ToArray();
        float[] startingBias = TestData.Uniform(random, filters, -1f, 1f);

        // Zero borders (the layer's planes keep them from their allocation) around a stale image: every interior value
        // must be written, nothing outside it, each bias gradient added to.
        float[] padded = new float[filters * paddedHeight * rowStride];
        for (int f = 0; f < filters; f++)
        for (int y = 0; y < height; y++)
            padded.AsSpan((f * paddedHeight + top + y) * rowStride + left, width).Fill(float.NaN);
        float[] biasGradient = (float[])startingBias.Clone();
        fixed (float* pGradient = gradient)
        fixed (float* pOutput = output)
        fixed (float* pPadded = padded)
        fixed (float* pBias = biasGradient)
        {
            DirectConvolution.FormPaddedGradient(pGradient, relu ? pOutput : null, filters, height, width, pPadded, paddedHeight, rowStride, top, left, pBias);
        }

        for (int f = 0; f < filters; f++)
        {
            double sum = 0, magnitude = 0;
            for (int y = 0; y < paddedHeight; y++)
            for (int x = 0; x < rowStride; x++)
            {
                int iy = y - top, ix = x - left;
                float expected = 0f;
                if (iy >= 0 && iy < height && ix >= 0 && ix < width)
                {
                    int i = (f * height + iy) * width + ix;
                    expected = !relu || output[i] > 0 ? gradient[i] : 0f;
                    sum += expected;
                    magnitude += Math.Abs(expected);
                }
                Assert.Equal(expected, padded[(f * paddedHeight + y) * rowStride + x]);
            }
            Assert.True(Math.Abs(startingBias[f] + sum - biasGradient[f]) <= 1e-6 * (1 + magnitude), $"db[{f}]: {biasGradient[f]} vs {startingBias[f] + sum}");
        }
    }

    [Theory]
    [InlineData(1, 14, 14, 8, 2)] // the blog network's second convolution: rows of 14, one ragged vector each
    [InlineData(8, 7, 7, 8, 1)]
    [InlineData(3, 9, 19, 5, 2)]
    public void BackwardWithTheReluFoldedIn_EqualsTheTwoPassesApart(int channels, int height, int width, int filters, int threads)
    {
        var input = new TensorShape(channels, height, width);
        var spec = new Conv2dSpec(filters, 3, Initialization: WeightInitialization.XavierUniform);
        var random = new SeededRandom(23);
        var layer = (Conv2d)spec.Build(TestContexts.Build("conv", input, spec.InferOutputShape(input)));
        Assert.True(layer.IsDirect);
        var store = new ParameterStore(layer.Parameters);
        layer.Initialize(random);
        var relu = new ReluLayer(layer.OutputSize);
        const int Batch = 5;
        float[] x = TestData.Uniform(random, Batch * input.Size, -1f, 1f);
        float[] z = new float[Batch * layer.OutputSize], y = new float[z.Length], scratch = new float[Batch * layer.ScratchSizePerSample];
        var context = new LayerContext(Training: true, Threads: threads) { OverwriteInputGradient = true };
        layer.Forward(x, z, scratch, Batch, context);
        relu.Forward(z, y, [], Batch, context);
        Assert.Contains(y, v => v == 0f);
        float[] dy = TestData.Uniform(random, y.Length, -1f, 1f);

        // Apart: the ReLU's gradient into a buffer, then the convolution's backward from it.
        float[] dz = new float[z.Length], dxApart = new float[x.Length];
        relu.Backward(z, y, dy, dz, [], Batch, context);
        store.ZeroGradients();
        layer.Backward(x, z, dz, dxApart, scratch, Batch, context);
        float[] dWApart = layer.Weights.Gradients.ToArray(), dbApart = layer.Bias.Gradients.ToArray();

        float[] dxFolded = Enumerable.Repeat(float.NaN, x.Length).ToArray();
        store.ZeroGradients();
        Assert.True(layer.TryBackwardBelowActivation(x, y, dy, dxFolded, scratch, relu, Batch, context));

        // The same bits: the mask is the ReLU's own select, and both ways pad and sum the masked values the same way.
        Assert.Equal(dxApart, dxFolded);
        Assert.Equal(dWApart, layer.Weights.Gradients.ToArray());
        Assert.Equal(dbApart, layer.Bias.Gradients.ToArray());
    }
}
