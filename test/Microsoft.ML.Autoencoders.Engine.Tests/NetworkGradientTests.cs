using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Losses;
using Microsoft.ML.Autoencoders.Engine.Models;

namespace Microsoft.ML.Autoencoders.Engine.Tests;

/// <summary>
/// Every parameter gradient of a whole small autoencoder against finite differences, driven exactly as
/// <c>AutoencoderTrainer</c> drives it: Sequential.Forward to the loss's input slot (the logits when the loss
/// reads them), Loss.Compute into that slot's gradient, Sequential.Backward from there.
/// </summary>
public class NetworkGradientTests
{
    private const int Batch = 4;

    public static TheoryData<Activation, Activation, Activation, LossKind> Configurations => new()
    {
        // The brief's network: tanh hidden, sigmoid output, BCE on the logits (the sigmoid layer is skipped).
        { Activation.Tanh, Activation.Linear, Activation.Sigmoid, LossKind.BinaryCrossEntropy },
        // MSE after a sigmoid runs backward through the sigmoid layer itself; a tanh code adds one more layer.
        { Activation.Sigmoid, Activation.Tanh, Activation.Sigmoid, LossKind.MeanSquaredError },
        // Linear output and BCE on probabilities is not meaningful data-wise, so pair linear with MSE instead.
        { Activation.Tanh, Activation.Sigmoid, Activation.Linear, LossKind.MeanSquaredError },
        // ELU and softplus (what imported networks bring) write their slopes from the output y, as the others do.
        { Activation.Elu, Activation.Softplus, Activation.Linear, LossKind.MeanSquaredError },
        // GELU and SiLU read their slopes from the input x instead.
        { Activation.Gelu, Activation.Silu, Activation.Linear, LossKind.MeanSquaredError },
        { Activation.Silu, Activation.Gelu, Activation.Sigmoid, LossKind.MeanSquaredError },
    };

    [Theory]
    [MemberData(nameof(Configurations))]
    public void EveryParameterAndInputGradient_MatchesFiniteDifferences(Activation hidden, Activation code, Activation output, LossKind lossKind)
    {
        var architecture = new AutoencoderArchitecture
        {
            InputSize = 7,
            HiddenSizes = [5],
            CodeSize = 3,
            HiddenActivation = hidden,
            CodeActivation = code,
            OutputActivation = output,
        };
        var network = AutoencoderNetwork.Create(architecture, seed: 51);
        var random = new SeededRandom(52);
        // Biases start at zero; random ones make sure each layer's bias really enters the forward pass.
        foreach (var (dense, _) in network.DenseLayers()) TestData.Uniform(random, dense.Bias.Length, -0.3f, 0.3f).CopyTo(dense.Bias.Values);

        float[] input = TestData.Uniform(random, Batch * 7, 0f, 1f);
        float[] target = TestData.Uniform(random, Batch * 7, 0f, 1f);
        // Gradients of a mean over 28 elements are ~1e-2; 1e-5 absolute is well under that and well above
        // the ~1e-7 rounding noise of a float forward pass divided by 2·eps.
        GradientCheck.AssertNetworkGradients(network, Loss.Create(lossKind, output), input, target, Batch, new LayerContext(Training: true, Threads: 1),
            overwriteGradients: false);
    }

    [Fact]
    public void Backward_WithoutInputGradient_LeavesInputSlotUntouched()
    {
        // The trainer skips the first layer's dx GEMM; the slot must then keep whatever it held (here zeros).
        var network = AutoencoderNetwork.Create(new AutoencoderArchitecture { InputSize = 7, HiddenSizes = [5], CodeSize = 3 }, seed: 53);
        var cache = network.CreateCache(Batch, forTraining: true);
        TestData.Uniform(new SeededRandom(54), Batch * 7, 0f, 1f).CopyTo(network.Input(cache, Batch));
        cache.ZeroGradients();
        var context = new LayerContext(true, 1);
        network.Forward(cache, Batch, context);
        cache.Gradients(network.Layers.Layers.Count, Batch).Fill(0.1f);
        network.Layers.Backward(cache, Batch, context);
        Assert.All(cache.Gradients(0, Batch).ToArray(), g => Assert.Equal(0f, g));
        Assert.Contains(network.Parameters.Gradients, g => g != 0);
    }

    [Fact]
    public void Create_BuildsMirroredLayersWithCodeSlot()
    {
        var architecture = new AutoencoderArchitecture
        {
            InputSize = 7, HiddenSizes = [6, 5], CodeSize = 3,
            HiddenActivation = Activation.Relu, CodeActivation = Activation.Linear, OutputActivation = Activation.Sigmoid,
        };
        var network = AutoencoderNetwork.Create(architecture, seed: 1);
        var dense = network.DenseLayers().ToArray();
        Assert.Equal([(7, 6), (6, 5), (5, 3), (3, 5), (5, 6), (6, 7)], dense.Select(d => (d.Layer.InputSize, d.Layer.OutputSize)));
        Assert.Equal(
            [Activation.Relu, Activation.Relu, Activation.Linear, Activation.Relu, Activation.Relu, Activation.Sigmoid],
            dense.Select(d => d.Activation));
        // The code slot is the output of the third dense layer (no activation after it).
        Assert.Equal(3, network.Layers.SlotSize(network.CodeSlot));
        Assert.Same(dense[2].Layer, network.Layers.Layers[network.CodeSlot - 1]);
        Assert.Equal("encoder.0.weight", network.Parameters.Parameters[0].Name);
        Assert.Equal("decoder.2.bias", network.Parameters.Parameters[^1].Name);
    }
}
