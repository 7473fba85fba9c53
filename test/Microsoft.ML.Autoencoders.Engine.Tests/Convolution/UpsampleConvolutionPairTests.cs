using Microsoft.ML.Autoencoders.Engine.Kernels;
using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Autoencoders.Engine.Specs;
using Microsoft.ML.Autoencoders.Engine.Tensors;

namespace Microsoft.ML.Autoencoders.Engine.Tests.Convolution;

/// <summary>
/// An upsampling under a direct convolution and the convolution run as a pair: forward, the convolution has the
/// upsampling write each image's planes straight into its zero-padded input (<see cref="Layer.TryForwardFromLayerBelow"/>);
/// backward, it hands each image's input gradient to the upsampling while it is in cache
/// (<see cref="Layer.CanHandInputGradientsTo"/>). The slot between the two is never written, values or gradients, and the
/// network must give the numbers it gives with the layers run apart, bit for bit.
/// </summary>
public class UpsampleConvolutionPairTests
{
    public static TheoryData<int, int, int, int, int> Shapes => new()
    {
        // channels, height, width, scale, threads
        { 3, 5, 7, 2, 1 },   // a 14-wide output: a scalar row, odd sizes
        { 2, 6, 9, 2, 2 },   // 18 wide: whole vectors and an overlapping ragged end
        { 4, 4, 16, 2, 2 },  // two whole vectors a row
        { 2, 3, 4, 3, 1 },   // another scale
        { 1, 4, 8, 2, 2 },   // exactly one vector a row
    };

    /// <summary>
    /// Up(s) → Conv → ReLU → Pool(s) → Up(2) → Conv → Tanh (no fused form: the convolution runs alone) → Up(2) → Conv →
    /// Sigmoid → Pool(4), against the same network with the upsampled slots kept written, which runs every layer apart.
    /// </summary>
    [Theory]
    [MemberData(nameof(Shapes))]
    public void FusedUpsampling_GivesTheNumbersOfTheLayersApart(int channels, int height, int width, int scale, int threads)
    {
        const int Batch = 7;
        var spec = NetworkSpec.Create(new TensorShape(channels, height, width),
            [new Upsample2dSpec(scale), new Conv2dSpec(3, 3), new ActivationSpec(Activation.Relu), new MaxPool2dSpec(scale)],
            [new Upsample2dSpec(2), new Conv2dSpec(2, 3), new ActivationSpec(Activation.Tanh),
             new Upsample2dSpec(2), new Conv2dSpec(channels, 3), new ActivationSpec(Activation.Sigmoid), new MaxPool2dSpec(4)]);
        var probe = AutoencoderNetwork.Create(spec, seed: 3);
        float[] input = TestData.Uniform(new SeededRandom(4), Batch * probe.Layers.InputSize, -1f, 1f);
        float[] dy = TestData.Uniform(new SeededRandom(5), Batch * probe.Layers.OutputSize, -1f, 1f);
        int[] upsampled = [.. probe.Layers.Layers.Select((layer, i) => (layer, i)).Where(p => p.layer is Upsample2d).Select(p => p.i + 1)];
        Assert.Equal(3, upsampled.Length);
        Assert.All(upsampled, slot => Assert.True(probe.Layers.Layers[slot] is Conv2d { IsDirect: true }));

        var fused = Run(spec, input, dy, Batch, threads, keepUpsampledSlots: null);
        var apart = Run(spec, input, dy, Batch, threads, keepUpsampledSlots: upsampled);

        Assert.Equal(apart.Output, fused.Output);
        Assert.Equal(apart.Parameters, fused.Parameters);
        Assert.Equal(apart.InputGradient, fused.InputGradient);
        Assert.Contains(fused.Parameters, g => g != 0f);
        // The fused pass really skipped the upsampled slots: they still hold the NaNs put there before it.
        foreach (int slot in upsampled)
        {
            Assert.All(fused.Slots[slot], v => Assert.True(float.IsNaN(v), $"slot {slot} was written"));
            Assert.DoesNotContain(apart.Slots[slot], float.IsNaN);
        }
    }

