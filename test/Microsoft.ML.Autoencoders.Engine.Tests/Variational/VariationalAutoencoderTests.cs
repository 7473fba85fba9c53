using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Losses;
using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Autoencoders.Engine.Specs;
using Microsoft.ML.Autoencoders.Engine.Training;
using Microsoft.ML.Autoencoders.Engine.Variational;

namespace Microsoft.ML.Autoencoders.Engine.Tests.Variational;

/// <summary>The VAE's pieces by what they must do: sample, score, train, generate and interpolate.</summary>
public class VariationalAutoencoderTests
{
    [Fact]
    public void SamplingDrawsWhileTrainingAndGivesTheMeanAtInference()
    {
        var layer = new GaussianSampling(3);
        float[] moments = [0.5f, -1f, 2f, /* log σ² */ 0f, MathF.Log(4f), -50f];
        var scratch = new float[3];
        var inference = new float[3];
        layer.Forward(moments, inference, scratch, 1, LayerContext.Inference());
        Assert.Equal([0.5f, -1f, 2f], inference);

        float[] Draw(long seed)
        {
            var z = new float[3];
            layer.Forward(moments, z, scratch, 1, new LayerContext(true, 1, new SeededRandom(seed)));
            // z = μ + σε with the ε the layer kept: σ = 1, 2, and e^-15 (log σ² clamped to -30).
            Assert.Equal(0.5f + scratch[0], z[0], 6);
            Assert.Equal(-1f + 2f * scratch[1], z[1], 6);
            Assert.Equal(2f + MathF.Exp(-15f) * scratch[2], z[2], 6);
            return z;
        }
        Assert.Equal(Draw(1), Draw(1));
        Assert.NotEqual(Draw(1), Draw(2));
    }

    /// <summary>The closed form against a Monte Carlo estimate of E_q[log q(z) − log p(z)], written from the densities.</summary>
    [Fact]
    public void ClosedFormKlMatchesMonteCarlo()
    {
        var layer = new GaussianSampling(4);
        float[] moments = [0.3f, -1.2f, 2f, 0f, -0.5f, 0.7f, -2f, 0f];
        var closed = new float[1];
        GaussianKlDivergence.RowDivergences(moments, 1, layer, closed);

        var random = new SeededRandom(8);
        const int Draws = 200_000;
        double sum = 0;
        for (int n = 0; n < Draws; n++)
        {
            for (int j = 0; j < 4; j++)
            {
                double mean = moments[j], variance = Math.Exp(moments[4 + j]);
                double z = mean + Math.Sqrt(variance) * random.NextGaussian();
                double logQ = -0.5 * (Math.Log(2 * Math.PI * variance) + (z - mean) * (z - mean) / variance);
                double logP = -0.5 * (Math.Log(2 * Math.PI) + z * z);
                sum += logQ - logP;
            }
        }
        Assert.Equal(sum / Draws, closed[0], 1); // ±0.05 nats; the KL here is ≈ 4.2
        Assert.True(closed[0] > 3);
    }

    [Fact]
    public void ScheduleRampsBetaAndCapacity()
    {
        var schedule = new KlSchedule { Beta = 4, WarmupEpochs = 2, Capacity = 25, CapacityWarmupEpochs = 10 };
        Assert.Equal(0f, schedule.BetaAt(0));
        Assert.Equal(2f, schedule.BetaAt(1));
        Assert.Equal(4f, schedule.BetaAt(7));
        Assert.Equal(12.5f, schedule.CapacityAt(5));
        Assert.Equal(25f, schedule.CapacityAt(30));
        Assert.Equal(1f, new KlSchedule().BetaAt(0));
        Assert.Throws<ArgumentException>(() => new KlSchedule { Beta = -1 }.Validate());
        Assert.Throws<ArgumentException>(() => new KlSchedule { CapacityWarmupEpochs = 3 }.Validate());
    }

    [Fact]
    public void KlTermRefusesANodeThatDoesNotFeedTheSamplingLayer()
    {
        var spec = new VariationalArchitecture { InputShape = TensorShape.Flat(8), HiddenSizes = [6], LatentSize = 2 }.ToSpec();
        new GaussianKlDivergence(VariationalArchitecture.MomentsNode, 8).Validate(spec);
        var error = Assert.Throws<ArgumentException>(() => new GaussianKlDivergence(NetworkSpec.CodeNode, 8).Validate(spec));
        Assert.Contains("gaussian_sampling", error.Message);
    }

