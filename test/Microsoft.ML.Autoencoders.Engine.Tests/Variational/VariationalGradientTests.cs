using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Losses;
using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Autoencoders.Engine.Specs;
using Microsoft.ML.Autoencoders.Engine.Variational;

namespace Microsoft.ML.Autoencoders.Engine.Tests.Variational;

/// <summary>
/// The VAE's training objective — reconstruction loss through the sampled latent plus the weighted KL term — against
/// central differences, with the noise ε held fixed (the generator reseeded for every evaluation): the reparameterization
/// layer's backward pass, the KL term's gradient and the trainer's order (decoder, KL at the moments node, encoder)
/// together must give d(objective)/d(every parameter).
/// </summary>
public class VariationalGradientTests
{
    private const int Rows = 5;
    private const long NoiseSeed = 77;

    public static TheoryData<string> Cases => new() { "bce-beta1", "mse-beta4", "capacity-above", "capacity-below", "clamped-log-variance" };

    [Theory]
    [MemberData(nameof(Cases))]
    public void ObjectiveGradientMatchesFiniteDifferences(string name)
    {
        var (spec, loss, kl, clampTest) = Case(name);
        var network = AutoencoderNetwork.Create(spec, seed: 3);
        var random = new SeededRandom(4);
        TestData.Uniform(random, network.Parameters.Count, -0.6f, 0.6f).CopyTo(network.Parameters.Values, 0);
        if (clampTest)
        {
            // Push some log-variances past the clamp (the moments layer's bias), where the gradient must be zero.
            var moments = network.Parameters.Parameters.Single(p => p.Name == $"{VariationalArchitecture.MomentsNode}.bias");
            for (int j = 0; j < moments.Values.Length / 2; j += 2) moments.Values[moments.Values.Length / 2 + j] = -40f;
        }
        float[] inputs = TestData.Uniform(new SeededRandom(5), Rows * network.InputSize, 0.05f, 0.95f);
        var lossFunction = Loss.Create(loss, network.OutputActivation);
        int lossSlot = lossFunction.ReadsLogits ? network.Layers.Layers.Count - 1 : network.Layers.Layers.Count;
        int momentsSlot = network.Slot(VariationalArchitecture.MomentsNode);
        var cache = network.CreateCache(Rows, forTraining: true);
        kl.OnTrainingProgress(1.0);

        double Objective()
        {
            var context = new LayerContext(Training: true, Threads: 1, Random: new SeededRandom(NoiseSeed));
            inputs.CopyTo(network.Input(cache, Rows));
            network.Layers.Forward(cache, Rows, context, 0, lossSlot);
            return lossFunction.Compute(cache.Values(lossSlot, Rows), inputs, Span<float>.Empty) + kl.Value(network, cache, Rows, context);
        }

        cache.ZeroGradients();
        network.Parameters.ZeroGradients();
        var training = new LayerContext(Training: true, Threads: 1, Random: new SeededRandom(NoiseSeed));
        inputs.CopyTo(network.Input(cache, Rows));
        network.Layers.Forward(cache, Rows, training, 0, lossSlot);
        double value = lossFunction.Compute(cache.Values(lossSlot, Rows), inputs, cache.Gradients(lossSlot, Rows));
        network.Layers.Backward(cache, Rows, training, lossSlot, momentsSlot);
        value += kl.Apply(network, cache, Rows, training);
        network.Layers.Backward(cache, Rows, training, momentsSlot, 0);
        float[] analytic = network.Parameters.Gradients.ToArray();

        Assert.Equal(Objective(), value, 9);
        double[] numerical = GradientCheck.Numerical(network.Parameters.Values, 0, network.Parameters.Count, Objective);
        Assert.Null(GradientCheck.Mismatch(analytic, numerical, absoluteTolerance: 2e-4 * Math.Max(1, value)));
        Assert.Contains(analytic, g => Math.Abs(g) > 1e-3);
    }

    /// <summary>The KL term alone is not zero and its gradient reaches the encoder: otherwise the check above could pass without it.</summary>
    [Fact]
    public void TheKlTermContributesToTheGradient()
    {
        var (spec, _, kl, _) = Case("mse-beta4");
        var network = AutoencoderNetwork.Create(spec, seed: 3);
        float[] inputs = TestData.Uniform(new SeededRandom(5), Rows * network.InputSize, 0f, 1f);
        var cache = network.CreateCache(Rows, forTraining: true);
        var context = new LayerContext(Training: true, Threads: 1, Random: new SeededRandom(NoiseSeed));
        inputs.CopyTo(network.Input(cache, Rows));
        network.Layers.Forward(cache, Rows, context);
        cache.ZeroGradients();
        network.Parameters.ZeroGradients();
        int momentsSlot = network.Slot(VariationalArchitecture.MomentsNode);
        double penalty = kl.Apply(network, cache, Rows, context);
        network.Layers.Backward(cache, Rows, context, momentsSlot, 0);
        Assert.True(penalty > 1e-4, $"The KL term is {penalty}.");
        var encoderWeight = network.Parameters.Parameters.First(p => p.Name.StartsWith("encoder.", StringComparison.Ordinal));
        Assert.Contains(encoderWeight.Gradients.ToArray(), g => Math.Abs(g) > 1e-6);
    }

    private static (NetworkSpec Spec, LossKind Loss, GaussianKlDivergence Kl, bool ClampTest) Case(string name)
    {
        var dense = new VariationalArchitecture { InputShape = TensorShape.Flat(7), HiddenSizes = [6], LatentSize = 3, HiddenActivation = Activation.Tanh };
        var spec = dense.ToSpec();
        var linearSpec = (dense with { OutputActivation = Activation.Linear }).ToSpec();
        return name switch
        {
            "bce-beta1" => (spec, LossKind.BinaryCrossEntropy, new GaussianKlDivergence(VariationalArchitecture.MomentsNode, 7), false),
            "mse-beta4" => (linearSpec, LossKind.MeanSquaredError, new GaussianKlDivergence(VariationalArchitecture.MomentsNode, 7, new KlSchedule { Beta = 4 }), false),
            // |KL − C| on either side of C: the sign flips the KL's gradient.
            "capacity-above" => (spec, LossKind.BinaryCrossEntropy, new GaussianKlDivergence(VariationalArchitecture.MomentsNode, 7, new KlSchedule { Beta = 2, Capacity = 0.01f }), false),
            "capacity-below" => (spec, LossKind.BinaryCrossEntropy, new GaussianKlDivergence(VariationalArchitecture.MomentsNode, 7, new KlSchedule { Beta = 2, Capacity = 500f }), false),
            "clamped-log-variance" => (spec, LossKind.BinaryCrossEntropy, new GaussianKlDivergence(VariationalArchitecture.MomentsNode, 7), true),
            _ => throw new ArgumentOutOfRangeException(nameof(name)),
        };
    }
}
