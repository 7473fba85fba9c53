using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Losses;
using Microsoft.ML.Autoencoders.Engine.Models;

namespace Microsoft.ML.Autoencoders.Engine.Tests.Regularization;

/// <summary>Dropout drops while training and vanishes at inference; tied weights are stored once and get both layers' gradients.</summary>
public class DropoutAndTiedWeightsTests
{
    [Fact]
    public void DropoutDropsItsRateKeepsTheMeanAndIsIdentityAtInference()
    {
        const int Width = 1000, Batch = 100;
        var layer = new DropoutLayer(Width, 0.25f);
        float[] x = TestData.Uniform(new SeededRandom(1), Width * Batch, 0.5f, 1.5f);
        var y = new float[x.Length];
        var mask = new float[x.Length];

        layer.Forward(x, y, mask, Batch, LayerContext.Inference());
        Assert.Equal(x, y);

        layer.Forward(x, y, mask, Batch, new LayerContext(true, 1, new SeededRandom(2)));
        Assert.InRange(y.Count(v => v == 0) / (double)y.Length, 0.24, 0.26);
        Assert.InRange(y.Average() / x.Average(), 0.98, 1.02); // inverted dropout: survivors scaled by 1/(1 - rate)

        var dy = TestData.Uniform(new SeededRandom(3), x.Length, -1f, 1f);
        var dx = new float[x.Length];
        layer.Backward(x, y, dy, dx, mask, Batch, new LayerContext(true, 1, new SeededRandom(2)));
        float keptScale = 1f / (1f - 0.25f);
        for (int i = 0; i < x.Length; i++) Assert.Equal(y[i] == 0 ? 0f : dy[i] * keptScale, dx[i]);
    }

    [Fact]
    public void DropoutSitsAfterHiddenLayersAndCodeButTheCodeSlotHoldsTheUndroppedCode()
    {
        var network = AutoencoderNetwork.Create(new AutoencoderArchitecture { InputSize = 10, HiddenSizes = [6], CodeSize = 3, DropoutRate = 0.5f }, 1);
        Assert.Equal(3, network.Layers.Layers.Count(l => l is DropoutLayer)); // hidden, code, mirrored hidden
        Assert.IsType<DropoutLayer>(network.Layers.Layers[network.CodeSlot]);
        Assert.IsNotType<DropoutLayer>(network.Layers.Layers[network.CodeSlot - 1]);
    }

    [Fact]
    public void TiedWeightsAreStoredOnceAndMirrorTheEncoder()
    {
        var architecture = new AutoencoderArchitecture { InputSize = 9, HiddenSizes = [6], CodeSize = 4 };
        var untied = AutoencoderNetwork.Create(architecture, 1);
        var tied = AutoencoderNetwork.Create(architecture with { TiedWeights = true }, 1);

        Assert.Equal(untied.Parameters.Count - (6 * 4 + 9 * 6), tied.Parameters.Count);
        var decoders = tied.Layers.Layers.OfType<TiedDense>().ToArray();
        var encoders = tied.Layers.Layers.OfType<Dense>().ToArray();
        Assert.Equal(2, decoders.Length);
        Assert.Same(encoders[1].Weights, decoders[0].Weights); // code → 6 mirrors 6 → code
        Assert.Same(encoders[0].Weights, decoders[1].Weights); // 6 → 9 mirrors 9 → 6
        Assert.DoesNotContain(tied.Parameters.Parameters, p => p.Name.StartsWith("decoder.", StringComparison.Ordinal) && p.Name.EndsWith(".weight", StringComparison.Ordinal));
    }

    [Fact]
    public void TiedNetworkLossGradientMatchesFiniteDifferences()
    {
        // The shared matrix's gradient is the sum of its encoder and (transposed) decoder uses.
        var architecture = new AutoencoderArchitecture
        {
            InputSize = 5, HiddenSizes = [4], CodeSize = 2, HiddenActivation = Activation.Tanh, OutputActivation = Activation.Sigmoid, TiedWeights = true,
        };
        var network = RegularizationFixtures.RandomNetwork(architecture, 41);
        const int Rows = 3;
        float[] inputs = TestData.Uniform(new SeededRandom(42), Rows * 5, 0f, 1f);
        var loss = new MeanSquaredErrorLoss();
        var cache = network.CreateCache(Rows, forTraining: true);
        var context = new LayerContext(true, 1);

        double Objective()
        {
            inputs.CopyTo(network.Input(cache, Rows));
            network.Forward(cache, Rows, context);
            return loss.Compute(network.Reconstruction(cache, Rows), inputs, Span<float>.Empty);
        }

        cache.ZeroGradients();
        network.Parameters.ZeroGradients();
        Objective();
        loss.Compute(network.Reconstruction(cache, Rows), inputs, cache.Gradients(network.Layers.Layers.Count, Rows));
        network.Layers.Backward(cache, Rows, context);
        float[] analytic = network.Parameters.Gradients.ToArray();

        double[] numerical = GradientCheck.Numerical(network.Parameters.Values, 0, network.Parameters.Count, Objective);
        Assert.Null(GradientCheck.Mismatch(analytic, numerical, absoluteTolerance: 1e-4));
    }
}
