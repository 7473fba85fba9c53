using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Autoencoders.Engine.Specs;
using Microsoft.ML.Autoencoders.Engine.Tensors;
using Microsoft.ML.Autoencoders.Engine.Tests.Convolution;

namespace Microsoft.ML.Autoencoders.Engine.Tests.Sequence;

/// <summary>
/// RepeatVector and the time-distributed dense layer: each forward held to its definition, each backward to finite
/// differences, the written-over gradient to the added one; the time-distributed layer fused with the activation after it
/// gives the bits it gives apart; and a network of the sequence kinds survives its JSON form.
/// </summary>
public class SequenceShapingLayerTests
{
    private static readonly LayerContext Context = new(Training: true, Threads: 1);

    [Theory]
    [InlineData(5, 3, 2)]
    [InlineData(1, 7, 3)]
    [InlineData(4, 1, 1)]
    public void RepeatVector_RepeatsTheRowAndSumsTheStepsGradients(int width, int steps, int batch)
    {
        var random = new SeededRandom(31);
        var spec = new RepeatVectorSpec(steps);
        var input = TensorShape.Flat(width);
        Assert.Equal(new TensorShape(steps, width), spec.InferOutputShape(input));
        var layer = spec.Build(TestContexts.Build("repeat", input, spec.InferOutputShape(input)));
        float[] x = TestData.Uniform(random, batch * width, -1f, 1f), y = new float[batch * layer.OutputSize];
        layer.Forward(x, y, Span<float>.Empty, batch, Context);
        for (int n = 0; n < batch; n++)
        for (int t = 0; t < steps; t++)
        for (int j = 0; j < width; j++)
            Assert.Equal(x[n * width + j], y[(n * steps + t) * width + j]);

        float[] coefficients = TestData.Uniform(random, y.Length, -1f, 1f), added = new float[x.Length];
        layer.Backward(x, y, coefficients, added, ReadOnlySpan<float>.Empty, batch, Context);
        double Objective()
        {
            layer.Forward(x, y, Span<float>.Empty, batch, Context);
            return TestData.WeightedSum(coefficients, y);
        }
        GradientCheck.AssertMatches("dx", added, GradientCheck.Numerical(x, 0, x.Length, Objective), 1e-4);

        float[] written = Enumerable.Repeat(float.NaN, x.Length).ToArray();
        layer.Backward(x, y, coefficients, written, ReadOnlySpan<float>.Empty, batch, Context with { OverwriteInputGradient = true });
        Assert.Equal(added, written);
    }

    [Fact]
    public void RepeatVector_RefusesSequences() =>
        Assert.Contains("flat row", Assert.Throws<ArgumentException>(() => new RepeatVectorSpec(3).InferOutputShape(new TensorShape(2, 4))).Message);

    [Theory]
    [InlineData(5, 3, 4, 2)]
    [InlineData(7, 1, 2, 3)]
    [InlineData(1, 6, 5, 1)]
    public void TimeDistributedDense_IsOneDenseLayerPerStep(int steps, int features, int units, int batch)
    {
        var random = new SeededRandom(37);
        var spec = new TimeDistributedDenseSpec(units, WeightInitialization.XavierUniform);
        var input = new TensorShape(steps, features);
        var layer = (TimeDistributedDense)spec.Build(TestContexts.Build("td", input, spec.InferOutputShape(input)));
        var store = new ParameterStore(layer.Parameters);
        layer.Initialize(random);
        TestData.Uniform(random, units, -0.5f, 0.5f).CopyTo(layer.Step.Bias.Values);
        Assert.Equal(["td.weight", "td.bias"], layer.Parameters.Select(p => p.Name));

        float[] x = TestData.Uniform(random, batch * steps * features, -1f, 1f), y = new float[batch * steps * units];
        layer.Forward(x, y, Span<float>.Empty, batch, Context);
        ReadOnlySpan<float> w = layer.Step.Weights.Values, b = layer.Step.Bias.Values;
        for (int row = 0; row < batch * steps; row++)
        for (int u = 0; u < units; u++)
        {
            double sum = b[u];
            for (int k = 0; k < features; k++) sum += (double)x[row * features + k] * w[k * units + u];
            Assert.True(Math.Abs(y[row * units + u] - sum) <= 1e-5, $"row {row} unit {u}: {y[row * units + u]} vs {sum}");
        }

        float[] coefficients = TestData.Uniform(random, y.Length, -1f, 1f), dx = new float[x.Length];
        store.ZeroGradients();
        layer.Backward(x, y, coefficients, dx, Span<float>.Empty, batch, Context);
        double Objective()
        {
            layer.Forward(x, y, Span<float>.Empty, batch, Context);
            return TestData.WeightedSum(coefficients, y);
        }
        GradientCheck.AssertMatches("dW", layer.Step.Weights.Gradients, GradientCheck.Numerical(store.Values, layer.Step.Weights.Offset, layer.Step.Weights.Length, Objective), 1e-4);
        GradientCheck.AssertMatches("db", layer.Step.Bias.Gradients, GradientCheck.Numerical(store.Values, layer.Step.Bias.Offset, layer.Step.Bias.Length, Objective), 1e-4);
        GradientCheck.AssertMatches("dx", dx, GradientCheck.Numerical(x, 0, x.Length, Objective), 1e-4);
    }

