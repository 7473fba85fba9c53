using Microsoft.ML.Autoencoders.Engine.Corruption;
using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Autoencoders.Engine.Training;

namespace Microsoft.ML.Autoencoders.Engine.Tests.Regularization;

/// <summary>Each corruption has the statistics it promises, and the trainer corrupts the input but never the target.</summary>
public class InputCorruptionTests
{
    private const int Count = 200_000;

    [Fact]
    public void GaussianNoiseHasItsScaleAndRespectsTheClipRange()
    {
        var unclipped = new float[Count];
        Array.Fill(unclipped, 0.3f);
        new GaussianNoise(0.5f).Apply(unclipped, new SeededRandom(1));
        double mean = unclipped.Average(v => (double)v);
        double std = Math.Sqrt(unclipped.Average(v => (v - mean) * (v - mean)));
        Assert.InRange(mean, 0.295, 0.305);
        Assert.InRange(std, 0.495, 0.505);

        var clipped = new float[Count];
        Array.Fill(clipped, 0.3f);
        new GaussianNoise(0.5f, 0f, 1f).Apply(clipped, new SeededRandom(1));
        Assert.All(clipped, v => Assert.InRange(v, 0f, 1f));
        // P(0.3 + 0.5·z < 0) = Φ(−0.6) ≈ 0.274: that share sits exactly on the lower bound.
        Assert.InRange(clipped.Count(v => v == 0f) / (double)Count, 0.268, 0.280);
    }

    [Fact]
    public void MaskingNoiseZeroesItsFraction()
    {
        var values = new float[Count];
        Array.Fill(values, 0.7f);
        new MaskingNoise(0.3f).Apply(values, new SeededRandom(2));
        Assert.InRange(values.Count(v => v == 0f) / (double)Count, 0.296, 0.304);
        Assert.All(values, v => Assert.True(v == 0f || v == 0.7f));
    }

    [Fact]
    public void SaltAndPepperSplitsItsFractionBetweenTheTwoEnds()
    {
        var values = new float[Count];
        Array.Fill(values, 0.5f);
        new SaltAndPepperNoise(0.2f, -1f, 2f).Apply(values, new SeededRandom(3));
        Assert.InRange(values.Count(v => v == -1f) / (double)Count, 0.097, 0.103);
        Assert.InRange(values.Count(v => v == 2f) / (double)Count, 0.097, 0.103);
        Assert.InRange(values.Count(v => v == 0.5f) / (double)Count, 0.797, 0.803);
    }

    [Fact]
    public void InvalidSettingsAreRejected()
    {
        Assert.Throws<ArgumentException>(() => new GaussianNoise(-0.1f));
        Assert.Throws<ArgumentException>(() => new GaussianNoise(0.1f, 1f, 0f));
        Assert.Throws<ArgumentException>(() => new MaskingNoise(1.5f));
        Assert.Throws<ArgumentException>(() => new SaltAndPepperNoise(0.1f, 1f, 1f));
    }

    [Fact]
    public void TrainerCorruptsInputsButNeverTargets()
    {
        // Every input masked to zero: the network sees nothing, so the best it can do is output the targets' mean.
        // Had the targets been masked too, that mean would be zero.
        const int Rows = 256, Width = 8;
        float[] data = TestData.Uniform(new SeededRandom(4), Rows * Width, 0.5f, 1f);
        var network = AutoencoderNetwork.Create(new AutoencoderArchitecture { InputSize = Width, CodeSize = 3, OutputActivation = Activation.Linear }, seed: 5);
        var options = new TrainingOptions { Epochs = 60, BatchSize = 32, Seed = 6, Threads = 1, Optimizer = new() { LearningRate = 0.02f }, Corruption = new MaskingNoise(1f) };

        new AutoencoderTrainer(network, options).Fit(data, null, Rows);

        var cache = network.CreateCache(1);
        network.Input(cache, 1).Clear();
        network.Forward(cache, 1, LayerContext.Inference());
        float[] output = network.Reconstruction(cache, 1).ToArray();
        for (int j = 0; j < Width; j++)
        {
            double columnMean = Enumerable.Range(0, Rows).Average(r => data[r * Width + j]);
            Assert.InRange(output[j], columnMean - 0.02, columnMean + 0.02);
        }
    }
}
