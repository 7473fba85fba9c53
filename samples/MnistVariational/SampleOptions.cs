using Microsoft.ML.Autoencoders.Samples;

namespace MnistVariational;

/// <summary>The sample's command line: small values make a quick smoke run.</summary>
internal sealed class SampleOptions : ISampleOptions<SampleOptions>
{
    public static string Usage { get; } =
        """
        usage: MnistVariational [--epochs N] [--train-rows N] [--output DIR] [--data DIR]
          --epochs N       training epochs of each VAE (default 10, as the PyTorch examples' VAE)
          --train-rows N   use only the first N of the 60,000 training images (default: all)
          --output DIR     where the PNGs go (default: <repository>/artifacts/samples)
          --data DIR       folder holding the MNIST IDX files (default: searched, see MnistFiles.Locate)
        """;

    /// <summary>Training epochs of each VAE.</summary>
    public int Epochs { get; private set; } = 10;

    /// <summary>How many training images to use, or null for all 60,000.</summary>
    public int? TrainRows { get; private set; }

    /// <summary>The folder the pictures are written to.</summary>
    public string OutputDirectory { get; private set; } = SampleArguments.DefaultOutputDirectory();

    /// <summary>A folder holding the MNIST files, or null to search the usual places.</summary>
    public string? DataDirectory { get; private set; }

    /// <summary>True when the user asked for the usage text.</summary>
    public bool ShowHelp { get; private set; }

    /// <summary>Parses <paramref name="args"/>; throws <see cref="ArgumentException"/> with the usage on anything unknown.</summary>
    public static SampleOptions Parse(string[] args)
    {
        var options = new SampleOptions();
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
