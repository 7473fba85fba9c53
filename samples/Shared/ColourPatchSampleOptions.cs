using System.Reflection;

namespace Microsoft.ML.Autoencoders.Samples;

/// <summary>
/// The command line the colour-patch samples (ImageColouring, WatermarkRemoval) share: small values make a quick smoke
/// run. The usage names the sample that is running.
/// </summary>
internal sealed class ColourPatchSampleOptions : SampleCommonOptions, ISampleOptions<ColourPatchSampleOptions>
{
    public static SampleCommandLine<ColourPatchSampleOptions> CommandLine { get; } =
        new SampleCommandLine<ColourPatchSampleOptions>(Assembly.GetEntryAssembly()?.GetName().Name ?? "sample",
                "the sample's two PNGs (patches and photo) go",
                "folder holding train.npy and test.npy (default: <repository>/artifacts/data/colour-patches,\n" +
                "made by build/fetch-colour-patches.sh)")
            .Integer("--epochs", "training epochs (default 8)", (o, v) => o.Epochs = v)
            .Integer("--train-rows", "use only the first N of the 9,000 training patches (default: all)", (o, v) => o.TrainRows = v)
            .Quick("--epochs", "1", "--train-rows", "256");

    /// <summary>Training epochs.</summary>
    public int Epochs { get; private set; } = 8;

    /// <summary>How many training patches to use, or null for all.</summary>
    public int? TrainRows { get; private set; }
}
