using Microsoft.ML.Autoencoders.Engine.Losses;
using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Autoencoders.Engine.Optimizers;
using Microsoft.ML.Autoencoders.Engine.Regularization;
using Microsoft.ML.Autoencoders.Engine.Specs;
using Microsoft.ML.Autoencoders.Engine.Training;
using Microsoft.ML.Autoencoders.Engine.Layers;

namespace Microsoft.ML.Autoencoders.Engine.Tests.Specs;

/// <summary>
/// Penalties attached to two different nodes (a hidden layer's output and the code): the training step stops its
/// backward pass at each, and the update it applies is the gradient of loss + both penalties, checked by central finite
/// differences through plain SGD with learning rate 1.
/// </summary>
public class NodePenaltyTrainingTests
{
    /// <param name="hidden">The hidden activation: tanh runs apart from its dense layer, sigmoid fused with it.</param>
    /// <param name="node">The hidden node penalized: after the activation, or the dense layer's output before it (which a
    /// fused pass would skip writing unless the network keeps it).</param>
    [Theory]
    [InlineData(Activation.Tanh, "encoder.0.activation")]
    [InlineData(Activation.Sigmoid, "encoder.0.activation")]
    [InlineData(Activation.Sigmoid, "encoder.0")]
    public void StepFollowsTheGradientOfLossAndEveryNodesPenalty(Activation hidden, string node)
    {
        const int Width = 6, Rows = 10;
        var spec = NetworkSpec.Create(TensorShape.Flat(Width),
            [new DenseSpec(5), new ActivationSpec(hidden), new DenseSpec(3), new ActivationSpec(Activation.Sigmoid)],
            outputActivation: Activation.Sigmoid);
        CodeRegularizer[] penalties =
        [
            new L1ActivityRegularizer(0.05f) { Node = node },
            new KlSparsityRegularizer(0.2f, 0.3f),
        ];
        var options = new TrainingOptions
        {
            BatchSize = Rows,
            Loss = LossKind.MeanSquaredError,
            Optimizer = new OptimizerSettings { Kind = OptimizerKind.Sgd, LearningRate = 1f, Momentum = 0f },
            Threads = 1,
            CodeRegularizers = penalties,
        };
        var random = new Random(4);
        float[] data = Enumerable.Range(0, Rows * Width).Select(_ => (float)random.NextDouble()).ToArray();
        int[] rows = Enumerable.Range(0, Rows).ToArray();

        var network = AutoencoderNetwork.Create(spec, seed: 2);
        var probe = AutoencoderNetwork.Create(spec, seed: 2);
        probe.Layers.KeepSlotWritten(probe.Slot(node)); // the finite differences read the node too
        float[] before = network.Parameters.Values.ToArray();
        new TrainingStep(network, options, Rows, new SeededRandom(1)).Run(data, data, rows, out _);

        var cache = probe.CreateCache(Rows);
        var loss = Loss.Create(LossKind.MeanSquaredError, probe.OutputActivation);
        var context = new LayerContext(true, 1);
        double Objective()
        {
            data.AsSpan().CopyTo(probe.Input(cache, Rows));
            probe.Forward(cache, Rows, context);
            return loss.Compute(probe.Reconstruction(cache, Rows), data, Span<float>.Empty)
                + penalties.Sum(p => p.Value(probe, cache, Rows, context));
        }

        float[] values = probe.Parameters.Values;
        for (int i = 0; i < values.Length; i++)
        {
            const float Step = 1e-2f;
            float saved = values[i];
            values[i] = saved + Step;
            double up = Objective();
            values[i] = saved - Step;
            double down = Objective();
            values[i] = saved;
            double numeric = (up - down) / (2 * Step);
            double applied = before[i] - network.Parameters.Values[i];
            Assert.True(Math.Abs(applied - numeric) <= 2e-3 * (1 + Math.Abs(numeric)),
                $"{hidden} at {node}: parameter {probe.Parameters.Parameters.First(p => i >= p.Offset && i < p.Offset + p.Length).Name}[{i}]: step moved it by {applied}, finite differences say {numeric}");
        }
    }

    [Fact]
    public void PenaltiesOnTheInputOrOutputAreRefused()
    {
        var spec = NetworkSpec.Create(TensorShape.Flat(4), [new DenseSpec(2)]);
        Assert.Throws<ArgumentException>(() => new L1ActivityRegularizer(0.1f) { Node = "input" }.Validate(spec));
        Assert.Throws<ArgumentException>(() => new L1ActivityRegularizer(0.1f) { Node = "reconstruction" }.Validate(spec));
    }

    [Fact]
    public void CodeIsWrittenWhenTheDecoderStartsWithAnActivation()
    {
        // A linear code followed by the decoder's ReLU: a fused pass across the code would leave its slot unwritten.
        var spec = NetworkSpec.Create(TensorShape.Flat(6), [new DenseSpec(3)],
            decoder: [new ActivationSpec(Activation.Relu), new DenseSpec(6)]);
        var network = AutoencoderNetwork.Create(spec, seed: 1);
        var random = new Random(2);
        float[] rows = Enumerable.Range(0, 4 * 6).Select(_ => (float)random.NextDouble()).ToArray();
        var cache = network.CreateCache(4);
        var context = LayerContext.Inference();
        rows.CopyTo(network.Input(cache, 4));
        network.Encode(cache, 4, context);
        float[] encoded = network.Code(cache, 4).ToArray();
        network.Code(cache, 4).Fill(float.NaN);
        network.Forward(cache, 4, context);
        Assert.Equal(encoded, network.Code(cache, 4).ToArray());
    }
}
