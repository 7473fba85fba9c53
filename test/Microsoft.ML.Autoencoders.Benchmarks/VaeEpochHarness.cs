using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Losses;
using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Autoencoders.Engine.Optimizers;
using Microsoft.ML.Autoencoders.Engine.Specs;
using Microsoft.ML.Autoencoders.Engine.Training;
using Microsoft.ML.Autoencoders.Engine.Variational;

namespace Microsoft.ML.Autoencoders.Benchmarks;

/// <summary>The <see cref="VaeCase"/> network on our engine: seconds for the second epoch, test negative ELBO after both.</summary>
public static class VaeEpochHarness
{
    /// <summary>The PyTorch examples' VAE as a spec, weights drawn as nn.Linear draws them.</summary>
    public static NetworkSpec Network() => new VariationalArchitecture
    {
        InputShape = TensorShape.Flat(784), HiddenSizes = [VaeCase.Hidden], LatentSize = VaeCase.Latent,
        Initialization = WeightInitialization.FanInUniform,
    }.ToSpec();

    public static void Run(int threads, float[] train, int trainRows, float[] test, int testRows, BenchReport report)
    {
        var network = AutoencoderNetwork.Create(Network(), AutoencoderCase.Seed);
        var options = new TrainingOptions
        {
            Epochs = VaeCase.Epochs,
            BatchSize = VaeCase.BatchSize,
            Loss = LossKind.BinaryCrossEntropy,
            Optimizer = new OptimizerSettings { Kind = OptimizerKind.Adam, LearningRate = VaeCase.LearningRate },
            Seed = AutoencoderCase.Seed,
            Threads = threads,
            CodeRegularizers = [new GaussianKlDivergence(VariationalArchitecture.MomentsNode, 784)],
        };
        Console.WriteLine("  variational autoencoder (PyTorch examples' VAE)");
        var history = new AutoencoderTrainer(network, options).Fit(train, null, trainRows,
            e => Console.WriteLine($"    epoch {e.Epoch}: negative ELBO {(e.TrainingLoss + e.Penalty) * 784:F2}, {e.Seconds:F3} s"));
        report.Add("vae_epoch_seconds", "s/epoch", history.Epochs[^1].Seconds, "lower",
            $"epoch {VaeCase.Epochs} of {VaeCase.Epochs}, {trainRows} rows, batch {VaeCase.BatchSize}");
        double elbo = new VariationalAutoencoder(network, LossKind.BinaryCrossEntropy).MeanNegativeElbo(test, testRows, samples: 1, seed: 1, threads: threads);
        report.Add("vae_test_negative_elbo", "nats/image", elbo, "lower", $"{testRows} test rows after {VaeCase.Epochs} epochs, one latent draw each");
    }
}