    [Fact]
    public void ConvolutionalVariationalSpecRoundTripsThroughJson()
    {
        var spec = new VariationalArchitecture
        {
            InputShape = new TensorShape(1, 28, 28), ConvolutionBlocks = [new(8, 3, Stride: 2, Pooling: 1), new(16, 3, Stride: 2, Pooling: 1)],
            HiddenSizes = [32], LatentSize = 4,
        }.ToSpec();
        Assert.Equal(TensorShape.Flat(4), spec.CodeShape);
        Assert.Equal(new TensorShape(1, 28, 28), spec.Decoder[^1].OutputShape);
        Assert.Equal(spec, NetworkSpec.FromJson(spec.ToJson()));
        Assert.Contains("\"gaussian_sampling\"", spec.ToJson());
        var network = AutoencoderNetwork.Create(spec, 1);
        Assert.True(VariationalAutoencoder.IsVariational(network));
    }

    /// <summary>
    /// Data with two latent factors: x = sigmoid(A·z + b) for z ~ N(0, I₂), 24 values per row. A VAE with a latent of 4
    /// must fit it far better than its untrained self, use about two latent directions (KL well above zero), and be
    /// reproducible bit for bit from its seed.
    /// </summary>
    [Fact]
    public void TrainsOnLatentFactorDataAndUsesItsLatent()
    {
        const int Rows = 3000, Width = 24;
        float[] data = LatentFactorData(Rows, Width, seed: 21);
        var spec = new VariationalArchitecture { InputShape = TensorShape.Flat(Width), HiddenSizes = [32], LatentSize = 4 }.ToSpec();

        (AutoencoderNetwork Network, TrainingHistory History) Train()
        {
            var network = AutoencoderNetwork.Create(spec, seed: 5);
            var options = new TrainingOptions
            {
                Epochs = 25, BatchSize = 64, Loss = LossKind.BinaryCrossEntropy, Seed = 6, Threads = 2,
                Optimizer = new() { LearningRate = 3e-3f },
                CodeRegularizers = [new GaussianKlDivergence(VariationalArchitecture.MomentsNode, Width, new KlSchedule { WarmupEpochs = 3 })],
            };
            return (network, new AutoencoderTrainer(network, options).Fit(data, null, Rows));
        }

        var untrained = new VariationalAutoencoder(AutoencoderNetwork.Create(spec, seed: 5), LossKind.BinaryCrossEntropy);
        double before = untrained.MeanNegativeElbo(data, Rows, samples: 1, seed: 9);
        var (trained, history) = Train();
        var vae = new VariationalAutoencoder(trained, LossKind.BinaryCrossEntropy);
        double after = vae.MeanNegativeElbo(data, Rows, samples: 1, seed: 9);
        var kl = new float[Rows];
        vae.NegativeElbo(data, Rows, [], [], kl);
        double meanKl = kl.Average();

        // The best any model can do is the data's own entropy; the untrained one is ≈ 24·log 2 ≈ 16.6 nats above the floor.
        double floor = BernoulliEntropy(data);
        Assert.True(after < floor + 0.35 * (before - floor), $"negative ELBO {before:F2} → {after:F2} nats; entropy floor {floor:F2}.");
        Assert.True(meanKl > 1.0, $"The latent carries {meanKl:F3} nats per row: it collapsed.");
        Assert.All(history.Epochs, e => Assert.True(double.IsFinite(e.TrainingLoss)));
        Assert.True(history.Epochs[^1].Penalty > 0, "The KL term should be part of the training objective.");

        var (again, _) = Train();
        Assert.Equal(trained.Parameters.Values, again.Parameters.Values);
    }

