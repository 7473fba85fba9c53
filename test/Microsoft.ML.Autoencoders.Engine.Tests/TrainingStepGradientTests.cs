using Microsoft.ML.Autoencoders.Engine.Kernels;
using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Losses;
using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Autoencoders.Engine.Optimizers;
using Microsoft.ML.Autoencoders.Engine.Regularization;
using Microsoft.ML.Autoencoders.Engine.Tests.Kernels;
using Microsoft.ML.Autoencoders.Engine.Training;

namespace Microsoft.ML.Autoencoders.Engine.Tests;

/// <summary>
/// The training step's shortcuts change nothing it computes: slots written instead of cleared and added to, parameter
/// gradients written over (or, where sums are needed, cleared by the optimizer), and a mostly-zero input read as its nonzeros. Each step is held to the plain
/// path — clear everything, accumulate every gradient, dense input — through plain SGD with learning rate 1, whose
/// update is the gradient itself.
/// </summary>
public class TrainingStepGradientTests
{
    private const int Width = 60, Rows = 48;

    public static TheoryData<string> Configurations => new() { "plain", "tied", "l1-activity", "contractive-probes", "dense-input" };

    [Theory]
    [MemberData(nameof(Configurations))]
    public void StepsUpdateByTheGradientOfThePlainPath(string configuration)
    {
        CodeRegularizer[] regularizers = configuration switch
        {
            "l1-activity" => [new L1ActivityRegularizer(0.01f)],
            "contractive-probes" => [new ContractiveRegularizer(0.05f, probes: Width)],
            _ => [],
        };
        var architecture = new AutoencoderArchitecture
        {
            InputSize = Width,
            HiddenSizes = [24],
            CodeSize = 8,
            HiddenActivation = Activation.Relu,
            CodeActivation = Activation.Sigmoid,
            OutputActivation = Activation.Sigmoid,
            TiedWeights = configuration == "tied",
        };
        var options = new TrainingOptions
        {
            BatchSize = Rows,
            Loss = LossKind.MeanSquaredError,
            Optimizer = new OptimizerSettings { Kind = OptimizerKind.Sgd, LearningRate = 1f, Momentum = 0f },
            Threads = 2,
            CodeRegularizers = regularizers,
        };
        // 15 % nonzeros, like MNIST's 19 %: the sparse path; 90 %: the dense one.
        double density = configuration == "dense-input" ? 0.9 : 0.15;
        float[] data = SparseDenseGemmTests.SparseMatrix(new Random(3), Rows, Width, density);
        int[] rows = Enumerable.Range(0, Rows).Reverse().ToArray();

        var network = AutoencoderNetwork.Create(architecture, seed: 5);
        var reference = AutoencoderNetwork.Create(architecture, seed: 5);
        reference.Layers.UsesSparseInput = false;
        var step = new TrainingStep(network, options, Rows, new SeededRandom(1));
        var referenceCache = reference.CreateCache(Rows, forTraining: true);
        var context = new LayerContext(true, 2);

        for (int iteration = 0; iteration < 3; iteration++)
        {
            float[] before = network.Parameters.Values.ToArray();
            double loss = step.Run(data, data, rows, out double penalty);
            Assert.Equal(configuration != "dense-input", step.Cache.InputMask(Rows) != null);

            // The plain path on the reference network, which holds the same weights.
            Assert.Equal(before, reference.Parameters.Values);
            referenceCache.ZeroGradients();
            reference.Parameters.ZeroGradients();
            RowGather.Gather(data, rows, Width, referenceCache.Values(0, Rows));
            reference.Layers.Forward(referenceCache, Rows, context);
            int last = reference.Layers.Layers.Count;
            double referenceLoss = step.Loss.Compute(referenceCache.Values(last, Rows), referenceCache.Values(0, Rows), referenceCache.Gradients(last, Rows));
            reference.Layers.Backward(referenceCache, Rows, context, last, reference.CodeSlot);
            double referencePenalty = regularizers.Sum(r => r.Apply(reference, referenceCache, Rows, context));
            reference.Layers.Backward(referenceCache, Rows, context, reference.CodeSlot, 0);

            Assert.Equal(referenceLoss, loss, 1e-5);
            Assert.Equal(referencePenalty, penalty, 1e-5);
            float[] gradient = reference.Parameters.Gradients.ToArray();
            float[] after = network.Parameters.Values.ToArray();
            for (int i = 0; i < gradient.Length; i++)
            {
                float applied = before[i] - after[i];
                float tolerance = 1e-5f * (1f + Math.Abs(before[i]));
                Assert.True(Math.Abs(applied - gradient[i]) <= tolerance,
                    $"{configuration}, step {iteration}: parameter {i} moved by {applied}, the plain path's gradient is {gradient[i]}");
            }

            // Written over every step when nothing else adds to them; otherwise the optimizer leaves them cleared.
            Assert.Equal(configuration is "plain" or "dense-input", step.OverwritesParameterGradients);
            if (!step.OverwritesParameterGradients) Assert.All(network.Parameters.Gradients, g => Assert.Equal(0f, g));
            after.CopyTo(reference.Parameters.Values, 0);
        }
    }
}
