using Microsoft.ML.Autoencoders.Engine;
using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Losses;
using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Autoencoders.Engine.Optimizers;
using Microsoft.ML.Autoencoders.Engine.Specs;
using Microsoft.ML.Autoencoders.Engine.Training;

namespace Microsoft.ML.Autoencoders.Benchmarks;

/// <summary>The <see cref="ConvAutoencoderCase"/> network on our engine: seconds for the second epoch, test BCE after both.</summary>
public static class ConvEpochHarness
{
    /// <summary>The Keras blog's network as layer specs, every convolution's weights drawn by <paramref name="initialization"/>.</summary>
    public static NetworkSpec Network(WeightInitialization initialization = WeightInitialization.XavierOrHeByActivation)
    {
        var relu = new ActivationSpec(Activation.Relu);
        Conv2dSpec Conv(int filters, Conv2dPadding padding = Conv2dPadding.Same) => new(filters, 3, Padding: padding, Initialization: initialization);
        return NetworkSpec.Create(new TensorShape(1, 28, 28),
            [
                Conv(16), relu, new MaxPool2dSpec(2),
                Conv(8), relu, new MaxPool2dSpec(2),
                Conv(8), relu, new MaxPool2dSpec(2, CeilMode: true),
            ],
            decoder:
            [
                Conv(8), relu, new Upsample2dSpec(2),
                Conv(8), relu, new Upsample2dSpec(2),
                Conv(16, Conv2dPadding.Valid), relu, new Upsample2dSpec(2),
                Conv(1), new ActivationSpec(Activation.Sigmoid),
            ]);
    }

    public static void Run(BenchSettings settings, int threads, float[] train, int trainRows, float[] test, int testRows, BenchReport report)
    {
        // The peers draw their weights as PyTorch's layers do, U(±1/√fan-in); the same here, so all three train the same
        // model and their test losses compare (with our He default the same two epochs end 9 % higher: 0.139 against 0.126).
        var network = AutoencoderNetwork.Create(Network(WeightInitialization.FanInUniform), AutoencoderCase.Seed);
        var options = new TrainingOptions
        {
            Epochs = ConvAutoencoderCase.Epochs,
            BatchSize = ConvAutoencoderCase.BatchSize,
            Loss = LossKind.BinaryCrossEntropy,
            Optimizer = new OptimizerSettings { Kind = OptimizerKind.Adam, LearningRate = ConvAutoencoderCase.LearningRate },
            Seed = AutoencoderCase.Seed,
            Threads = threads,
        };
        Console.WriteLine("  conv autoencoder (Keras blog network)");
        var history = new AutoencoderTrainer(network, options).Fit(train, null, trainRows,
            e => Console.WriteLine($"    epoch {e.Epoch}: loss {e.TrainingLoss:F5}, {e.Seconds:F3} s"));
        report.Add("conv_ae_epoch_seconds", "s/epoch", history.Epochs[^1].Seconds, "lower",
            $"epoch {ConvAutoencoderCase.Epochs} of {ConvAutoencoderCase.Epochs}, {trainRows} rows, batch {ConvAutoencoderCase.BatchSize}");

        ConvLayerTimings.Run(settings, network, train, trainRows, ConvAutoencoderCase.BatchSize, threads, report);

        const int InferenceBatch = 500;
        var cache = network.CreateCache(InferenceBatch);
        var reconstruction = new float[testRows * 784];
        for (int start = 0; start < testRows; start += InferenceBatch)
        {
            int rows = Math.Min(InferenceBatch, testRows - start);
            network.Reconstruct(cache, test.AsSpan(start * 784, rows * 784), reconstruction.AsSpan(start * 784, rows * 784), rows, LayerContext.Inference(threads));
        }
        report.Add("conv_ae_test_bce", "BCE", ConvAutoencoderCase.BinaryCrossEntropy(reconstruction, test.AsSpan(0, testRows * 784)), "lower",
            $"{testRows} test rows after {ConvAutoencoderCase.Epochs} epochs");
    }
}
