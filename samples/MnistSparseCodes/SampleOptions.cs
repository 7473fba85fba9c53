using Microsoft.ML.Autoencoders.Samples;

namespace MnistSparseCodes;

/// <summary>The sample's command line: small values make a quick smoke run.</summary>
internal sealed class SampleOptions : MnistSampleOptions, ISampleOptions<SampleOptions>
{
    public static SampleCommandLine<SampleOptions> CommandLine { get; } =
        new SampleCommandLine<SampleOptions>("MnistSparseCodes", "the confusion-matrix PNGs go", SampleStartup.MnistDataHelp)
            .Integer("--epochs", "epochs for the plain and the sparse 784-32-784 autoencoders (default 50, the Keras blog's)", (o, v) => o.Epochs = v)
            .TrainAndTestRows()
            .Integer("--deep-epochs", "also train the deep 784-128-64-32 autoencoder for N epochs (default 0: skip; the blog uses 100)",
                (o, v) => o.DeepEpochs = v, minimum: 0)
            // The deep model too, so that the quick run goes through every step.
            .Quick("--epochs", "1", "--train-rows", "1000", "--test-rows", "1000", "--deep-epochs", "1");

    /// <summary>Epochs for the two 784-32-784 autoencoders.</summary>
    public int Epochs { get; private set; } = 50;

    /// <summary>Epochs for the deep autoencoder; 0 skips it.</summary>
    public int DeepEpochs { get; private set; }
}