    /// <summary>
    /// Backward, each convolution above an upsampling hands its images' input gradients to it, and the upsampling's
    /// input gradient is formed from them in cache (<see cref="Layer.CanHandInputGradientsTo"/>); the gradient slot between
    /// them is never written. Against the accumulating pass, which runs every layer apart: the same bits, from the output
    /// (the convolutions under activations) and from under the last activation (a convolution on its own, as the training
    /// step starts for a loss on logits).
    /// </summary>
    [Theory]
    [MemberData(nameof(Shapes))]
    public void HandedDownGradients_GiveTheNumbersOfTheLayersApart(int channels, int height, int width, int scale, int threads)
    {
        const int Batch = 6;
        var spec = NetworkSpec.Create(new TensorShape(channels, height, width),
            [new Upsample2dSpec(scale), new Conv2dSpec(3, 3), new ActivationSpec(Activation.Relu), new MaxPool2dSpec(scale)],
            [new Upsample2dSpec(2), new Conv2dSpec(2, 3), new ActivationSpec(Activation.Tanh),
             new Upsample2dSpec(2), new Conv2dSpec(channels, 3), new ActivationSpec(Activation.Sigmoid), new MaxPool2dSpec(4)]);
        var network = AutoencoderNetwork.Create(spec, seed: 8);
        var sequence = network.Layers;
        int count = sequence.Layers.Count;
        int[] between = [.. Enumerable.Range(1, count - 1).Where(slot => sequence.Layers[slot] is Conv2d && sequence.Layers[slot - 1] is Upsample2d)];
        Assert.Equal(3, between.Length);
        var cache = network.CreateCache(Batch, forTraining: true);
        TestData.Uniform(new SeededRandom(9), Batch * sequence.InputSize, -1f, 1f).CopyTo(network.Input(cache, Batch));
        var context = new LayerContext(Training: true, Threads: threads);
        network.Forward(cache, Batch, context);
        // From the output, and from under the last sigmoid (the slot the last convolution writes).
        foreach (int from in new[] { count, count - 2 })
        {
            float[] dy = TestData.Uniform(new SeededRandom(10 + from), Batch * sequence.Layers[from - 1].OutputSize, -1f, 1f);
            (float[] Parameters, float[] InputGradient, float[][] Slots) Backward(bool handDown)
            {
                if (handDown) for (int slot = 0; slot < from; slot++) cache.Gradients(slot, Batch).Fill(float.NaN);
                else cache.ZeroGradients();
                network.Parameters.ZeroGradients();
                dy.CopyTo(cache.Gradients(from, Batch));
                sequence.Backward(cache, Batch, context, from, needInputGradient: true, overwriteGradients: handDown);
                return (network.Parameters.Gradients.ToArray(), cache.Gradients(0, Batch).ToArray(),
                    [.. Enumerable.Range(0, count + 1).Select(slot => cache.Gradients(slot, Batch).ToArray())]);
            }

            var apart = Backward(handDown: false);
            var handed = Backward(handDown: true);
            Assert.Equal(apart.Parameters, handed.Parameters);
            Assert.Equal(apart.InputGradient, handed.InputGradient);
            Assert.Contains(handed.Parameters, g => g != 0f);
            foreach (int slot in between.Where(slot => slot < from))
                Assert.All(handed.Slots[slot], v => Assert.True(float.IsNaN(v), $"gradient slot {slot} was written (backward from {from})"));
        }
    }

    /// <summary>The planes the upsampling writes are those the convolution copies from its output, zeros and all.</summary>
    [Theory]
    [MemberData(nameof(Shapes))]
    public unsafe void WrittenPlanes_EqualTheCopyOfTheOutput(int channels, int height, int width, int scale, int threads)
    {
        _ = threads;
        var layer = new Upsample2d(channels, height, width, scale);
        int outHeight = height * scale, outWidth = width * scale;
        Assert.True(layer.CanWritePaddedPlanes(channels, outHeight, outWidth));
        Assert.False(layer.CanWritePaddedPlanes(channels, outHeight, outWidth + 1));
        Assert.False(layer.CanWritePaddedPlanes(channels + 1, outHeight, outWidth));
        float[] x = TestData.Uniform(new SeededRandom(6), layer.InputSize, -1f, 1f);
        float[] y = new float[layer.OutputSize];
        layer.Forward(x, y, Span<float>.Empty, 1, LayerContext.Inference(1));
        foreach (var (top, left, extra) in new[] { (1, 1, 1), (0, 0, 0), (2, 1, 2) })
        {
            int paddedHeight = outHeight + top + extra;
            int rowStride = DirectConvolution.RowStride(outWidth + left + extra, outWidth, 3);
            var planes = new PaddedPlanes(channels, outHeight, outWidth, paddedHeight, rowStride, top, left);
            float[] expected = new float[channels * planes.PlaneSize], actual = new float[expected.Length];
            Array.Fill(expected, float.NaN);
            Array.Fill(actual, float.NaN);
            fixed (float* py = y)
            fixed (float* pe = expected)
            fixed (float* pa = actual)
            fixed (float* px = x)
            {
                DirectConvolution.CopyIntoPadded(py, channels, outHeight, outWidth, pe, paddedHeight, rowStride, top, left);
                layer.WritePaddedPlanes(px, pa, planes);
            }
            Assert.Equal(expected, actual);
        }
    }

