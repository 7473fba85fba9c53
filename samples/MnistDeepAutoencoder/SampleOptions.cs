using Microsoft.ML.Autoencoders.Samples;

namespace MnistDeepAutoencoder;

/// <summary>The sample's command line: small values make a quick smoke run.</summary>
internal sealed class SampleOptions : MnistSampleOptions, ISampleOptions<SampleOptions>
{
    public static SampleCommandLine<SampleOptions> CommandLine { get; } =
        new SampleCommandLine<SampleOptions>("MnistDeepAutoencoder", "mnist-reconstructions.png goes", SampleStartup.MnistDataHelp)
            .Integer("--epochs", "autoencoder training epochs (default 15)", (o, v) => o.Epochs = v)
            .TrainAndTestRows()
            .Quick("--epochs", "1", "--train-rows", "1000", "--test-rows", "1000");

    /// <summary>Autoencoder training epochs.</summary>
    public int Epochs { get; private set; } = 15;
}
