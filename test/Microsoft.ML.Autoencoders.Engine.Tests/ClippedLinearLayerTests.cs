using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Losses;
using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Autoencoders.Engine.Specs;
using Microsoft.ML.Autoencoders.Engine.Tensors;

namespace Microsoft.ML.Autoencoders.Engine.Tests;

/// <summary>
/// The clipped-linear activation (nn.ReLU6, nn.Hardtanh; ONNX's Clip): values, the slope from y (0 at a bound, as PyTorch's
/// hardtanh backward), its refusals, and a dense network's gradients through it against central differences.
/// </summary>
public sealed class ClippedLinearLayerTests
{
    [Fact]
    public void ClampsAndTakesItsSlopeFromTheOutput()
    {
        var layer = new ClippedLinearLayer(7, 0f, 6f);
        float[] x = [-3f, -0f, 0.5f, 5.999f, 6f, 9f, float.NaN];
        var y = new float[x.Length];

        layer.Apply(x, y);

        Assert.Equal([0f, -0f, 0.5f, 5.999f, 6f, 6f, float.NaN], y);
        Assert.Equal([0f, 0f, 1f, 1f, 0f, 0f], y.Take(6).Select(layer.DerivativeAt));
        Assert.Equal(Activation.ClippedLinear, layer.Kind);
    }

    [Fact]
    public void BoundsMustLeaveARange()
    {
        Assert.Throws<ArgumentException>(() => new ClippedLinearSpec(1f, 1f).InferOutputShape(new TensorShape(3)));
        var e = Assert.Throws<ArgumentException>(() => new ActivationSpec(Activation.ClippedLinear).InferOutputShape(new TensorShape(3)));
        Assert.Contains("ClippedLinearSpec", e.Message);
    }

    [Fact]
    public void GradientsThroughTheClip_MatchFiniteDifferences()
    {
        const int Batch = 4;
        // Bounds inside the hidden units' range, so some units are clipped at each end and others pass.
        var spec = NetworkSpec.Create(new TensorShape(7),
            [new DenseSpec(6), new ClippedLinearSpec(-0.25f, 0.3f), new DenseSpec(3), new ClippedLinearSpec(-1f, 0.2f)],
            decoder: [new DenseSpec(6), new ClippedLinearSpec(0f, 6f), new DenseSpec(7)]);
        var network = AutoencoderNetwork.Create(spec, seed: 83);
        var random = new SeededRandom(84);
        foreach (var parameter in network.Parameters.Parameters.Where(p => p.Role == ParameterRole.Bias))
            TestData.Uniform(random, parameter.Length, -0.3f, 0.3f).CopyTo(parameter.Values);
        float[] input = TestData.Uniform(random, Batch * 7, 0f, 1f);
        float[] target = TestData.Uniform(random, Batch * 7, 0f, 1f);

        // Some units clipped and some not (a unit within the finite-difference step of a bound would cross the kink: this
        // seed has none there).
        var cache = network.CreateCache(Batch, forTraining: true);
        input.CopyTo(network.Input(cache, Batch));
        network.Forward(cache, Batch, new LayerContext(Training: true, Threads: 1));
        float[] hidden = cache.Values(2, Batch).ToArray();
        Assert.Contains(hidden, v => v == -0.25f);
        Assert.Contains(hidden, v => v == 0.3f);
        Assert.Contains(hidden, v => v > -0.25f && v < 0.3f);

        GradientCheck.AssertNetworkGradients(network, Loss.Create(LossKind.MeanSquaredError, Activation.Linear), input, target, Batch,
            new LayerContext(Training: true, Threads: 1), overwriteGradients: false);
    }
}
