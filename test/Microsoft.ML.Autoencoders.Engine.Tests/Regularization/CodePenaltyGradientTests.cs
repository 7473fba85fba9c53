using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Autoencoders.Engine.Regularization;
using Microsoft.ML.Autoencoders.Engine.Specs;

namespace Microsoft.ML.Autoencoders.Engine.Tests.Regularization;

/// <summary>
/// Every code penalty's gradient against central differences of its own value, through the whole encoder:
/// the trainer's sequence (penalty adds to the code slot and weights, then the encoder's backward pass) must give
/// d(penalty)/d(every parameter).
/// </summary>
public class CodePenaltyGradientTests
{
    private const int Rows = 4;

    private static readonly AutoencoderArchitecture OneLayerSigmoid = new() { InputSize = 6, CodeSize = 4, CodeActivation = Activation.Sigmoid };

    private static readonly AutoencoderArchitecture DeepTanh = new()
    {
        InputSize = 5, HiddenSizes = [4], CodeSize = 3, HiddenActivation = Activation.Tanh, CodeActivation = Activation.Sigmoid,
    };

    private static readonly AutoencoderArchitecture DeepSigmoidWithDropout = new()
    {
        InputSize = 5, HiddenSizes = [6], CodeSize = 3, HiddenActivation = Activation.Sigmoid, CodeActivation = Activation.Tanh, DropoutRate = 0.3f,
    };

