using Microsoft.ML.Autoencoders.Engine.Kernels;
using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Losses;
using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Autoencoders.Engine.Specs;
using Microsoft.ML.Autoencoders.Engine.Tensors;
using Microsoft.ML.Autoencoders.Engine.Tests.Convolution;

namespace Microsoft.ML.Autoencoders.Engine.Tests;

/// <summary>
/// layer_norm over rows [d] and over each step of windows [T, F], with and without γ and β: forward held to the definition
/// computed in double, backward (dx, dγ, dβ) to finite differences, dx written over alike, the same bits on one thread or
/// two, and networks with it held to finite differences end to end.
/// </summary>
public class LayerNormTests
{
    private static readonly LayerContext Context = new(Training: true, Threads: 1);

    public static TheoryData<int[], float, bool, int> Cases => new()
    {
        // row shape, epsilon, affine, batch
        { [10], 1e-5f, true, 3 },
        { [10], 1e-5f, false, 2 },
        { [6, 4], 1e-3f, true, 2 },   // per step of a window
        { [5, 3], 1e-5f, false, 3 },
        { [33], 0.1f, true, 1 },      // a large epsilon, which the gradient must carry too
    };

    private static LayerNorm Build(LayerNormSpec spec, TensorShape input, SeededRandom random, out ParameterStore store)
    {
        var layer = (LayerNorm)spec.Build(TestContexts.Build("norm", input, spec.InferOutputShape(input)));
        store = new ParameterStore(layer.Parameters);
        layer.Initialize(random);
        // Trained-looking γ and β: the fresh 1 and 0 would hide a mix-up of the two.
        if (layer.Scale is not null) TestData.Uniform(random, layer.Width, 0.5f, 1.5f).CopyTo(layer.Scale.Values);
        if (layer.Shift is not null) TestData.Uniform(random, layer.Width, -0.5f, 0.5f).CopyTo(layer.Shift.Values);
        return layer;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Forward_MatchesTheDefinition(int[] shape, float epsilon, bool affine, int batch)
    {
        var random = new SeededRandom(3);
        var input = new TensorShape(shape);
        var layer = Build(new LayerNormSpec(epsilon, affine), input, random, out _);
        float[] x = TestData.Uniform(random, batch * input.Size, -2f, 3f), y = new float[x.Length];
        layer.Forward(x, y, TestData.Filled(batch * layer.ScratchSizePerSample, float.NaN), batch, Context);
        int width = shape[^1];
        for (int group = 0; group < x.Length / width; group++)
        {
            var values = x.AsSpan(group * width, width).ToArray().Select(v => (double)v).ToArray();
            double mean = values.Average(), variance = values.Select(v => (v - mean) * (v - mean)).Average();
            for (int i = 0; i < width; i++)
            {
                double expected = (values[i] - mean) / Math.Sqrt(variance + epsilon);
                if (affine) expected = expected * layer.Scale!.Values[i] + layer.Shift!.Values[i];
                float actual = y[group * width + i];
                Assert.True(Math.Abs(actual - expected) <= 1e-6 * (1 + Math.Abs(expected)), $"group {group}, value {i}: {actual} vs {expected}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Gradients_MatchFiniteDifferences_AndDxIsWrittenOverAlike(int[] shape, float epsilon, bool affine, int batch)
    {
        var random = new SeededRandom(5);
        var input = new TensorShape(shape);
        var layer = Build(new LayerNormSpec(epsilon, affine), input, random, out var store);
        float[] x = TestData.Uniform(random, batch * input.Size, -2f, 2f);
        float[] coefficients = TestData.Uniform(random, batch * layer.OutputSize, -1f, 1f);
        if (affine) GradientCheck.AssertLayerGradients(layer, store, x, coefficients, batch, Context);
        var objective = GradientCheck.WeightedSumBackward(layer, store, x, coefficients, batch, Context, out float[] added, out float[] scratch);
        if (!affine) GradientCheck.AssertMatches("dx", added, GradientCheck.Numerical(x, 0, x.Length, objective), 1e-4);

        float[] y = new float[x.Length], written = TestData.Filled(x.Length, float.NaN);
        layer.Forward(x, y, scratch, batch, Context);
        layer.Backward(x, y, coefficients, written, scratch, batch, Context with { OverwriteInputGradient = true });
        Assert.Equal(added, written);
    }

    [Fact]
    public void ThreadCount_DoesNotChangeTheBits()
    {
        var random = new SeededRandom(7);
        var input = new TensorShape(4, 64);
        var layer = Build(new LayerNormSpec(), input, random, out var store);
        const int Batch = 256;
        // Enough groups that two threads really split them (with too few, both runs would be one thread's).
        Assert.True(ParallelRange.Parts(Batch * layer.Groups, 2, layer.MinGroupsPerThread) > 1, "the batch is too small to be split over two threads");
        float[] x = TestData.Uniform(random, Batch * input.Size, -1f, 1f), dy = TestData.Uniform(random, x.Length, -1f, 1f);
        (float[] Y, float[] Dx, float[] Parameters) Run(int threads)
        {
            var context = new LayerContext(Training: true, Threads: threads);
            float[] y = new float[x.Length], dx = new float[x.Length], scratch = new float[Batch * layer.ScratchSizePerSample];
            store.ZeroGradients();
            layer.Forward(x, y, scratch, Batch, context);
            layer.Backward(x, y, dy, dx, scratch, Batch, context);
            return (y, dx, [.. layer.Scale!.Gradients, .. layer.Shift!.Gradients]);
        }
        var one = Run(1);
        var two = Run(2);
        Assert.Equal(one.Y, two.Y);
        Assert.Equal(one.Dx, two.Dx);
        Assert.Equal(one.Parameters, two.Parameters);
    }

    /// <summary>
    /// Groups far from 0 with a small spread (10⁴ + values within ±0.01, a few float steps there): μ rounded to a float is
    /// off by a sizeable part of the spread, so backward must rebuild x̂ from the mean forward used. Held to the gradient
    /// computed in double here; dx sums to 0 over each group, as a gradient through a mean subtraction does.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void LargeOffsetSmallSpread_GradientsMatchDouble(bool affine)
    {
        const int Width = 16, Batch = 6;
        var random = new SeededRandom(17);
        var layer = Build(new LayerNormSpec(ElementwiseAffine: affine), new TensorShape(Width), random, out var store);
        float[] x = [.. TestData.Uniform(random, Batch * Width, -0.01f, 0.01f).Select(v => 1e4f + v)];
        float[] dy = TestData.Uniform(random, x.Length, -1f, 1f), y = new float[x.Length], dx = new float[x.Length];
        float[] scratch = new float[Batch * layer.ScratchSizePerSample];
        store.ZeroGradients();
        layer.Forward(x, y, scratch, Batch, Context);
        layer.Backward(x, y, dy, dx, scratch, Batch, Context);

        double[] scaleGradient = new double[Width], shiftGradient = new double[Width];
        for (int row = 0; row < Batch; row++)
        {
            var values = x.AsSpan(row * Width, Width).ToArray().Select(v => (double)v).ToArray();
            double mean = values.Average();
            double r = 1 / Math.Sqrt(values.Select(v => (v - mean) * (v - mean)).Average() + layer.Epsilon);
            double[] normalized = [.. values.Select(v => (v - mean) * r)];
            double[] g = [.. Enumerable.Range(0, Width).Select(i => dy[row * Width + i] * (affine ? (double)layer.Scale!.Values[i] : 1))];
            double meanGradient = g.Average(), meanProjection = g.Zip(normalized, (a, b) => a * b).Average();
            double sum = 0, magnitude = 0;
            for (int i = 0; i < Width; i++)
            {
                double expected = r * (g[i] - meanGradient - normalized[i] * meanProjection);
                float actual = dx[row * Width + i];
                Assert.True(Math.Abs(actual - expected) <= 1e-4 * Math.Abs(r), $"row {row}, dx[{i}]: {actual} vs {expected}");
                sum += actual;
                magnitude += Math.Abs(actual);
                scaleGradient[i] += dy[row * Width + i] * normalized[i];
                shiftGradient[i] += dy[row * Width + i];
            }
            Assert.True(Math.Abs(sum) <= 1e-5 * magnitude, $"row {row}: Σdx = {sum} over Σ|dx| = {magnitude}");
        }
        if (!affine) return;
        for (int i = 0; i < Width; i++)
        {
            Assert.True(Math.Abs(layer.Scale!.Gradients[i] - scaleGradient[i]) <= 1e-4 * (1 + Math.Abs(scaleGradient[i])), $"dγ[{i}]: {layer.Scale.Gradients[i]} vs {scaleGradient[i]}");
            Assert.Equal((float)shiftGradient[i], layer.Shift!.Gradients[i]);
        }
    }

    /// <summary>
    /// dβ over many groups is Σ dy summed in double in group order, rounded once: the float nearest that sum, bit for bit
    /// (a float running sum drifts from it by many steps over 4096 terms).
    /// </summary>
    [Fact]
    public void ShiftGradient_IsTheDoubleSumRoundedOnce()
    {
        const int Width = 70, Batch = 4096; // wider than one block of features summed together
        var random = new SeededRandom(19);
        var layer = Build(new LayerNormSpec(), new TensorShape(Width), random, out var store);
        float[] x = TestData.Uniform(random, Batch * Width, -1f, 1f), dy = TestData.Uniform(random, x.Length, -1f, 1f);
        float[] y = new float[x.Length], scratch = new float[Batch * layer.ScratchSizePerSample];
        store.ZeroGradients();
        layer.Forward(x, y, scratch, Batch, Context);
        layer.Backward(x, y, dy, [], scratch, Batch, Context);

        for (int i = 0; i < Width; i++)
        {
            double sum = 0;
            for (int row = 0; row < Batch; row++) sum += dy[row * Width + i];
            Assert.Equal((float)sum, layer.Shift!.Gradients[i]);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void NetworkGradients_MatchFiniteDifferences(bool affine)
    {
        const int Batch = 3;
        var spec = NetworkSpec.Create(new TensorShape(12),
            [new DenseSpec(8), new LayerNormSpec(ElementwiseAffine: affine), new ActivationSpec(Activation.Tanh), new DenseSpec(3)],
            outputActivation: Activation.Sigmoid);
        // Mirrored: dense 8, the tanh that followed the norm, a layer norm of its own, dense 12, the sigmoid.
        Assert.Equal(["dense", "activation", "layer_norm", "dense", "activation"], spec.Decoder.Select(l => l.Kind));
        var network = AutoencoderNetwork.Create(spec, seed: 9);
        var random = new SeededRandom(10);
        foreach (var parameter in network.Parameters.Parameters.Where(p => p.Role is ParameterRole.Scale or ParameterRole.Bias))
            TestData.Uniform(random, parameter.Length, parameter.Role == ParameterRole.Scale ? 0.5f : -0.3f, parameter.Role == ParameterRole.Scale ? 1.5f : 0.3f).CopyTo(parameter.Values);
        float[] input = TestData.Uniform(random, Batch * 12, 0f, 1f), target = TestData.Uniform(random, Batch * 12, 0f, 1f);
        foreach (bool overwrite in new[] { false, true })
            GradientCheck.AssertNetworkGradients(network, Loss.Create(LossKind.BinaryCrossEntropy, Activation.Sigmoid), input, target, Batch,
                new LayerContext(Training: true, Threads: 1), overwriteGradients: overwrite);
    }

    [Fact]
    public void PerStepNetworkGradients_MatchFiniteDifferences()
    {
        const int Batch = 2;
        var spec = NetworkSpec.Create(new TensorShape(5, 3),
            [new TimeDistributedDenseSpec(6), new LayerNormSpec(1e-3f), new ActivationSpec(Activation.Tanh), new TimeDistributedDenseSpec(2)],
            [new TimeDistributedDenseSpec(6), new LayerNormSpec(), new ActivationSpec(Activation.Tanh), new TimeDistributedDenseSpec(3)]);
        var network = AutoencoderNetwork.Create(spec, seed: 13);
        var random = new SeededRandom(14);
        float[] input = TestData.Uniform(random, Batch * 15, -1f, 1f), target = TestData.Uniform(random, Batch * 15, -1f, 1f);
        GradientCheck.AssertNetworkGradients(network, Loss.Create(LossKind.MeanSquaredError, Activation.Linear), input, target, Batch,
            new LayerContext(Training: true, Threads: 1), overwriteGradients: true, absoluteTolerance: 1e-4);
    }

    [Fact]
    public void Spec_RoundTripsThroughJson_AndRefusesWhatItCannotNormalize()
    {
        var spec = NetworkSpec.Create(new TensorShape(6, 4), [new LayerNormSpec(1e-3f, ElementwiseAffine: false), new TimeDistributedDenseSpec(2)]);
        Assert.Equal(spec, NetworkSpec.FromJson(spec.ToJson()));
        Assert.Equal("layer_norm", spec.Encoder[0].Kind);
        Assert.Contains("rows [d] or windows", Assert.Throws<ArgumentException>(() => new LayerNormSpec().InferOutputShape(new TensorShape(1, 4, 4))).Message);
        Assert.Contains("epsilon", Assert.Throws<ArgumentException>(() => new LayerNormSpec(0f).InferOutputShape(new TensorShape(4))).Message);
    }
}
