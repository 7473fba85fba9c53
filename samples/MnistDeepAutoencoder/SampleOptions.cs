using Microsoft.ML.Autoencoders.Samples;

namespace MnistDeepAutoencoder;

/// <summary>The sample's command line: small values make a quick smoke run.</summary>
internal sealed class SampleOptions : SampleCommonOptions, ISampleOptions<SampleOptions>
{
    public static SampleCommandLine<SampleOptions> CommandLine { get; } =
        new SampleCommandLine<SampleOptions>("MnistDeepAutoencoder", "mnist-reconstructions.png goes", SampleStartup.MnistDataHelp)
            .Integer("--epochs", "autoencoder training epochs (default 15)", (o, v) => o.Epochs = v)
            .Integer("--train-rows", "use only the first N of the 60,000 training images (default: all)", (o, v) => o.TrainRows = v)
            .Integer("--test-rows", "use only the first N of the 10,000 test images (default: all)", (o, v) => o.TestRows = v)
            .Quick("--epochs", "1", "--train-rows", "1000", "--test-rows", "1000");

    /// <summary>Autoencoder training epochs.</summary>
    public int Epochs { get; private set; } = 15;

    /// <summary>How many training images to use, or null for all 60,000.</summary>
    public int? TrainRows { get; private set; }

    /// <summary>How many test images to use, or null for all 10,000.</summary>
    public int? TestRows { get; private set; }
}