    public static TheoryData<string> Cases => new()
    {
        "l1-linear-code", "kl-sigmoid-code", "contractive-closed-form", "contractive-exact-tangents", "contractive-hutchinson", "contractive-dropout",
        "contractive-elu-softplus", "contractive-prelu",
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void PenaltyGradientMatchesFiniteDifferences(string name)
    {
        var (network, regularizer) = Case(name);
        float[] inputs = TestData.Uniform(new SeededRandom(12), Rows * network.InputSize, 0f, 1f);
        var cache = network.CreateCache(Rows, forTraining: true);
        const long contextSeed = 99; // the same dropout masks and probes for every evaluation

        double Objective()
        {
            var context = RegularizationFixtures.Training(contextSeed);
            RegularizationFixtures.Encode(network, cache, inputs, Rows, context);
            return regularizer.Value(network, cache, Rows, context);
        }

        cache.ZeroGradients();
        network.Parameters.ZeroGradients();
        var training = RegularizationFixtures.Training(contextSeed);
        RegularizationFixtures.Encode(network, cache, inputs, Rows, training);
        double applied = regularizer.Apply(network, cache, Rows, training);
        network.Layers.Backward(cache, Rows, training, network.CodeSlot, 0);
        float[] analytic = network.Parameters.Gradients.ToArray();

        Assert.Equal(Objective(), applied, 10);
        Assert.True(applied > 0, $"{name}: the penalty is {applied}, so the check would prove nothing.");
        double[] numerical = GradientCheck.Numerical(network.Parameters.Values, 0, network.Parameters.Count, Objective);
        Assert.Null(GradientCheck.Mismatch(analytic, numerical, absoluteTolerance: 2e-4 * Math.Max(1, applied)));
        Assert.Contains(analytic, g => Math.Abs(g) > 1e-3); // a gradient of zeros would match nothing useful
    }

    [Fact]
    public void ContractiveMethodFollowsTheEncoder()
    {
        var contractive = new ContractiveRegularizer(0.1f, probes: 5);
        Assert.Equal(ContractiveMethod.SigmoidClosedForm, contractive.MethodFor(AutoencoderNetwork.Create(OneLayerSigmoid, 1)));
        Assert.Equal(ContractiveMethod.ExactTangents, contractive.MethodFor(AutoencoderNetwork.Create(DeepTanh, 1)));
        Assert.Equal(ContractiveMethod.HutchinsonEstimate, new ContractiveRegularizer(0.1f, probes: 2).MethodFor(AutoencoderNetwork.Create(DeepTanh, 1)));
        // A one-layer encoder with a tanh code has no closed form here: it takes the tangent route.
        var tanhCode = OneLayerSigmoid with { CodeActivation = Activation.Tanh };
        Assert.Equal(ContractiveMethod.HutchinsonEstimate, new ContractiveRegularizer(0.1f).MethodFor(AutoencoderNetwork.Create(tanhCode, 1)));
    }

    [Fact]
    public void KlSparsityRejectsANonSigmoidCode()
    {
        var error = Assert.Throws<ArgumentException>(() => new KlSparsityRegularizer(0.05f, 1f).Validate(DeepSigmoidWithDropout));
        Assert.Contains("Sigmoid", error.Message);
    }

    [Theory]
    [InlineData(Activation.Gelu, Activation.Sigmoid, "encoder.0.activation")]
    [InlineData(Activation.Tanh, Activation.Silu, "encoder.1.activation")]
    public void ContractiveRejectsGeluAndSiluInTheEncoderBeforeTraining(Activation hidden, Activation code, string layer)
    {
        var spec = (DeepTanh with { HiddenActivation = hidden, CodeActivation = code }).ToSpec();

        var error = Assert.Throws<ArgumentException>(() => new ContractiveRegularizer(0.1f).Validate(spec));

        Assert.Contains($"'{layer}'", error.Message);
        Assert.Contains(hidden == Activation.Tanh ? "Silu" : "Gelu", error.Message);
    }

    /// <summary>
    /// Layers with no forward mode for the penalty's Jacobian are refused by Validate, when the estimator or trainer is
    /// made, naming the layer (they used to pass it and fail at the first penalty evaluation).
    /// </summary>
    [Theory]
    [InlineData("layer_norm")]
    [InlineData("max_pool1d")]
    [InlineData("upsample1d")]
    public void ContractiveRejectsLayersItCannotDifferentiateBeforeTraining(string kind)
    {
        var spec = kind switch
        {
            "layer_norm" => NetworkSpec.Create(new TensorShape(12), [new DenseSpec(8), new LayerNormSpec(), new ActivationSpec(Activation.Tanh), new DenseSpec(3)]),
            "max_pool1d" => NetworkSpec.Create(new TensorShape(2, 8), [new MaxPool1dSpec(2)]),
            _ => NetworkSpec.Create(new TensorShape(2, 4), [new Upsample1dSpec(3)]),
        };

        var error = Assert.Throws<ArgumentException>(() => new ContractiveRegularizer(0.1f).Validate(spec));

        Assert.Contains(kind, error.Message);
        Assert.Contains("no forward mode for the penalty's Jacobian", error.Message);
        if (kind == "layer_norm") new ContractiveRegularizer(0.1f) { Node = "encoder.0" }.Validate(spec); // on the dense below the norm: accepted
    }

    [Fact]
    public void ContractiveAcceptsAGeluAboveItsNode()
    {
        var spec = (DeepTanh with { HiddenActivation = Activation.Gelu }).ToSpec();
        var onHiddenNodeBelowTheGelu = new ContractiveRegularizer(0.1f) { Node = "encoder.0" };

        onHiddenNodeBelowTheGelu.Validate(spec); // the penalty reads only the layers below its node
    }

    private static (AutoencoderNetwork, CodeRegularizer) Case(string name) => name switch
    {
        "l1-linear-code" => (Random(DeepTanh with { CodeActivation = Activation.Linear }), new L1ActivityRegularizer(0.3f)),
        "kl-sigmoid-code" => (Random(DeepTanh), new KlSparsityRegularizer(0.1f, 0.7f)),
        "contractive-closed-form" => (Random(OneLayerSigmoid), new ContractiveRegularizer(0.5f)),
        "contractive-exact-tangents" => (Random(DeepTanh), new ContractiveRegularizer(0.5f, probes: 5)),
        "contractive-hutchinson" => (Random(DeepTanh), new ContractiveRegularizer(0.5f, probes: 2)),
        "contractive-dropout" => (Random(DeepSigmoidWithDropout), new ContractiveRegularizer(0.5f, probes: 5)),
        // Smooth activations whose slope changes with y on the left (ELU's y + 1) or everywhere (softplus' 1 − e^−y).
        "contractive-elu-softplus" => (Random(DeepTanh with { HiddenActivation = Activation.Elu, CodeActivation = Activation.Softplus }), new ContractiveRegularizer(0.5f, probes: 5)),
        // Learned slopes, per feature and shared: the penalty's gradient reaches them through the tangents.
        "contractive-prelu" => (RandomPRelu(), new ContractiveRegularizer(0.5f, probes: 5)),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    private static AutoencoderNetwork Random(AutoencoderArchitecture architecture) => RegularizationFixtures.RandomNetwork(architecture, seed: 11);

    private static AutoencoderNetwork RandomPRelu()
    {
        var spec = NetworkSpec.Create(new TensorShape(5), [new DenseSpec(4), new PReluSpec(), new DenseSpec(3), new PReluSpec(PReluSlopes.Shared)]);
        var network = AutoencoderNetwork.Create(spec, seed: 11);
        TestData.Uniform(new SeededRandom(12), network.Parameters.Count, -0.8f, 0.8f).CopyTo(network.Parameters.Values, 0);
        return network;
    }
}
