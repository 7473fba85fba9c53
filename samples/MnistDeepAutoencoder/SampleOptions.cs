namespace MnistDeepAutoencoder;

/// <summary>The sample's command line: small values make a quick smoke run.</summary>
internal sealed class SampleOptions
{
    public const string Usage =
        """
        usage: MnistDeepAutoencoder [--epochs N] [--train-rows N] [--output DIR] [--data DIR]
          --epochs N       autoencoder training epochs (default 15)
          --train-rows N   use only the first N of the 60,000 training images (default: all)
          --output DIR     where mnist-reconstructions.png goes (default: <repository>/artifacts/samples)
          --data DIR       folder holding the MNIST IDX files (default: searched, see MnistFiles.Locate)
        """;

    /// <summary>Autoencoder training epochs.</summary>
    public int Epochs { get; private set; } = 15;

    /// <summary>How many training images to use, or null for all 60,000.</summary>
    public int? TrainRows { get; private set; }

    /// <summary>The folder the reconstruction grid is written to.</summary>
    public string OutputDirectory { get; private set; } = DefaultOutputDirectory();

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
                    options.Epochs = PositiveInt(args, ref i);
                    break;
                case "--train-rows":
                    options.TrainRows = PositiveInt(args, ref i);
                    break;
                case "--output":
                    options.OutputDirectory = Path.GetFullPath(Value(args, ref i));
                    break;
                case "--data":
                    options.DataDirectory = Value(args, ref i);
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

    private static string Value(string[] args, ref int i)
    {
        if (i + 1 >= args.Length)
        {
            throw new ArgumentException($"{args[i]} needs a value.\n{Usage}");
        }

        return args[++i];
    }

    private static int PositiveInt(string[] args, ref int i)
    {
        string name = args[i];
        string text = Value(args, ref i);
        if (!int.TryParse(text, out int value) || value <= 0)
        {
            throw new ArgumentException($"{name} needs a positive whole number, not '{text}'.\n{Usage}");
        }

        return value;
    }

    // Inside a clone the picture lands in artifacts/samples beside everything else the build makes.
    private static string DefaultOutputDirectory()
    {
        string root = Microsoft.ML.Autoencoders.Data.MnistFiles.FindRepositoryRoot() ?? Directory.GetCurrentDirectory();
        return Path.Combine(root, "artifacts", "samples");
    }
}
