using Microsoft.ML.Autoencoders.Samples;

namespace MnistVariational;

/// <summary>The sample's command line: small values make a quick smoke run.</summary>
internal sealed class SampleOptions : MnistSampleOptions, ISampleOptions<SampleOptions>
{
    public static SampleCommandLine<SampleOptions> CommandLine { get; } =
        new SampleCommandLine<SampleOptions>("MnistVariational", "the PNGs and the saved model go", SampleStartup.MnistDataHelp)
            .Integer("--epochs", "training epochs of each VAE (default 10, as the PyTorch examples' VAE)", (o, v) => o.Epochs = v)
            .TrainAndTestRows("use only the first N of the 10,000 test images (default: all; they must hold a 3 and a 7)")
            .Quick("--epochs", "1", "--train-rows", "1000", "--test-rows", "1000");

    /// <summary>Training epochs of each VAE.</summary>
    public int Epochs { get; private set; } = 10;
}
