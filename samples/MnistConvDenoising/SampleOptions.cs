using Microsoft.ML.Autoencoders.Samples;

namespace MnistConvDenoising;

/// <summary>The sample's command line: small values make a quick smoke run.</summary>
internal sealed class SampleOptions : MnistSampleOptions, ISampleOptions<SampleOptions>
{
    public static SampleCommandLine<SampleOptions> CommandLine { get; } =
        new SampleCommandLine<SampleOptions>("MnistConvDenoising", "mnist-denoising.png goes", SampleStartup.MnistDataHelp)
            .Integer("--epochs", "training epochs of each denoiser (default 10)", (o, v) => o.Epochs = v)
            .TrainAndTestRows("denoise only the first N of the 10,000 test images (default: all)")
            .Number("--noise", "S", "the Gaussian noise's standard deviation, in pixel units, clipped to [0, 1] (default 0.5, the Keras blog's)",
                (o, v) => o.Noise = (float)v, v => v > 0, "a positive number")
            .Quick("--epochs", "1", "--train-rows", "1000", "--test-rows", "500");

    /// <summary>Training epochs of each denoiser.</summary>
    public int Epochs { get; private set; } = 10;

    /// <summary>The noise's standard deviation.</summary>
    public float Noise { get; private set; } = 0.5f;
}
