using System.Reflection;

namespace Microsoft.ML.Autoencoders.Samples;

/// <summary>
/// The command line the colour-patch samples (ImageColouring, WatermarkRemoval) share: small values make a quick smoke
/// run. The usage names the sample that is running.
/// </summary>
internal sealed class ColourPatchSampleOptions : ISampleOptions<ColourPatchSampleOptions>
{
    public static string Usage { get; } =
        $"""
        usage: {Assembly.GetEntryAssembly()?.GetName().Name} [--epochs N] [--train-rows N] [--output DIR] [--data DIR]
          --epochs N       training epochs (default 8)
          --train-rows N   use only the first N of the 9,000 training patches (default: all)
          --output DIR     where the sample's two PNGs (patches and photo) go (default: <repository>/artifacts/samples)
          --data DIR       folder holding train.npy and test.npy (default: <repository>/artifacts/data/colour-patches,
                           made by build/fetch-colour-patches.sh)
        """;

    /// <summary>Training epochs.</summary>
    public int Epochs { get; private set; } = 8;

    /// <summary>How many training patches to use, or null for all.</summary>
    public int? TrainRows { get; private set; }

    /// <summary>The folder the pictures are written to.</summary>
    public string OutputDirectory { get; private set; } = SampleArguments.DefaultOutputDirectory();

    /// <summary>A folder holding the patches, or null for the default one.</summary>
    public string? DataDirectory { get; private set; }

    /// <summary>True when the user asked for the usage text.</summary>
    public bool ShowHelp { get; private set; }

    /// <summary>Parses <paramref name="args"/>; throws <see cref="ArgumentException"/> with the usage on anything unknown.</summary>
    public static ColourPatchSampleOptions Parse(string[] args)
    {
        var options = new ColourPatchSampleOptions();
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--epochs":
                    options.Epochs = SampleArguments.Integer(args, ref i, Usage);
                    break;
                case "--train-rows":
                    options.TrainRows = SampleArguments.Integer(args, ref i, Usage);
                    break;
                case "--output":
                    options.OutputDirectory = Path.GetFullPath(SampleArguments.Value(args, ref i, Usage));
                    break;
                case "--data":
                    options.DataDirectory = SampleArguments.Value(args, ref i, Usage);
                    break;
                case "--help" or "-h":
                    options.ShowHelp = true;
                    break;
                default:
                    throw new ArgumentException($"Unknown argument '{args[i]}'.\n{Usage}");
            }
        }

        return options;
    }
}
