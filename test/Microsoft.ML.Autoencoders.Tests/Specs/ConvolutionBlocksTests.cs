using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Microsoft.ML.Autoencoders.Tests.Specs;

/// <summary>
/// <see cref="AutoencoderOptions.ConvolutionBlocks"/> through the estimator: with denoising noise and weight penalties,
/// in the anomaly detector (blobs are normal, stripes are not), and exported to ONNX; and the options it refuses.
/// </summary>
public class ConvolutionBlocksTests
{
    private const int Side = 8;

    private sealed class ImageRow
    {
        [VectorType(Side * Side)]
        public float[] Pixels { get; set; } = [];

        /// <summary>1 = anomaly, as ML.NET's anomaly evaluator reads it.</summary>
        public float Label { get; set; }
    }

    /// <summary>Gaussian blobs (normal) and, when <paramref name="stripes"/> &gt; 0, that many diagonal stripe images (anomalies).</summary>
    private static List<ImageRow> Images(int blobs, int stripes, int seed)
    {
        var random = new Random(seed);
        var rows = new List<ImageRow>();
        for (int i = 0; i < blobs; i++)
        {
            rows.Add(new ImageRow { Pixels = SoftDiscs.Draw(random, Side) });
        }
        for (int i = 0; i < stripes; i++)
        {
            int phase = random.Next(3);
            var pixels = new float[Side * Side];
            for (int y = 0; y < Side; y++)
                for (int x = 0; x < Side; x++)
                    pixels[y * Side + x] = (x + y + phase) % 3 == 0 ? 1f : 0f;
            rows.Add(new ImageRow { Pixels = pixels, Label = 1f });
        }
        return rows;
    }

    private static AutoencoderOptions BlockOptions() => new()
    {
        InputColumnName = "Pixels", InputShape = [1, Side, Side],
        ConvolutionBlocks = [new ConvolutionBlock(6), new ConvolutionBlock(4)],
        OutputActivation = AutoencoderActivation.Sigmoid, Loss = AutoencoderLoss.BinaryCrossEntropy,
        Epochs = 15, BatchSize = 16, LearningRate = 3e-3f, NumberOfThreads = 1,
    };

    [Fact]
    public void DenoisingBlocksWithPenalties_TrainAndExport()
    {
        var ml = new MLContext(seed: 1);
        var rows = Images(160, 0, seed: 5);
        var data = ml.Data.LoadFromEnumerable(rows);
        var options = BlockOptions();
        options.Noise = AutoencoderNoise.Gaussian;
        options.NoiseLevel = 0.2f;
        options.L2WeightPenalty = 1e-4f;
        options.DropoutRate = 0.05f;
        options.ReconstructionColumnName = "Reconstruction";
        var transformer = ml.Transforms.Autoencoder(options).Fit(data);

        Assert.Equal("[4, 2, 2]", transformer.Model.Spec.CodeShape.ToString());
        var epochs = transformer.Model.TrainingHistory!.Epochs;
        Assert.True(epochs[^1].TrainingLoss < epochs[0].TrainingLoss, $"loss {epochs[0].TrainingLoss} → {epochs[^1].TrainingLoss}");

        using var onnx = new MemoryStream();
        transformer.SaveAsOnnx(onnx);
        using var session = new InferenceSession(onnx.ToArray());
        float[] batch = rows.SelectMany(r => r.Pixels).ToArray();
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("input", new DenseTensor<float>(batch, [rows.Count, Side * Side]))]);
        ColumnValues.AssertClose(transformer.Model.Reconstruct(batch, rows.Count), results.Single(r => r.Name == "reconstruction").AsEnumerable<float>().ToArray(), "ONNX Runtime reconstruction");
    }

    /// <summary>
    /// ELU, which no convolution fuses, and SiLU, whose slope needs its input, after every block: the convolutions' backward
    /// passes take them as separate layers, and the export scores alike.
    /// </summary>
    [Theory]
    [InlineData(AutoencoderActivation.Elu)]
    [InlineData(AutoencoderActivation.Silu)]
    public void SmoothHiddenActivationAfterEveryBlock_TrainsAndExports(AutoencoderActivation hidden)
    {
        var ml = new MLContext(seed: 1);
        var rows = Images(64, 0, seed: 7);
        var data = ml.Data.LoadFromEnumerable(rows);
        var options = BlockOptions();
        (options.HiddenActivation, options.Epochs) = (hidden, 6);
        (options.EncodedColumnName, options.ReconstructionColumnName, options.ReconstructionErrorColumnName) = ("Code", "Reconstruction", "Error");

        var transformer = ml.Transforms.Autoencoder(options).Fit(data);

        Assert.Equal(4, transformer.Model.Spec.Layers.Count(l => l.AppliedActivation == AutoencoderEstimator.ToEngine(hidden)));
        var epochs = transformer.Model.TrainingHistory!.Epochs;
        Assert.True(epochs[^1].TrainingLoss < epochs[0].TrainingLoss, $"loss {epochs[0].TrainingLoss} → {epochs[^1].TrainingLoss}");
        ExportParity.AssertScoresAlike(ml, transformer, data, [.. rows.SelectMany(r => r.Pixels)]);
    }

    [Fact]
    public void AnomalyDetector_OnBlocks_SeparatesStripesFromBlobs()
    {
        var ml = new MLContext(seed: 1);
        var train = ml.Data.LoadFromEnumerable(Images(200, 0, seed: 5));
        var test = ml.Data.LoadFromEnumerable(Images(60, 20, seed: 9));
        var options = BlockOptions();
        var detector = ml.AnomalyDetection.Trainers.Autoencoder(new AutoencoderAnomalyOptions
        {
            FeatureColumnName = "Pixels", Contamination = 0.05, Autoencoder = options,
        }).Fit(train);
        var metrics = ml.AnomalyDetection.EvaluateAutoencoder(detector.Transform(test));
        Assert.True(metrics.AreaUnderRocCurve > 0.95, $"AUC {metrics.AreaUnderRocCurve:F3}");
    }

    [Fact]
    public void OptionsThatWouldGoUnused_AreRefused()
    {
        var ml = new MLContext(seed: 1);
        var withCode = BlockOptions();
        withCode.CodeSize = 16;
        Assert.Contains("CodeSize", Assert.Throws<ArgumentException>(() => ml.Transforms.Autoencoder(withCode)).Message);

        var flat = BlockOptions();
        flat.InputShape = null;
        Assert.Contains("InputShape", Assert.Throws<ArgumentException>(() => ml.Transforms.Autoencoder(flat).Fit(ml.Data.LoadFromEnumerable(Images(20, 0, 1)))).Message);

        var both = BlockOptions();
        both.EncoderLayers = [new Engine.Layers.FlattenSpec()];
        Assert.Contains("not both", Assert.Throws<ArgumentException>(() => ml.Transforms.Autoencoder(both)).Message);
    }
}
