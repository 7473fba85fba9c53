using System.Diagnostics;
using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Losses;
using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Autoencoders.Engine.Optimizers;
using Microsoft.ML.Autoencoders.Engine.Training;

namespace Microsoft.ML.Autoencoders.Benchmarks;

/// <summary>
/// The quality side of issue 12: the bench's Keras-blog conv autoencoder trained for many epochs on all of MNIST (BCE,
/// Adam 1e-3, batch 128, as the blog), printing the test binary cross-entropy after every epoch with the wall time so
/// far, to hold against the blog's ≈ 0.094 after 50 epochs.
///   conv-quality [--epochs N] [--threads N] [--mnist DIR] [--initialization NAME]
/// </summary>
public static class ConvQualityRun
{
    public static int Run(string[] args)
    {
        int epochs = 50, threads = Environment.ProcessorCount;
        var initialization = WeightInitialization.XavierOrHeByActivation;
        string? mnist = null;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--epochs": epochs = int.Parse(args[++i]); break;
                case "--threads": threads = int.Parse(args[++i]); break;
                case "--mnist": mnist = args[++i]; break;
                case "--initialization": initialization = Enum.Parse<WeightInitialization>(args[++i], ignoreCase: true); break;
                default:
                    Console.Error.WriteLine($"Unknown argument '{args[i]}': conv-quality [--epochs N] [--threads N] [--mnist DIR] [--initialization XavierOrHeByActivation|FanInUniform|...]");
                    return 2;
            }
        }
        string directory = Mnist.FindDirectory(mnist);
        var (train, trainRows, _) = Mnist.ReadImages(Path.Combine(directory, Mnist.TrainImages));
        var (test, testRows, _) = Mnist.ReadImages(Path.Combine(directory, Mnist.TestImages));
        var network = AutoencoderNetwork.Create(ConvEpochHarness.Network(initialization), AutoencoderCase.Seed);
        var options = new TrainingOptions
        {
            Epochs = epochs,
            BatchSize = ConvAutoencoderCase.BatchSize,
            Loss = LossKind.BinaryCrossEntropy,
            Optimizer = new OptimizerSettings { Kind = OptimizerKind.Adam, LearningRate = ConvAutoencoderCase.LearningRate },
            Seed = AutoencoderCase.Seed,
            Threads = threads,
        };
        var cache = network.CreateCache(500);
        var reconstruction = new float[testRows * 784];
        var clock = Stopwatch.StartNew();
        Console.WriteLine($"Keras-blog conv autoencoder, {trainRows} training digits, batch {options.BatchSize}, {threads} threads, {initialization} weights");
        new AutoencoderTrainer(network, options).Fit(train, null, trainRows, e =>
        {
            for (int start = 0; start < testRows; start += 500)
            {
                int rows = Math.Min(500, testRows - start);
                network.Reconstruct(cache, test.AsSpan(start * 784, rows * 784), reconstruction.AsSpan(start * 784, rows * 784), rows, LayerContext.Inference(threads));
            }
            double bce = ConvAutoencoderCase.BinaryCrossEntropy(reconstruction, test.AsSpan(0, testRows * 784));
            Console.WriteLine($"epoch {e.Epoch,3}: training loss {e.TrainingLoss:F5}, test BCE {bce:F5}, epoch {e.Seconds:F1} s, total {clock.Elapsed.TotalMinutes:F1} min");
        });
        return 0;
    }
}
