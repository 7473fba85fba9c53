using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Autoencoders.Engine.Regularization;
using Microsoft.ML.Autoencoders.Engine.Training;

namespace Microsoft.ML.Autoencoders.Engine.Tests.Regularization;

/// <summary>
/// The contractive penalty is λ·‖J‖²_F: its value against a Jacobian measured by finite differences of the encoder
/// (closed form and exact tangents match it; the random-probe estimate matches it on average), and training with
/// it lowers the measured Jacobian norm.
/// </summary>
public class ContractiveJacobianTests
{
    private const int Rows = 6;
    private const float Lambda = 0.25f;

    public static TheoryData<string> Encoders => new() { "one-layer-sigmoid", "tanh-hidden", "relu-hidden-leaky-code", "elu-hidden-softplus-code" };

    [Theory]
    [MemberData(nameof(Encoders))]
    public void ExactPenaltyEqualsLambdaTimesFiniteDifferenceJacobianNorm(string name)
    {
        var architecture = Architecture(name);
        var network = RegularizationFixtures.RandomNetwork(architecture, seed: 21);
        float[] inputs = TestData.Uniform(new SeededRandom(22), Rows * architecture.InputSize, 0f, 1f);
        var cache = network.CreateCache(Rows, forTraining: true);
        var context = RegularizationFixtures.Training(1);
        RegularizationFixtures.Encode(network, cache, inputs, Rows, context);
        var exact = new ContractiveRegularizer(Lambda, probes: architecture.InputSize);

        double penalty = exact.Value(network, cache, Rows, context);
        double measured = Lambda * RegularizationFixtures.FiniteDifferenceJacobianNorm(network, inputs, Rows);

        Assert.NotEqual(ContractiveMethod.HutchinsonEstimate, exact.MethodFor(network));
        Assert.True(measured > 1e-3, $"the Jacobian is too small ({measured}) for the comparison to mean anything");
        Assert.InRange(penalty, measured * 0.999, measured * 1.001);
    }

    [Fact]
    public void HutchinsonEstimateIsUnbiased()
    {
        var architecture = Architecture("tanh-hidden");
        var network = RegularizationFixtures.RandomNetwork(architecture, seed: 23);
        float[] inputs = TestData.Uniform(new SeededRandom(24), Rows * architecture.InputSize, 0f, 1f);
        var cache = network.CreateCache(Rows, forTraining: true);
        var context = RegularizationFixtures.Training(5);
        RegularizationFixtures.Encode(network, cache, inputs, Rows, context);
        double exact = new ContractiveRegularizer(Lambda, probes: architecture.InputSize).Value(network, cache, Rows, context);
        var estimator = new ContractiveRegularizer(Lambda, probes: 1);

        const int Draws = 2000;
        double sum = 0, min = double.MaxValue, max = 0;
        for (int i = 0; i < Draws; i++)
        {
            double estimate = estimator.Value(network, cache, Rows, context); // the context's generator moves on: new probes each draw
            sum += estimate;
            min = Math.Min(min, estimate);
            max = Math.Max(max, estimate);
        }
        double mean = sum / Draws;

        Assert.True(max - min > 0.05 * exact, "the estimator did not vary, so the draws were not random");
        Assert.InRange(mean, exact * 0.97, exact * 1.03);
    }

    [Fact]
    public void TrainingWithThePenaltyLowersTheEncodersJacobianNorm()
    {
        var (data, _) = TestData.NearSubspace(new SeededRandom(31), rows: 400, dimension: 16, scales: [1.0, 0.8, 0.5], noise: 0.05);
        var architecture = new AutoencoderArchitecture { InputSize = 16, CodeSize = 6, CodeActivation = Activation.Sigmoid, OutputActivation = Activation.Linear };

        double JacobianNormAfterTraining(float lambda)
        {
            var network = AutoencoderNetwork.Create(architecture, seed: 3);
            var options = new TrainingOptions
            {
                Epochs = 40, BatchSize = 32, Seed = 4, Threads = 1,
                Optimizer = new() { LearningRate = 0.01f },
                CodeRegularizers = lambda > 0 ? [new ContractiveRegularizer(lambda)] : [],
            };
            new AutoencoderTrainer(network, options).Fit(data, null, 400);
            return RegularizationFixtures.FiniteDifferenceJacobianNorm(network, data, 50);
        }

        double plain = JacobianNormAfterTraining(0f);
        double contractive = JacobianNormAfterTraining(0.05f);

        Assert.True(contractive < 0.5 * plain, $"‖J‖² with the penalty {contractive:G4}, without {plain:G4}: expected at most half.");
    }

    private static AutoencoderArchitecture Architecture(string name) => name switch
    {
        "one-layer-sigmoid" => new() { InputSize = 7, CodeSize = 4, CodeActivation = Activation.Sigmoid },
        "tanh-hidden" => new() { InputSize = 6, HiddenSizes = [5], CodeSize = 3, HiddenActivation = Activation.Tanh, CodeActivation = Activation.Sigmoid },
        // ReLU kinks: the random inputs keep pre-activations away from zero with overwhelming probability at eps = 1e-3.
        "relu-hidden-leaky-code" => new() { InputSize = 6, HiddenSizes = [5], CodeSize = 3, HiddenActivation = Activation.Relu, CodeActivation = Activation.LeakyRelu },
        "elu-hidden-softplus-code" => new() { InputSize = 6, HiddenSizes = [5], CodeSize = 3, HiddenActivation = Activation.Elu, CodeActivation = Activation.Softplus },
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };
}
