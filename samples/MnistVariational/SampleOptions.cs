using Microsoft.ML.Autoencoders.Samples;

namespace MnistVariational;

/// <summary>The sample's command line: small values make a quick smoke run.</summary>
internal sealed class SampleOptions : SampleCommonOptions, ISampleOptions<SampleOptions>
{
    public static SampleCommandLine<SampleOptions> CommandLine { get; } =
        new SampleCommandLine<SampleOptions>("MnistVariational", "the PNGs and the saved model go", SampleStartup.MnistDataHelp)
            .Integer("--epochs", "training epochs of each VAE (default 10, as the PyTorch examples' VAE)", (o, v) => o.Epochs = v)
            .Integer("--train-rows", "use only the first N of the 60,000 training images (default: all)", (o, v) => o.TrainRows = v)
            .Integer("--test-rows", "use only the first N of the 10,000 test images (default: all; they must hold a 3 and a 7)",
                (o, v) => o.TestRows = v)
            .Quick("--epochs", "1", "--train-rows", "1000", "--test-rows", "1000");

    /// <summary>Training epochs of each VAE.</summary>
    public int Epochs { get; private set; } = 10;

    /// <summary>How many training images to use, or null for all 60,000.</summary>
    public int? TrainRows { get; private set; }

    /// <summary>How many test images to use, or null for all 10,000.</summary>
    public int? TestRows { get; private set; }
}
