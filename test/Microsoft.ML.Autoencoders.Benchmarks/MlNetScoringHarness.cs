using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders.Benchmarks;

/// <summary>
/// Ours only: how fast a user's ML.NET code scores the MNIST test set with the library, beside the raw engine's
/// <c>ae_inference_rows_per_second</c>. A cursor over <c>Transform</c> reading code, reconstruction and error (it scores
/// in look-ahead batches), and a prediction engine (one row per call). The network is trained for one epoch through
/// the public estimator: scoring speed does not depend on how well it was trained. The peers have no ML.NET
/// pipeline to compare with. Runs after training's peak memory was read, so it does not touch that figure.
/// </summary>
public static class MlNetScoringHarness
{
    private const string Features = "Features";



    /// <summary>The scoring figures alone (<c>--part scoring</c>), on the MNIST files in <paramref name="mnistDirectory"/>.</summary>
    public static void Run(BenchSettings settings, int threads, string mnistDirectory, BenchReport report)
    {
        var (train, trainRows, _) = Mnist.ReadImages(Path.Combine(mnistDirectory, Mnist.TrainImages), settings.TrainRows);
        var (test, testRows, _) = Mnist.ReadImages(Path.Combine(mnistDirectory, Mnist.TestImages), settings.TestRows);
        Run(settings, threads, train, trainRows, test, testRows, report);
    }

    public static void Run(BenchSettings settings, int threads, float[] train, int trainRows, float[] test, int testRows, BenchReport report)
    {
        var ml = new MLContext(seed: AutoencoderCase.Seed);
        var options = new AutoencoderOptions
        {
            InputColumnName = Features,
            EncodedColumnName = "Encoded",
            ReconstructionColumnName = "Reconstruction",
            ReconstructionErrorColumnName = "Error",
            HiddenLayerSizes = AutoencoderCase.HiddenSizes,
            CodeSize = AutoencoderCase.CodeSize,
            HiddenActivation = AutoencoderActivation.Relu,
            CodeActivation = AutoencoderActivation.Relu,
            OutputActivation = AutoencoderActivation.Sigmoid,
            Epochs = 1,
            BatchSize = settings.BatchSize,
            Seed = AutoencoderCase.Seed,
            NumberOfThreads = threads,
        };
        var transformer = ml.Transforms.Autoencoder(options).Fit(ml.Data.LoadFromEnumerable(Images(train, trainRows)));
        List<ScoringImage> images = Images(test, testRows);
        IDataView scored = transformer.Transform(ml.Data.LoadFromEnumerable(images));
        var timer = SampleTimer.For(settings);

        DataViewSchema.Column[] outputs = [scored.Schema["Encoded"], scored.Schema["Reconstruction"], scored.Schema["Error"]];
        double checksum = 0;
        void Scan()
        {
            using var cursor = scored.GetRowCursor(outputs);
            var code = cursor.GetGetter<VBuffer<float>>(outputs[0]);
            var reconstruction = cursor.GetGetter<VBuffer<float>>(outputs[1]);
            var error = cursor.GetGetter<float>(outputs[2]);
            VBuffer<float> codeValue = default, reconstructionValue = default;
            float errorValue = 0;
            while (cursor.MoveNext())
            {
                code(ref codeValue);
                reconstruction(ref reconstructionValue);
                error(ref errorValue);
                checksum += errorValue;
            }
        }

        double scanSeconds = timer.MedianSecondsPerCall(Scan);
        report.Add("mlnet_transform_rows_per_second", "rows/s", testRows / scanSeconds, "higher",
            $"ours only: a cursor over Transform reading Encoded, Reconstruction and Error of {testRows} test rows");

        var engine = ml.Model.CreatePredictionEngine<ScoringImage, ScoringOutput>(transformer);
        double predictSeconds = timer.MedianSecondsPerCall(() =>
        {
            foreach (var image in images) checksum += engine.Predict(image).Error;
        });
        report.Add("mlnet_prediction_engine_rows_per_second", "rows/s", testRows / predictSeconds, "higher",
            $"ours only: PredictionEngine.Predict on each of {testRows} test rows (Reconstruction and Error)");
        if (!double.IsFinite(checksum)) throw new InvalidOperationException($"Scoring produced a non-finite error sum ({checksum}).");

        // The same network by every scoring route a user has (the scoring_rows_per_second_* rows).
        ScoringPathsHarness.Run(settings, threads, transformer, test, testRows, report);
    }

    private static List<ScoringImage> Images(float[] pixels, int rows) =>
        Enumerable.Range(0, rows).Select(r => new ScoringImage { Features = pixels.AsSpan(r * AutoencoderCase.InputSize, AutoencoderCase.InputSize).ToArray() }).ToList();
}
