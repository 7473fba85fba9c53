using System.Diagnostics;
using Microsoft.ML.Autoencoders.Engine.Losses;
using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Autoencoders.Engine.Optimizers;
using Microsoft.ML.Autoencoders.Engine.Specs;
using Microsoft.ML.Autoencoders.Engine.Training;
using Microsoft.ML.Autoencoders.Engine.Variational;

namespace Microsoft.ML.Autoencoders.Benchmarks;

/// <summary>
/// The quality side of issue 13: PyTorch's examples VAE (784-400-20, ReLU, sigmoid output, BCE summed per image + KL,
/// Adam 1e-3, batch 128) and two others trained on all of MNIST, printing after every epoch the training objective and
/// the test negative ELBO in nats per image — one sample of z per test image, as the PyTorch example's test loss —
/// with the wall time, to hold against its ≈ 104–105.6 after 10 epochs.
///   vae-quality [--kind dense|deep|conv] [--epochs N] [--threads N] [--mnist DIR] [--learning-rate R] [--batch N] [--cosine]
///               [--initialization NAME] [--epsilon E] [--seed S]
/// </summary>
public static class VaeQualityRun
{
    /// <summary>The architectures: the PyTorch example's, a deeper dense one, and a convolutional one.</summary>
    public static VariationalArchitecture Architecture(string kind) => kind switch
    {
        "dense" => new() { InputShape = TensorShape.Flat(784), HiddenSizes = [400], LatentSize = 20 },
        "deep" => new() { InputShape = TensorShape.Flat(784), HiddenSizes = [512, 256], LatentSize = 20 },
        "conv" => new()
        {
            InputShape = new TensorShape(1, 28, 28), LatentSize = 20, HiddenSizes = [256],
            ConvolutionBlocks = [new ConvolutionBlock(32, 3, Stride: 2, Pooling: 1), new ConvolutionBlock(64, 3, Stride: 2, Pooling: 1)],
        },
        _ => throw new ArgumentException($"Unknown VAE kind '{kind}': dense, deep or conv."),
    };

    public static int Run(string[] args)
    {
        int epochs = 10, threads = Environment.ProcessorCount;
        string kind = "dense";
        float epsilon = 1e-8f, learningRate = 1e-3f;
        int batchSize = 128, seed = AutoencoderCase.Seed;
        bool cosine = false;
        var initialization = Engine.Layers.WeightInitialization.XavierOrHeByActivation;
        string? mnist = null;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--epochs": epochs = int.Parse(args[++i]); break;
                case "--threads": threads = int.Parse(args[++i]); break;
                case "--kind": kind = args[++i]; break;
                case "--mnist": mnist = args[++i]; break;
                case "--epsilon": epsilon = float.Parse(args[++i]); break;
                case "--learning-rate": learningRate = float.Parse(args[++i]); break;
                case "--batch": batchSize = int.Parse(args[++i]); break;
                case "--cosine": cosine = true; break;
                case "--seed": seed = int.Parse(args[++i]); break;
                case "--initialization": initialization = Enum.Parse<Engine.Layers.WeightInitialization>(args[++i], ignoreCase: true); break;
                default:
                    Console.Error.WriteLine($"Unknown argument '{args[i]}': vae-quality [--kind dense|deep|conv] [--epochs N] [--threads N] [--mnist DIR] [--learning-rate R] [--batch N] [--cosine] [--initialization NAME] [--epsilon E] [--seed S]");
                    return 2;
            }
        }
        string directory = Mnist.FindDirectory(mnist);
        var (train, trainRows, _) = Mnist.ReadImages(Path.Combine(directory, Mnist.TrainImages));
        var (test, testRows, _) = Mnist.ReadImages(Path.Combine(directory, Mnist.TestImages));
        var spec = (Architecture(kind) with { Initialization = initialization }).ToSpec();
        var network = AutoencoderNetwork.Create(spec, seed);
        var options = new TrainingOptions
        {
            Epochs = epochs,
            BatchSize = batchSize,
            Loss = LossKind.BinaryCrossEntropy,
            Optimizer = new OptimizerSettings { Kind = OptimizerKind.Adam, LearningRate = learningRate, Epsilon = epsilon },
            Seed = seed,
            Threads = threads,
            CodeRegularizers = [new GaussianKlDivergence(VariationalArchitecture.MomentsNode, 784)],
            // Cosine annealing from the learning rate to 0 over the run: the same epochs, a smaller last step.
            LearningRateSchedule = cosine ? new CosineSchedule(epochs) : null,
        };
        var vae = new VariationalAutoencoder(network, LossKind.BinaryCrossEntropy);
        var clock = Stopwatch.StartNew();
        Console.WriteLine($"{kind} VAE ({string.Join("-", [784, .. spec.Layers.OfType<Engine.Layers.DenseSpec>().Select(d => d.Units)])}), " +
            $"{trainRows} training digits, batch {options.BatchSize}, {threads} threads");
        double trainingSeconds = 0;
        new AutoencoderTrainer(network, options).Fit(train, null, trainRows, e =>
        {
            trainingSeconds += e.Seconds;
            // One draw of z per test image, from a fixed seed, so epochs compare.
            double testElbo = vae.MeanNegativeElbo(test, testRows, samples: 1, seed: 1, threads: threads);
            Console.WriteLine($"epoch {e.Epoch,3}: training -ELBO {(e.TrainingLoss + e.Penalty) * 784:F2}, test -ELBO {testElbo:F2} nats/image, " +
                $"epoch {e.Seconds:F2} s, training {trainingSeconds:F1} s, total {clock.Elapsed.TotalMinutes:F1} min");
        });
        return 0;
    }
}
