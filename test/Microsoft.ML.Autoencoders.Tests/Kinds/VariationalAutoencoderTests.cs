using Microsoft.ML.Autoencoders.Data;
using Microsoft.ML.Autoencoders.Engine;
using Microsoft.ML.Autoencoders.Engine.Variational;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Xunit.Abstractions;

namespace Microsoft.ML.Autoencoders.Tests.Kinds;

/// <summary>
/// The variational autoencoder through ML.NET on real digits (a small subset, a few seconds of training): it models them
/// far better than independent pixels do, its columns are the engine's values, it survives every save route with its
/// scores and its generator, and the exported graph scores the negative ELBO like the engine.
/// </summary>
public class VariationalAutoencoderTests : IClassFixture<VariationalAutoencoderTests.TrainedVae>
{
    private const int TrainRows = 4000, TestRows = 300;

    /// <summary>One VAE trained once for the tests that only read it.</summary>
    public sealed class TrainedVae
    {
        public TrainedVae()
        {
            Train = MnistData.ReadTrain(maxRows: TrainRows);
            Test = MnistData.ReadTest(maxRows: TestRows);
            var ml = new MLContext(seed: 1);
            Transformer = ml.Transforms.VariationalAutoencoder(new AutoencoderOptions
            {
                InputColumnName = MnistData.FeaturesColumnName, EncodedColumnName = "Latent", ReconstructionColumnName = "Reconstruction",
                NegativeElboColumnName = "NegativeElbo", ReconstructionErrorColumnName = "Error",
                HiddenLayerSizes = [256], CodeSize = 8, Loss = AutoencoderLoss.BinaryCrossEntropy, OutputActivation = AutoencoderActivation.Sigmoid,
                Epochs = 8, BatchSize = 64, Seed = 3, NumberOfThreads = 2,
            }).Fit(Train.ToDataView());
        }

        public MnistSplit Train { get; }

        public MnistSplit Test { get; }

        public AutoencoderTransformer Transformer { get; }
    }

    private readonly TrainedVae _vae;
    private readonly ITestOutputHelper output;

    public VariationalAutoencoderTests(ITestOutputHelper output, TrainedVae vae)
    {
        this.output = output;
        _vae = vae;
    }

    [Fact]
    public void ModelsDigitsFarBetterThanIndependentPixels()
    {
        var model = _vae.Transformer.Model;
        Assert.True(model.IsVariational);
        double elbo = model.Variational.MeanNegativeElbo(_vae.Test.Pixels, TestRows, samples: 1, seed: 5);
        double pixels = IndependentPixelNats(_vae.Train.Pixels, _vae.Test.Pixels);
        var kl = new float[TestRows];
        model.Variational.NegativeElbo(_vae.Test.Pixels, TestRows, [], [], kl);
        output.WriteLine($"test negative ELBO {elbo:F1} nats/image (1 sample); independent Bernoulli pixels {pixels:F1}; mean KL {kl.Average():F2} nats");
        Assert.True(elbo < pixels - 40, $"VAE {elbo:F1} vs independent pixels {pixels:F1} nats per image");
        Assert.True(kl.Average() > 5, $"The latent carries {kl.Average():F2} nats per image: it collapsed.");
        Assert.NotNull(model.TrainingHistory);
        Assert.True(model.TrainingHistory!.Epochs[^1].Penalty > 0);
    }

    [Fact]
    public void ColumnsAreTheEnginesValues()
    {
        var model = _vae.Transformer.Model;
        float[] x = _vae.Test.Pixels[..(784 * 20)];
        var scored = _vae.Transformer.Transform(new MnistSplit(x, _vae.Test.Labels[..20]).ToDataView());
        float[] means = model.Variational.EncodeMeans(x, 20);
        float[] elbos = model.NegativeElbos(x, 20);
        ColumnValues.AssertClose(Enumerable.Range(0, 20).Select(r => means[(r * 8)..((r + 1) * 8)]).ToList(), ColumnValues.Vectors(scored, "Latent"), "latent mean");
        ColumnValues.AssertClose(elbos, ColumnValues.Scalars(scored, "NegativeElbo"), "negative ELBO", tolerance: 1e-4);
        ColumnValues.AssertClose(model.ReconstructionErrors(x, 20), ColumnValues.Scalars(scored, "Error"), "error");
        // The score ranks: a digit is far more likely than the same pixels shuffled.
        float[] shuffled = (float[])x[..784].Clone();
        var order = Enumerable.Range(0, 784).ToArray();
        new SeededRandom(2).Shuffle(order);
        for (int i = 0; i < 784; i++) shuffled[i] = x[order[i]];
        Assert.True(model.NegativeElbos(shuffled, 1)[0] > elbos[0] + 50, "A shuffled digit should score far worse than the digit.");
    }

