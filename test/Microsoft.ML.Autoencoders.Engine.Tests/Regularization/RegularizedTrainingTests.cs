using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Autoencoders.Engine.Regularization;
using Microsoft.ML.Autoencoders.Engine.Training;

namespace Microsoft.ML.Autoencoders.Engine.Tests.Regularization;

/// <summary>Training with each penalty does what the penalty claims, measured against the same training without it.</summary>
public class RegularizedTrainingTests
{
    private const int Rows = 400, Width = 16;
    private static readonly float[] Data = TestData.NearSubspace(new SeededRandom(51), Rows, Width, [1.0, 0.8, 0.6, 0.4], 0.05).Data;

    private static (AutoencoderNetwork Network, TrainingHistory History) Train(AutoencoderArchitecture architecture, TrainingOptions extra)
    {
        var network = AutoencoderNetwork.Create(architecture, seed: 7);
        var options = extra with { Epochs = 30, BatchSize = 32, Seed = 8, Threads = 1, Optimizer = new() { LearningRate = 0.01f } };
        return (network, new AutoencoderTrainer(network, options).Fit(Data, null, Rows));
    }

    private static float[] Codes(AutoencoderNetwork network)
    {
        var cache = network.CreateCache(Rows);
        Data.CopyTo(network.Input(cache, Rows));
        network.Encode(cache, Rows, LayerContext.Inference());
        return network.Code(cache, Rows).ToArray();
    }

    [Fact]
    public void L1ActivityPenaltyMakesTheCodeSparse()
    {
        // Overcomplete ReLU code: without a penalty most units are active; L1 silences most of them.
        var architecture = new AutoencoderArchitecture { InputSize = Width, CodeSize = 24, CodeActivation = Activation.Relu, OutputActivation = Activation.Linear };
        float[] plain = Codes(Train(architecture, new TrainingOptions()).Network);
        var (network, history) = Train(architecture, new TrainingOptions { CodeRegularizers = [new L1ActivityRegularizer(0.01f)] });
        float[] sparse = Codes(network);

        double plainMean = plain.Average(Math.Abs), sparseMean = sparse.Average(Math.Abs);
        double plainZeros = plain.Count(v => Math.Abs(v) < 1e-3) / (double)plain.Length;
        double sparseZeros = sparse.Count(v => Math.Abs(v) < 1e-3) / (double)sparse.Length;
        Assert.True(sparseMean < 0.5 * plainMean, $"mean |code| {sparseMean:F4} with L1, {plainMean:F4} without");
        Assert.True(sparseZeros > plainZeros + 0.2, $"near-zero share {sparseZeros:P1} with L1, {plainZeros:P1} without");
        Assert.All(history.Epochs, e => Assert.True(e.Penalty > 0)); // the penalty is reported
    }

    [Fact]
    public void KlSparsityPenaltyPullsMeanActivationToTheTarget()
    {
        var architecture = new AutoencoderArchitecture { InputSize = Width, CodeSize = 12, CodeActivation = Activation.Sigmoid, OutputActivation = Activation.Linear };
        float[] plain = Codes(Train(architecture, new TrainingOptions()).Network);
        float[] sparse = Codes(Train(architecture, new TrainingOptions { CodeRegularizers = [new KlSparsityRegularizer(0.05f, 1f)] }).Network);

        double plainMean = plain.Average(v => (double)v), sparseMean = sparse.Average(v => (double)v);
        Assert.True(plainMean > 0.25, $"without the penalty the mean activation is already {plainMean:F3}; the test would prove nothing");
        Assert.InRange(sparseMean, 0.02, 0.1);
    }

    [Fact]
    public void WeightPenaltiesShrinkTheWeightsButNotTheBiases()
    {
        var architecture = new AutoencoderArchitecture { InputSize = Width, CodeSize = 4, OutputActivation = Activation.Linear };
        static double SquaredWeights(AutoencoderNetwork n) => n.Layers.Layers.OfType<Dense>().Sum(d => d.Weights.Values.ToArray().Sum(v => (double)v * v));
        var plain = Train(architecture, new TrainingOptions()).Network;
        var (l2, history) = Train(architecture, new TrainingOptions { L2WeightPenalty = 0.01f });
        var l1 = Train(architecture, new TrainingOptions { L1WeightPenalty = 0.01f }).Network;

        Assert.True(SquaredWeights(l2) < 0.8 * SquaredWeights(plain), $"Σ W² {SquaredWeights(l2):F3} with L2, {SquaredWeights(plain):F3} without");
        Assert.True(l1.Parameters.Values.Count(v => Math.Abs(v) < 1e-3) > plain.Parameters.Values.Count(v => Math.Abs(v) < 1e-3));
        Assert.Equal(history.Epochs[^1].TrainingLoss + history.Epochs[^1].Penalty, history.Epochs[^1].TotalTrainingLoss);
    }
}
