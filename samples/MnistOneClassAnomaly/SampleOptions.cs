using Microsoft.ML.Autoencoders.Samples;

namespace MnistOneClassAnomaly;

/// <summary>The sample's command line: small values make a quick smoke run.</summary>
internal sealed class SampleOptions : ISampleOptions<SampleOptions>
{
    public static string Usage { get; } =
        """
        usage: MnistOneClassAnomaly [--digits LIST] [--epochs N] [--train-rows N] [--pca-rank N] [--contamination F] [--trim F]
                                    [--seed N] [--output DIR] [--data DIR]
          --digits LIST    normal digits to run, comma-separated (default 0,1,2,3,4,5,6,7,8,9)
          --epochs N       autoencoder training epochs per digit (default 20)
          --train-rows N   use only the first N training images of each normal digit (default: all, about 6,000)
          --pca-rank N     rank of ML.NET's RandomizedPca baseline (default 32, the autoencoder's code width)
          --contamination F  make a fraction F of each digit's training rows images of the other digits, drawn at
                           random (default 0: clean one-class training)
          --trim F         robust training: leave each batch's worst-reconstructed fraction F out of the loss
                           (AutoencoderOptions.TrimmedFraction; default 0)
          --seed N         seeds the network, its shuffles and the contaminating draw (default 1)
          --output DIR     where roc-curves.png goes (default: <repository>/artifacts/samples)
          --data DIR       folder holding the MNIST IDX files (default: searched, see MnistFiles.Locate)
        """;

    /// <summary>The normal digits to run, in order.</summary>
    public IReadOnlyList<int> Digits { get; private set; } = Enumerable.Range(0, 10).ToArray();

    /// <summary>Rank of the RandomizedPca baseline.</summary>
    public int PcaRank { get; private set; } = 32;

    /// <summary>Autoencoder training epochs.</summary>
    public int Epochs { get; private set; } = 20;

    /// <summary>The fraction of each digit's training rows taken from the other digits.</summary>
    public double Contamination { get; private set; }

    /// <summary>The autoencoder's <c>TrimmedFraction</c>.</summary>
    public double Trim { get; private set; }

    /// <summary>Seeds the network, its shuffles and the contaminating draw.</summary>
    public int Seed { get; private set; } = 1;

    /// <summary>How many training images of the normal digit to use, or null for all of them.</summary>
    public int? TrainRows { get; private set; }

    /// <summary>The folder the ROC curves are written to.</summary>
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
                case "--digits":
                    options.Digits = ParseDigits(SampleArguments.Value(args, ref i, Usage));
                    break;
                case "--pca-rank":
                    options.PcaRank = SampleArguments.Integer(args, ref i, Usage);
                    break;
                case "--epochs":
                    options.Epochs = SampleArguments.Integer(args, ref i, Usage);
                    break;
                case "--train-rows":
                    options.TrainRows = SampleArguments.Integer(args, ref i, Usage);
                    break;
                case "--contamination":
                    options.Contamination = Fraction(SampleArguments.Value(args, ref i, Usage), "--contamination");
                    break;
                case "--trim":
                    options.Trim = Fraction(SampleArguments.Value(args, ref i, Usage), "--trim");
                    break;
                case "--seed":
                    options.Seed = SampleArguments.Integer(args, ref i, Usage);
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

    private static double Fraction(string text, string name) =>
        double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double value) && value >= 0 && value < 0.5
            ? value
            : throw new ArgumentException($"{name} takes a fraction in [0, 0.5), not '{text}'.\n{Usage}");

    private static int[] ParseDigits(string text)
    {
        var digits = new List<int>();
        foreach (string part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, out int digit) || digit < 0 || digit > 9)
            {
                throw new ArgumentException($"--digits takes digits 0-9 separated by commas, not '{text}'.\n{Usage}");
            }

            if (!digits.Contains(digit)) digits.Add(digit);
        }

        if (digits.Count == 0)
        {
            throw new ArgumentException($"--digits needs at least one digit.\n{Usage}");
        }

        return digits.ToArray();
    }

}
