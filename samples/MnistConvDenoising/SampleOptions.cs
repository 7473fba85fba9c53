using Microsoft.ML.Autoencoders.Samples;

namespace MnistConvDenoising;

/// <summary>The sample's command line: small values make a quick smoke run.</summary>
internal sealed class SampleOptions : ISampleOptions<SampleOptions>
{
    public static string Usage { get; } =
        """
        usage: MnistConvDenoising [--epochs N] [--train-rows N] [--noise S] [--output DIR] [--data DIR]
          --epochs N       training epochs of each denoiser (default 10)
          --train-rows N   use only the first N of the 60,000 training images (default: all)
          --noise S        the Gaussian noise's standard deviation, in pixel units, clipped to [0, 1] (default 0.5, the Keras blog's)
          --output DIR     where mnist-denoising.png goes (default: <repository>/artifacts/samples)
          --data DIR       folder holding the MNIST IDX files (default: searched, see MnistFiles.Locate)
        """;

    /// <summary>Training epochs of each denoiser.</summary>
    public int Epochs { get; private set; } = 10;

    /// <summary>How many training images to use, or null for all 60,000.</summary>
    public int? TrainRows { get; private set; }

    /// <summary>The noise's standard deviation.</summary>
    public float Noise { get; private set; } = 0.5f;

    /// <summary>The folder the picture is written to.</summary>
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
                case "--noise":
                    string text = SampleArguments.Value(args, ref i, Usage);
                    if (!float.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out float noise) || !(noise > 0))
                        throw new ArgumentException($"--noise takes a positive number, not '{text}'.\n{Usage}");
                    options.Noise = noise;
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