    [Fact]
    public void SamplesAreSeededAndInterpolationEndsAtTheInputs()
    {
        var spec = new VariationalArchitecture { InputShape = TensorShape.Flat(10), HiddenSizes = [8], LatentSize = 3 }.ToSpec();
        var vae = new VariationalAutoencoder(AutoencoderNetwork.Create(spec, 2), LossKind.BinaryCrossEntropy);
        var (items, latents) = vae.Sample(6, seed: 4);
        Assert.Equal(60, items.Length);
        Assert.Equal(items, vae.Sample(6, seed: 4).Items);
        Assert.NotEqual(items, vae.Sample(6, seed: 5).Items);
        Assert.Equal(items, vae.Decode(latents, 6));
        Assert.All(items, v => Assert.InRange(v, 0f, 1f)); // a sigmoid output

        float[] a = [3f, 0f, 0f], b = [0f, 3f, 0f];
        foreach (var path in new[] { InterpolationPath.Linear, InterpolationPath.Spherical })
        {
            float[] line = vae.InterpolateLatents(a, b, 5, path);
            Assert.Equal(a, line[..3]);
            Assert.Equal(b, line[12..15]);
        }
        // The spherical midpoint keeps the ends' norm (3); the straight line's drops to 3/√2.
        float[] spherical = vae.InterpolateLatents(a, b, 3, InterpolationPath.Spherical), linear = vae.InterpolateLatents(a, b, 3);
        Assert.Equal(3.0, Norm(spherical.AsSpan(3, 3)), 4);
        Assert.Equal(3.0 / Math.Sqrt(2), Norm(linear.AsSpan(3, 3)), 4);

        float[] x = TestData.Uniform(new SeededRandom(3), 20, 0f, 1f);
        float[] strip = vae.Interpolate(x.AsSpan(0, 10), x.AsSpan(10, 10), 4);
        float[] means = vae.EncodeMeans(x, 2);
        Assert.Equal(vae.Decode(means, 2)[..10], strip[..10]);
        Assert.Equal(vae.Decode(means, 2)[10..], strip[30..]);
    }

    /// <summary>
    /// One <see cref="VariationalAutoencoder"/> serves every cursor and prediction engine of a transformer, so its scoring
    /// runs on several threads at once. Each call must score as it does alone: the likelihood's loss object keeps a
    /// reused partial-sum buffer, and when one instance was shared, two threads summed into it and got each other's rows.
    /// </summary>
    [Theory]
    [InlineData(LossKind.BinaryCrossEntropy, Activation.Sigmoid)]
    [InlineData(LossKind.MeanSquaredError, Activation.Linear)]
    public void ScoresFromSeveralThreadsAtOnceAsFromOne(LossKind likelihood, Activation output)
    {
        const int Rows = 400, Width = 12, Threads = 4;
        var spec = new VariationalArchitecture { InputShape = TensorShape.Flat(Width), HiddenSizes = [8], LatentSize = 2, OutputActivation = output }.ToSpec();
        var vae = new VariationalAutoencoder(AutoencoderNetwork.Create(spec, 7), likelihood);
        float[] x = TestData.Uniform(new SeededRandom(11), Rows * Width, 0f, 1f);
        var expected = new float[Rows];
        vae.NegativeElbo(x, Rows, expected, [], []);

        var mismatches = new int[Threads];
        using var start = new Barrier(Threads);
        var threads = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            var mine = new float[Rows];
            start.SignalAndWait();
            for (int pass = 0; pass < 20; pass++)
            {
                vae.NegativeElbo(x, Rows, mine, [], []);
                mismatches[t] += mine.Where((value, r) => value != expected[r]).Count();
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Assert.All(mismatches, count => Assert.Equal(0, count));
    }

    private static double Norm(ReadOnlySpan<float> v)
    {
        double sum = 0;
        foreach (float x in v) sum += (double)x * x;
        return Math.Sqrt(sum);
    }

    private static float[] LatentFactorData(int rows, int width, long seed)
    {
        var random = new SeededRandom(seed);
        var a = new float[width * 2];
        var bias = new float[width];
        for (int i = 0; i < a.Length; i++) a[i] = 2.5f * random.NextGaussian();
        for (int i = 0; i < width; i++) bias[i] = 0.5f * random.NextGaussian();
        var data = new float[rows * width];
        for (int r = 0; r < rows; r++)
        {
            float z0 = random.NextGaussian(), z1 = random.NextGaussian();
            for (int i = 0; i < width; i++) data[r * width + i] = 1f / (1f + MathF.Exp(-(a[2 * i] * z0 + a[2 * i + 1] * z1 + bias[i])));
        }
        return data;
    }

    /// <summary>Σ over values of the Bernoulli entropy of each value, averaged over rows: the lowest BCE a model can reach.</summary>
    private static double BernoulliEntropy(float[] data)
    {
        double sum = 0;
        foreach (float p in data)
        {
            double q = Math.Clamp(p, 1e-7, 1 - 1e-7);
            sum -= q * Math.Log(q) + (1 - q) * Math.Log(1 - q);
        }
        return sum / (data.Length / 24);
    }
}