    /// <summary>
    /// The Keras-blog decoder's 4×4 → 8×8 upsampling under an 8→8 convolution: on the 512-bit path that convolution lays
    /// its narrow planes flat (<see cref="DirectConvolution.FlatPlanesApply"/>), with its own input copy and dx, so the pair
    /// runs apart there; the network gives the same bits either way, on 1 and 2 threads.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void UpsamplingUnderAFlatPlaneConvolution_RunsApart(int threads)
    {
        const int Batch = 9;
        var spec = NetworkSpec.Create(new TensorShape(8, 4, 4),
            [new Conv2dSpec(8, 3), new ActivationSpec(Activation.Relu)],
            [new Upsample2dSpec(2), new Conv2dSpec(8, 3), new ActivationSpec(Activation.Relu), new MaxPool2dSpec(2)]);
        var probe = AutoencoderNetwork.Create(spec, seed: 3);
        int upsampled = probe.Layers.Layers.Select((layer, i) => (layer, i)).Single(p => p.layer is Upsample2d).i + 1;
        bool flat = ((Conv2d)probe.Layers.Layers[upsampled]).UsesFlatPlanes;
        float[] input = TestData.Uniform(new SeededRandom(11), Batch * probe.Layers.InputSize, -1f, 1f);
        float[] dy = TestData.Uniform(new SeededRandom(12), Batch * probe.Layers.OutputSize, -1f, 1f);

        var fused = Run(spec, input, dy, Batch, threads, keepUpsampledSlots: null);
        var apart = Run(spec, input, dy, Batch, threads, keepUpsampledSlots: [upsampled]);

        Assert.Equal(apart.Output, fused.Output);
        Assert.Equal(apart.Parameters, fused.Parameters);
        Assert.Equal(apart.InputGradient, fused.InputGradient);
        Assert.Contains(fused.Parameters, g => g != 0f);
        // On flat planes the pair runs apart, so the upsampled slot is written; elsewhere it is skipped as in the fused tests.
        if (flat) Assert.DoesNotContain(fused.Slots[upsampled], float.IsNaN);
        else Assert.All(fused.Slots[upsampled], v => Assert.True(float.IsNaN(v)));
    }

    private static (float[] Output, float[] Parameters, float[] InputGradient, float[][] Slots) Run(NetworkSpec spec, float[] input, float[] dy, int batch,
        int threads, int[]? keepUpsampledSlots)
    {
        var network = AutoencoderNetwork.Create(spec, seed: 3);
        foreach (int slot in keepUpsampledSlots ?? []) network.Layers.KeepSlotWritten(slot);
        var layers = network.Layers.Layers;
        var cache = network.CreateCache(batch, forTraining: true);
        for (int slot = 1; slot <= layers.Count; slot++) cache.Values(slot, batch).Fill(float.NaN);
        input.CopyTo(network.Input(cache, batch));
        var context = new LayerContext(Training: true, Threads: threads);
        network.Forward(cache, batch, context);
        network.Parameters.ZeroGradients();
        dy.CopyTo(cache.Gradients(layers.Count, batch));
        network.Layers.Backward(cache, batch, context, needInputGradient: true, overwriteGradients: true);
        float[][] slots = [.. Enumerable.Range(0, layers.Count + 1).Select(s => cache.Values(s, batch).ToArray())];
        return (network.Reconstruction(cache, batch).ToArray(), network.Parameters.Gradients.ToArray(), cache.Gradients(0, batch).ToArray(), slots);
    }
}