    [Fact]
    public void SurvivesModelSaveLoadWithScoresAndGenerator()
    {
        var ml = new MLContext(seed: 1);
        var data = new MnistSplit(_vae.Test.Pixels[..(784 * 50)], _vae.Test.Labels[..50]).ToDataView();
        var expected = _vae.Transformer.Transform(data);
        using var file = new TemporaryFile();
        ml.Model.Save(_vae.Transformer, data.Schema, file.Path);

        var loaded = new MLContext().Model.Load(file.Path, out _).Transform(data);
        ColumnValues.AssertClose(ColumnValues.Vectors(expected, "Latent"), ColumnValues.Vectors(loaded, "Latent"), "latent after Model.Load");
        ColumnValues.AssertClose(ColumnValues.Vectors(expected, "Reconstruction"), ColumnValues.Vectors(loaded, "Reconstruction"), "reconstruction after Model.Load");
        ColumnValues.AssertClose(ColumnValues.Scalars(expected, "NegativeElbo"), ColumnValues.Scalars(loaded, "NegativeElbo"), "negative ELBO after Model.Load", tolerance: 1e-4);

        var typed = AutoencoderTransformer.LoadFromModelFile(file.Path);
        Assert.True(typed.Model.IsVariational);
        Assert.Equal(_vae.Transformer.Model.Loss, typed.Model.Loss);
        var (items, _) = _vae.Transformer.Model.Variational.Sample(16, seed: 9);
        Assert.Equal(items, typed.Model.Variational.Sample(16, seed: 9).Items);
        ColumnValues.AssertClose(ColumnValues.Scalars(expected, "NegativeElbo"), ColumnValues.Scalars(typed.Transform(data), "NegativeElbo"), "typed reload", tolerance: 1e-4);
    }

