using Microsoft.ML.Autoencoders.Data;
using Microsoft.ML.Autoencoders.Engine;
using Microsoft.ML.Autoencoders.Engine.Corruption;
using Microsoft.ML.Data;
using Xunit.Abstractions;

namespace Microsoft.ML.Autoencoders.Tests.Kinds;

/// <summary>
/// The denoising claim on real digits (a small subset, a few seconds): with x + 0.5·N(0, 1) clipped to [0, 1], the
/// denoising autoencoder's output is much closer to the clean test digits than the noisy input is, and closer than
/// a plain autoencoder of the same shape manages when handed the same noisy input.
/// </summary>
public class DenoisingMnistTests(ITestOutputHelper output)
{
    private const int TrainRows = 4000, TestRows = 500, Epochs = 8;

    [Fact]
    public void DenoisedDigitsHaveClearlyHigherPsnrThanNoisyOnesAndThanAPlainAutoencoders()
    {
        var ml = new MLContext(seed: 1);
        var train = MnistData.ReadTrain(maxRows: TrainRows);
        var test = MnistData.ReadTest(maxRows: TestRows);
        float[] clean = test.Pixels;
        float[] noisy = (float[])clean.Clone();
        new GaussianNoise(0.5f, 0f, 1f).Apply(noisy, new SeededRandom(2024)); // the test's own noise, not the trainer's

        AutoencoderOptions Options(AutoencoderNoise noise) => new()
        {
            InputColumnName = MnistData.FeaturesColumnName,
            EncodedColumnName = null,
            DenoisedColumnName = "Denoised",
            HiddenLayerSizes = [256],
            CodeSize = 64,
            OutputActivation = AutoencoderActivation.Sigmoid,
            Loss = AutoencoderLoss.BinaryCrossEntropy,
            Noise = noise,
            NoiseLevel = 0.5f,
            Epochs = Epochs,
            BatchSize = 128,
            Seed = 1,
        };
        var denoiser = ml.Transforms.DenoisingAutoencoder(Options(AutoencoderNoise.Gaussian)).Fit(train.ToDataView());
        var plain = ml.Transforms.Autoencoder(Options(AutoencoderNoise.None)).Fit(train.ToDataView());

        double noisyPsnr = Psnr(noisy, clean);
        double denoisedPsnr = Psnr(denoiser.Model.Reconstruct(noisy, TestRows, threads: 2), clean);
        double plainPsnr = Psnr(plain.Model.Reconstruct(noisy, TestRows, threads: 2), clean);
        output.WriteLine($"PSNR against clean test digits: noisy {noisyPsnr:F2} dB, denoising AE {denoisedPsnr:F2} dB, plain AE on noisy input {plainPsnr:F2} dB");

        Assert.True(denoisedPsnr > noisyPsnr + 5, $"denoised {denoisedPsnr:F2} dB vs noisy {noisyPsnr:F2} dB");
        Assert.True(denoisedPsnr > plainPsnr + 2, $"denoised {denoisedPsnr:F2} dB vs plain autoencoder {plainPsnr:F2} dB");

        // The Denoised column is that same output, row by row through the ML.NET pipeline.
        var scored = denoiser.Transform(new MnistSplit(noisy[..(784 * 3)], test.Labels[..3]).ToDataView());
        var rows = scored.GetColumn<float[]>("Denoised").ToArray();
        float[] direct = denoiser.Model.Reconstruct(noisy, 3);
        for (int r = 0; r < 3; r++) Assert.Equal(direct.AsSpan(r * 784, 784).ToArray(), rows[r], new FloatTolerance(1e-5f));
    }

    /// <summary>Peak signal-to-noise ratio for values in [0, 1]: 10·log10(1 / MSE), over every pixel of every image.</summary>
    private static double Psnr(float[] estimate, float[] clean)
    {
        double sum = 0;
        for (int i = 0; i < clean.Length; i++)
        {
            double difference = Math.Clamp(estimate[i], 0f, 1f) - clean[i];
            sum += difference * difference;
        }
        return 10 * Math.Log10(1 / (sum / clean.Length));
    }

    private sealed class FloatTolerance(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(float value) => 0;
    }
}
