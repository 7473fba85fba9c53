using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Losses;
using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Autoencoders.Engine.Specs;
using Microsoft.ML.Autoencoders.Engine.Tensors;

namespace Microsoft.ML.Autoencoders.Engine.Tests.Convolution;

/// <summary>
/// Average pooling with PyTorch's nn.AvgPool2d semantics (count_include_pad=True): sizes and values worked out by hand for
/// padding and ceil mode, and the gradients of a network using it, chained in chunks on two threads, against central
/// differences. (Values against PyTorch itself: the torch import tests' torch_conv_avgpool fixtures.)
/// </summary>
public sealed class AvgPool2dTests
{
    [Theory]
    [InlineData(2, 0, 0, false, 7, 3)] // ⌊(7 − 2) / 2⌋ + 1
    [InlineData(2, 0, 0, true, 7, 4)]  // the last window starts at 6, inside the image
    [InlineData(3, 2, 1, false, 5, 3)] // (5 + 2 − 3) / 2 + 1
    [InlineData(3, 2, 1, true, 6, 4)]  // ⌈(6 + 2 − 3) / 2⌉ + 1 = 4: the last window starts at 5, inside the image
    [InlineData(2, 2, 1, true, 4, 3)]  // ⌈(4 + 2 − 2) / 2⌉ + 1 = 3; the last window starts at 4 − 1 = 3, inside: kept
    [InlineData(2, 2, 1, true, 3, 2)]  // ⌈(3 + 2 − 2) / 2⌉ + 1 = 3, but the last window would start at 3, in the right padding alone: 2
    public void OutputSizeIsPyTorchs(int window, int stride, int padding, bool ceil, int size, int expected)
    {
        var shape = new AvgPool2dSpec(window, stride, padding, ceil).InferOutputShape(new TensorShape(1, size, size));
        Assert.Equal(new TensorShape(1, expected, expected), shape);
    }

    [Fact]
    public void PaddingCountsInTheDivisorAndCeilOverhangDoesNot()
    {
        // A 2×6 image 1..12, window 3, stride 2, padding 1, ceil mode: 2 × 4 windows. Rows [−1, 2) and [1, 4), the second
        // clipped at H + p = 3 (divisor 2, not 3); columns [−1, 2), [1, 4), [3, 6), [5, 8) clipped at W + p = 7 (divisor 2).
        // PyTorch's nn.AvgPool2d(3, 2, 1, ceil_mode=True) gives these values.
        float[] image = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
        var spec = new AvgPool2dSpec(3, 2, 1, CeilMode: true);
        var input = new TensorShape(1, 2, 6);
        var layer = (AvgPool2d)spec.Build(new LayerBuildContext("pool", input, spec.InferOutputShape(input), null, new Dictionary<string, Layer>()));
        var y = new float[layer.OutputSize];

        layer.Forward(image, y, [], 1, new LayerContext(Training: false, Threads: 1));

        float[] expected =
        [
            (1 + 2 + 7 + 8) / 9f, (2 + 3 + 4 + 8 + 9 + 10) / 9f, (4 + 5 + 6 + 10 + 11 + 12) / 9f, (6 + 12) / 6f,
            (7 + 8) / 6f, (8 + 9 + 10) / 6f, (10 + 11 + 12) / 6f, 12 / 4f,
        ];
        Assert.Equal(expected, y);
    }

    [Fact]
    public void ChainedGradients_MatchFiniteDifferences()
    {
        const int Batch = 2; // few rows, so the mean loss's input gradients stand well above float noise
        var spec = NetworkSpec.Create(new TensorShape(1, 7, 7),
            [new Conv2dSpec(2, 3), new ActivationSpec(Activation.Tanh), new AvgPool2dSpec(2, CeilMode: true), new AvgPool2dSpec(3, 2, 1)], // 7 → 4 → 2
            decoder: [new Upsample2dSpec(2), new Conv2dSpec(2, 3), new ActivationSpec(Activation.Tanh), new AvgPool2dSpec(2, 1, 1), // 4 → 5
                      new ConvTranspose2dSpec(1, 3, 1, Conv2dPadding.Valid), new ActivationSpec(Activation.Sigmoid)]); // 5 → 7
        var network = AutoencoderNetwork.Create(spec, seed: 71);
        var random = new SeededRandom(72);
        foreach (var parameter in network.Parameters.Parameters.Where(p => p.Role == ParameterRole.Bias))
            TestData.Uniform(random, parameter.Length, -0.3f, 0.3f).CopyTo(parameter.Values);
        // Averaging shrinks the gradient by each window's size on its way down: larger weights keep the input's gradient
        // well above the finite differences' float noise.
        foreach (var parameter in network.Parameters.Parameters.Where(p => p.Role == ParameterRole.Weight))
            foreach (ref float w in parameter.Values) w *= 3;
        network.Layers.ChainChunkRows = 1;
        float[] input = TestData.Uniform(random, Batch * 49, 0f, 1f);
        float[] target = TestData.Uniform(random, Batch * 49, 0f, 1f);
        GradientCheck.AssertNetworkGradients(network, Loss.Create(LossKind.BinaryCrossEntropy, Activation.Sigmoid), input, target, Batch,
            new LayerContext(Training: true, Threads: 2), overwriteGradients: true);
    }
}