    [Fact]
    public void OnnxFileScoresTheNegativeElboLikeTheEngine()
    {
        var model = _vae.Transformer.Model;
        using var file = new MemoryStream();
        _vae.Transformer.SaveAsOnnx(file);
        using var session = new InferenceSession(file.ToArray());
        const int n = 64;
        float[] batch = _vae.Test.Pixels[..(784 * n)];
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("input", new DenseTensor<float>(batch, [n, 784]))]);
        float[] elbo = results.Single(r => r.Name == "negative_elbo").AsEnumerable<float>().ToArray();
        float[] encoded = results.Single(r => r.Name == "encoded").AsEnumerable<float>().ToArray();
        ColumnValues.AssertClose(model.NegativeElbos(batch, n), elbo, "negative ELBO in ONNX Runtime", tolerance: 1e-4);
        ColumnValues.AssertClose(model.Encode(batch, n), encoded, "latent mean in ONNX Runtime");
    }

    [Fact]
    public void EncoderAndDecoderFilesServeAloneLikeTheEngine()
    {
        var model = _vae.Transformer.Model;
        var vae = model.Variational;
        const int n = 32;
        float[] batch = _vae.Test.Pixels[..(784 * n)];
        using var encoderFile = new MemoryStream();
        _vae.Transformer.SaveEncoderAsOnnx(encoderFile);
        using var encoder = new InferenceSession(encoderFile.ToArray());
        using var encoded = encoder.Run([NamedOnnxValue.CreateFromTensor("input", new DenseTensor<float>(batch, [n, 784]))]);
        float[] moments = vae.EncodeMoments(batch, n);
        float[] means = Enumerable.Range(0, n).SelectMany(r => moments[(r * 16)..(r * 16 + 8)]).ToArray();
        float[] logVariances = Enumerable.Range(0, n).SelectMany(r => moments[(r * 16 + 8)..(r * 16 + 16)]).ToArray();
        ColumnValues.AssertClose(means, encoded.Single(r => r.Name == "encoded").AsEnumerable<float>().ToArray(), "encoder file: mean");
        ColumnValues.AssertClose(logVariances, encoded.Single(r => r.Name == "log_variance").AsEnumerable<float>().ToArray(), "encoder file: log-variance");

        // The decoder is the generator: prior samples decode to the engine's items.
        var (items, latents) = vae.Sample(n, seed: 12);
        using var decoderFile = new MemoryStream();
        _vae.Transformer.SaveDecoderAsOnnx(decoderFile);
        using var decoder = new InferenceSession(decoderFile.ToArray());
        using var decoded = decoder.Run([NamedOnnxValue.CreateFromTensor("encoded", new DenseTensor<float>(latents, [n, 8]))]);
        ColumnValues.AssertClose(items, decoded.Single(r => r.Name == "reconstruction").AsEnumerable<float>().ToArray(), "decoder file");
    }

    /// <summary>
    /// Generation: the mean of many samples from the prior looks like the mean training digit, the samples differ from one
    /// another, and walking between two test digits starts and ends at their reconstructions.
    /// </summary>
    [Fact]
    public void GeneratesDigitLikeImagesAndInterpolates()
    {
        var vae = _vae.Transformer.Model.Variational;
        var (items, _) = vae.Sample(500, seed: 4);
        double correlation = Correlation(MeanImage(items), MeanImage(_vae.Train.Pixels));
        double spread = Enumerable.Range(0, 784).Average(p => Variance(Enumerable.Range(0, 500).Select(r => items[r * 784 + p])));
        output.WriteLine($"mean generated vs mean training image: r = {correlation:F3}; mean per-pixel variance across samples {spread:F4}");
        Assert.True(correlation > 0.9, $"r = {correlation:F3}");
        Assert.True(spread > 0.01, $"The samples barely differ (variance {spread:F4}).");

        float[] a = _vae.Test.Pixels[..784], b = _vae.Test.Pixels[784..1568];
        float[] strip = vae.Interpolate(a, b, 7, InterpolationPath.Spherical);
        float[] ends = vae.Decode(vae.EncodeMeans([.. a, .. b], 2), 2);
        Assert.Equal(ends[..784], strip[..784]);
        Assert.Equal(ends[784..], strip[(6 * 784)..]);
    }

    [Fact]
    public void VariationalOptionsAreCheckedUpFront()
    {
        var ml = new MLContext();
        Assert.Contains("Variational", Assert.Throws<ArgumentException>(() => ml.Transforms.Autoencoder(new AutoencoderOptions { NegativeElboColumnName = "E" })).Message);
        Assert.Contains("Variational", Assert.Throws<ArgumentException>(() => ml.Transforms.Autoencoder(new AutoencoderOptions { KlWeight = 4 })).Message);
        Assert.Contains("Sigmoid", Assert.Throws<ArgumentException>(() => ml.Transforms.VariationalAutoencoder(new AutoencoderOptions { Loss = AutoencoderLoss.BinaryCrossEntropy })).Message);
        Assert.Contains("CodeActivation", Assert.Throws<ArgumentException>(() => ml.Transforms.VariationalAutoencoder(new AutoencoderOptions
        {
            Loss = AutoencoderLoss.MeanSquaredError, CodeActivation = AutoencoderActivation.Tanh,
        })).Message);
        Assert.Contains("beta", Assert.Throws<ArgumentException>(() => ml.Transforms.VariationalAutoencoder(new AutoencoderOptions
        {
            Loss = AutoencoderLoss.MeanSquaredError, KlWeight = -1,
        })).Message);
    }

    /// <summary>Each pixel a Bernoulli with its training mean: the negative log-likelihood of the test images in nats.</summary>
    private static double IndependentPixelNats(float[] train, float[] test)
    {
        float[] mean = MeanImage(train);
        double sum = 0;
        for (int i = 0; i < test.Length; i++)
        {
            double p = Math.Clamp(mean[i % 784], 1e-4, 1 - 1e-4), x = test[i];
            sum -= x * Math.Log(p) + (1 - x) * Math.Log(1 - p);
        }
        return sum / (test.Length / 784);
    }

    private static float[] MeanImage(float[] images)
    {
        var mean = new float[784];
        int rows = images.Length / 784;
        for (int i = 0; i < images.Length; i++) mean[i % 784] += images[i] / rows;
        return mean;
    }

    private static double Variance(IEnumerable<float> values)
    {
        var list = values.ToList();
        double mean = list.Average();
        return list.Average(v => (v - mean) * (v - mean));
    }

    private static double Correlation(float[] a, float[] b)
    {
        double ma = a.Average(), mb = b.Average(), sab = 0, saa = 0, sbb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            sab += (a[i] - ma) * (b[i] - mb);
            saa += (a[i] - ma) * (a[i] - ma);
            sbb += (b[i] - mb) * (b[i] - mb);
        }
        return sab / Math.Sqrt(saa * sbb);
    }
}
