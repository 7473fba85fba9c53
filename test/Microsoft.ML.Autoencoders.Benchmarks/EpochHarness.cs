using Microsoft.ML.Autoencoders.Engine;
using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Losses;
using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Autoencoders.Engine.Optimizers;
using Microsoft.ML.Autoencoders.Engine.Training;

namespace Microsoft.ML.Autoencoders.Benchmarks;

/// <summary>
/// Whole-model figures for our engine, timed plainly (an epoch is seconds long, so BenchmarkDotNet's
/// statistics add nothing): seconds per MNIST epoch after a warm-up epoch, test MSE after the last epoch,
/// peak resident memory of training, and inference rows/s on the test set. Run it in its own process
/// (--part training) so the peak memory belongs to training alone.
/// </summary>
public static class EpochHarness
{
    /// <summary>
    /// <see cref="AutoencoderCase"/>'s network as our engine builds it (kept out of the Shared folder, which the TorchSharp
    /// peer compiles too), with the weight range PyTorch's nn.Linear starts from, so the test MSEs compare training, not
    /// initializations.
    /// </summary>
    public static AutoencoderArchitecture CaseArchitecture() => new()
    {
        InputSize = AutoencoderCase.InputSize,
        HiddenSizes = AutoencoderCase.HiddenSizes,
        CodeSize = AutoencoderCase.CodeSize,
        HiddenActivation = Activation.Relu,
        CodeActivation = Activation.Relu,
        OutputActivation = Activation.Sigmoid,
        Initialization = WeightInitialization.FanInUniform,
    };

    public static void Run(BenchSettings settings, int threads, string mnistDirectory, BenchReport report)
    {
        var (train, trainRows, pixels) = Mnist.ReadImages(Path.Combine(mnistDirectory, Mnist.TrainImages), settings.TrainRows);
        var (test, testRows, _) = Mnist.ReadImages(Path.Combine(mnistDirectory, Mnist.TestImages), settings.TestRows);
        if (pixels != AutoencoderCase.InputSize) throw new InvalidDataException($"Expected 784-pixel images, found {pixels}.");

        var architecture = CaseArchitecture();
        var options = new TrainingOptions
        {
            Epochs = settings.Epochs,
            BatchSize = settings.BatchSize,
            Loss = LossKind.MeanSquaredError,
            Optimizer = new OptimizerSettings { Kind = OptimizerKind.Adam, LearningRate = AutoencoderCase.LearningRate },
            Seed = AutoencoderCase.Seed,
            Threads = threads,
            Shuffle = true,
            ValidationFraction = 0,
        };

        // The engine as a user gets it (the first layer reads MNIST's mostly-zero batches as their nonzeros), then the
        // same run with that path switched off, every layer dense like the peers' — both figures are reported.
        var (network, epochSeconds, peakMegabytes) = Train(architecture, options, train, trainRows, sparseInput: true);
        Report(report, "", settings, network, epochSeconds, test, testRows, pixels, threads, trainRows);
        var (denseNetwork, denseEpochSeconds, _) = Train(architecture, options, train, trainRows, sparseInput: false);
        Report(report, SummaryMerger.DenseInputSuffix, settings, denseNetwork, denseEpochSeconds, test, testRows, pixels, threads, trainRows);
        if (peakMegabytes is double mb)
            report.Add("ae_train_peak_rss", "MiB", mb, "lower", "VmHWM at the end of the first training, own process");
        MlNetScoringHarness.Run(settings, threads, train, trainRows, test, testRows, report);
        ConvEpochHarness.Run(settings, threads, train, trainRows, test, testRows, report);
        VaeEpochHarness.Run(threads, train, trainRows, test, testRows, report);
    }

    private static (AutoencoderNetwork Network, double EpochSeconds, double? PeakMegabytes) Train(
        AutoencoderArchitecture architecture, TrainingOptions options, float[] train, int trainRows, bool sparseInput)
    {
        var network = AutoencoderNetwork.Create(architecture, AutoencoderCase.Seed);
        network.Layers.UsesSparseInput = sparseInput;
        Console.WriteLine($"  training, sparse input path {(sparseInput ? "on" : "off")}");
        var history = new AutoencoderTrainer(network, options).Fit(train, null, trainRows,
            e => Console.WriteLine($"    epoch {e.Epoch}: loss {e.TrainingLoss:F5}, {e.Seconds:F3} s"));
        // Read the peak before inference allocates anything: this figure is training's.
        double? peakMegabytes = PeakMemory.ReadMegabytes();
        double[] timed = history.Epochs.Skip(1).Select(e => e.Seconds).ToArray();
        return (network, SampleTimer.Median(timed), peakMegabytes);
    }

    private static void Report(BenchReport report, string suffix, BenchSettings settings, AutoencoderNetwork network, double epochSeconds,
        float[] test, int testRows, int pixels, int threads, int trainRows)
    {
        string path = suffix.Length == 0 ? "" : "; sparse input path off: every layer dense";
        report.Add("ae_epoch_seconds" + suffix, "s/epoch", epochSeconds, "lower",
            $"median of epochs 2..{settings.Epochs}, {trainRows} rows, batch {settings.BatchSize}{path}");

        var cache = network.CreateCache(settings.InferenceBatchSize);
        var context = LayerContext.Inference(threads);
        var reconstruction = new float[test.Length];
        void InferAll()
        {
            for (int start = 0; start < testRows; start += settings.InferenceBatchSize)
            {
                int rows = Math.Min(settings.InferenceBatchSize, testRows - start);
                // The test rows in place, the reconstruction straight into its array, as the peers' model(x[slice]) does.
                network.Reconstruct(cache, test.AsSpan(start * pixels, rows * pixels), reconstruction.AsSpan(start * pixels, rows * pixels), rows, context);
            }
        }

        double passSeconds = SampleTimer.For(settings).MedianSecondsPerCall(InferAll);
        InferAll();
        report.Add("ae_test_mse" + suffix, "MSE", AutoencoderCase.MeanSquaredError(reconstruction, test), "lower",
            $"{testRows} test rows after {settings.Epochs} epochs{path}");
        report.Add("ae_inference_rows_per_second" + suffix, "rows/s", testRows / passSeconds, "higher",
            $"{testRows} test rows, batch {settings.InferenceBatchSize}{path}");
    }
}