    [Fact]
    public void TimeDistributedDense_FusedWithItsActivation_GivesTheNumbersOfTheTwoApart()
    {
        // In a network the layer and the sigmoid after it run as one GEMM with an epilogue (forward) and, on two threads with
        // products of 2 M multiply-adds or more, one pass that writes the activation's input gradient (backward): both must
        // treat the batch as batch·T rows of the step layer. 20 rows × 32 steps × 64 × 64 is past that size.
        const int Steps = 32, Features = 64, Batch = 20;
        if (Environment.ProcessorCount >= 2) Assert.True(Microsoft.ML.Autoencoders.Engine.Kernels.GemmPair.Pays(2, (long)Batch * Steps * Features * Features, (long)Batch * Steps * Features * Features));
        var spec = NetworkSpec.Create(new TensorShape(Steps, Features), [new TimeDistributedDenseSpec(Features), new ActivationSpec(Activation.Sigmoid)],
            [new TimeDistributedDenseSpec(Features)]);
        float[] input = TestData.Uniform(new SeededRandom(43), Batch * Steps * Features, -1f, 1f);
        float[] dy = TestData.Uniform(new SeededRandom(44), Batch * Steps * Features, -1f, 1f);
        var context = new LayerContext(Training: true, Threads: 2);
        (float[] Output, float[] Parameters, float[] UnderActivation) Run(bool fused)
        {
            var network = AutoencoderNetwork.Create(spec, seed: 41);
            if (!fused) network.Layers.KeepSlotWritten(1); // a slot read from outside: forward then runs the two layers apart
            var cache = network.CreateCache(Batch, forTraining: true);
            input.CopyTo(network.Input(cache, Batch));
            network.Forward(cache, Batch, context);
            if (!fused)
            {
                cache.ZeroGradients();
                network.Parameters.ZeroGradients();
            }
            dy.CopyTo(cache.Gradients(network.Layers.Layers.Count, Batch));
            // Written over: the fused backward; added to cleared slots: each layer's own pass.
            network.Layers.Backward(cache, Batch, context, overwriteGradients: fused);
            return (network.Reconstruction(cache, Batch).ToArray(), network.Parameters.Gradients.ToArray(), cache.Gradients(1, Batch).ToArray());
        }

        var one = Run(fused: true);
        var two = Run(fused: false);
        Assert.Equal(two.Output, one.Output);
        Assert.Equal(two.Parameters, one.Parameters);
        Assert.Equal(two.UnderActivation, one.UnderActivation);
    }

    [Fact]
    public void SequenceKinds_SurviveTheirJsonForm()
    {
        var spec = NetworkSpec.Create(new TensorShape(6, 2), [new LstmSpec(3)],
            [new RepeatVectorSpec(6), new LstmSpec(3, ReturnSequences: true), new TimeDistributedDenseSpec(2)]);
        string json = spec.ToJson();
        Assert.Equal(spec, NetworkSpec.FromJson(json));
        foreach (string kind in new[] { "lstm", "repeat_vector", "time_distributed_dense" }) Assert.Contains($"\"kind\":\"{kind}\"", json);
        Assert.Equal(new TensorShape(3), spec.CodeShape);
    }
}
