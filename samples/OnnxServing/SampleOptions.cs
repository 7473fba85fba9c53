using Microsoft.ML.Autoencoders.Samples;

namespace OnnxServing;

/// <summary>The sample's command line: small values make a quick smoke run.</summary>
internal sealed class SampleOptions : MnistSampleOptions, ISampleOptions<SampleOptions>
{
    public static SampleCommandLine<SampleOptions> CommandLine { get; } =
        new SampleCommandLine<SampleOptions>("OnnxServing", "the three .onnx files go", SampleStartup.MnistDataHelp)
            .Integer("--epochs", "training epochs of the autoencoder and of the detector (default 10)", (o, v) => o.Epochs = v)
            .TrainAndTestRows("serve only the first N of the 10,000 test images (default: all)")
            .Integer("--batch", "rows per ONNX Runtime run (default 1024)", (o, v) => o.BatchSize = v)
            .Quick("--epochs", "1", "--train-rows", "2000", "--test-rows", "2000");

    /// <summary>Training epochs of each network.</summary>
    public int Epochs { get; private set; } = 10;

    /// <summary>Rows per ONNX Runtime run.</summary>
    public int BatchSize { get; private set; } = 1024;
}
