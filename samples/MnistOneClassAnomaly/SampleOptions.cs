using Microsoft.ML.Autoencoders.Samples;

namespace MnistOneClassAnomaly;

/// <summary>The sample's command line: small values make a quick smoke run.</summary>
internal sealed class SampleOptions : SampleCommonOptions, ISampleOptions<SampleOptions>
{
    public static SampleCommandLine<SampleOptions> CommandLine { get; } =
        new SampleCommandLine<SampleOptions>("MnistOneClassAnomaly", "roc-curves.png goes", SampleStartup.MnistDataHelp)
            .Add("--digits", "LIST", "normal digits to run, comma-separated (default 0,1,2,3,4,5,6,7,8,9)", (o, text) => o.Digits = ParseDigits(text))
            .Add("--network", "KIND", "the autoencoder detector's network: dense (784-128-16, the default) or conv (the Keras blog's\n" +
                                      "Conv16-Pool-Conv8-Pool-Conv8-Pool, a code of 8×4×4); the VAE beside it stays dense",
                (o, text) => o.Network = Detector.ParseNetwork(text))
            .Integer("--epochs", "autoencoder training epochs per digit (default 20)", (o, v) => o.Epochs = v)
            .Integer("--train-rows", "use only the first N training images of each normal digit (default: all, about 6,000)", (o, v) => o.TrainRows = v)
            .Integer("--test-rows", "score only the first N of the 10,000 test images (default: all)", (o, v) => o.TestRows = v)
            .Integer("--pca-rank", "rank of ML.NET's RandomizedPca baseline (default 32, the autoencoder's code width)", (o, v) => o.PcaRank = v)
            .Number("--contamination", "F", "make a fraction F of each digit's training rows images of the other digits, drawn at\n" +
                                            "random (default 0: clean one-class training)", (o, v) => o.Contamination = v, IsFraction, FractionRule)
            .Number("--trim", "F", "robust training: leave each batch's worst-reconstructed fraction F out of the loss\n" +
                                   "(AutoencoderOptions.TrimmedFraction; default 0)", (o, v) => o.Trim = v, IsFraction, FractionRule)
            .Integer("--seed", "seeds the network, its shuffles and the contaminating draw (default 1)", (o, v) => o.Seed = v)
            .Quick("--digits", "0", "--epochs", "1", "--train-rows", "300", "--test-rows", "1000");

    private const string FractionRule = "a fraction in [0, 0.5)";

    /// <summary>The normal digits to run, in order.</summary>
    public IReadOnlyList<int> Digits { get; private set; } = Enumerable.Range(0, 10).ToArray();

    /// <summary>The autoencoder detector's network.</summary>
    public DetectorNetwork Network { get; private set; } = DetectorNetwork.Dense;

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

    /// <summary>How many test images to score, or null for all 10,000.</summary>
    public int? TestRows { get; private set; }

    private static bool IsFraction(double value) => value >= 0 && value < 0.5;

    private static int[] ParseDigits(string text)
    {
        var digits = new List<int>();
        foreach (string part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, out int digit) || digit < 0 || digit > 9)
                throw new FormatException($"--digits takes digits 0-9 separated by commas, not '{text}'.");
            if (!digits.Contains(digit)) digits.Add(digit);
        }
        return digits.Count > 0 ? digits.ToArray() : throw new FormatException("--digits needs at least one digit.");
    }
}
