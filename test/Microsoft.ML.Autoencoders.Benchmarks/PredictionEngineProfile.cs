using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders.Benchmarks;

/// <summary>
/// Where a prediction engine's time goes per row, for the bench's network (784-256-64-256-784): the same MNIST test rows
/// scored one at a time by
///   the engine alone (one row's forward pass and its error, no ML.NET),
///   ML.NET's own prediction engine over a pipeline that only copies the 784 inputs to the 784-wide output (what ML.NET
///   costs per row with our outputs' sizes, before any model runs),
///   and our estimator's prediction engine,
/// with the model's threads from --threads (one setting per process: a second model trained in the same process scored
/// 19-41 % slower whichever thread count came second). The differences are the parts.
///   predict [--rows N] [--threads N] [--mnist DIR]
/// </summary>
public static class PredictionEngineProfile
{


    private sealed class Copied
    {
        public float[] Reconstruction { get; set; } = [];
    }

    public static int Run(string[] args)
    {
        int rows = 10_000, threads = Environment.ProcessorCount;
        string? mnist = null;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--rows": rows = int.Parse(args[++i]); break;
                case "--threads": threads = int.Parse(args[++i]); break;
                case "--mnist": mnist = args[++i]; break;
                default: Console.Error.WriteLine($"Unknown argument '{args[i]}': predict [--rows N] [--threads N] [--mnist DIR]"); return 2;
            }
        }
        string directory = Mnist.FindDirectory(mnist);
        var (train, trainRows, _) = Mnist.ReadImages(Path.Combine(directory, Mnist.TrainImages), 12_000);
        var (test, testRows, _) = Mnist.ReadImages(Path.Combine(directory, Mnist.TestImages), rows);
        var images = Enumerable.Range(0, testRows)
            .Select(r => new ScoringImage { Features = test.AsSpan(r * AutoencoderCase.InputSize, AutoencoderCase.InputSize).ToArray() }).ToList();
        var timer = new SampleTimer(samples: 7, minSampleSeconds: 0.2, warmupCalls: 2);
        double checksum = 0;
        double MicrosecondsPerRow(Action scoreAll) => timer.MedianSecondsPerCall(scoreAll) / testRows * 1e6;

        var ml = new MLContext(seed: AutoencoderCase.Seed);
        var trainingView = ml.Data.LoadFromEnumerable(images.Take(1).Concat(Enumerable.Range(0, trainRows)
            .Select(r => new ScoringImage { Features = train.AsSpan(r * AutoencoderCase.InputSize, AutoencoderCase.InputSize).ToArray() })));

        var copy = ml.Transforms.CopyColumns("Reconstruction", "Features").Fit(trainingView);
        var copyEngine = ml.Model.CreatePredictionEngine<ScoringImage, Copied>(copy);
        double mlnetOnly = MicrosecondsPerRow(() => { foreach (var image in images) checksum += copyEngine.Predict(image).Reconstruction[0]; });
        Console.WriteLine($"ML.NET alone (a prediction engine that copies the 784 inputs to a 784-wide output): {mlnetOnly:F2} µs/row");

        {
            var transformer = ml.Transforms.Autoencoder(new AutoencoderOptions
            {
                InputColumnName = "Features",
                ReconstructionColumnName = "Reconstruction",
                ReconstructionErrorColumnName = "Error",
                HiddenLayerSizes = AutoencoderCase.HiddenSizes,
                CodeSize = AutoencoderCase.CodeSize,
                HiddenActivation = AutoencoderActivation.Relu,
                CodeActivation = AutoencoderActivation.Relu,
                OutputActivation = AutoencoderActivation.Sigmoid,
                Epochs = 1,
                BatchSize = 256,
                Seed = AutoencoderCase.Seed,
                NumberOfThreads = threads,
            }).Fit(trainingView);

            var network = transformer.Model.Network;
            var cache = network.CreateCache(1);
            var context = LayerContext.Inference(threads);
            double engineOnly = MicrosecondsPerRow(() =>
            {
                foreach (var image in images)
                {
                    image.Features.CopyTo(network.Input(cache, 1));
                    network.Forward(cache, 1, context);
                    checksum += network.Reconstruction(cache, 1)[0];
                }
            });

            var engine = ml.Model.CreatePredictionEngine<ScoringImage, ScoringOutput>(transformer);
            double predict = MicrosecondsPerRow(() => { foreach (var image in images) checksum += engine.Predict(image).Error; });
            Console.WriteLine($"{threads} thread(s): engine forward of one row {engineOnly:F2} µs, prediction engine {predict:F2} µs/row " +
                $"({1e6 / predict:N0} rows/s); the library's glue and ML.NET: {predict - engineOnly:F2} µs, of which ML.NET's own copy " +
                $"pipeline costs {mlnetOnly:F2}");
        }
        if (!double.IsFinite(checksum)) throw new InvalidOperationException("Scoring produced a non-finite sum.");
        return 0;
    }
}
