namespace MnistOneClassAnomaly;

/// <summary>
/// Reference rows from Ruff et al., "Deep One-Class Classification", ICML 2018, Table 1 (one-class MNIST, AUC %).
/// Only values we could check are here: the one-class Deep SVDD row per digit, and the DCAE row's mean as it is
/// commonly quoted (its per-digit values were not available to us, so none are printed).
/// </summary>
internal static class PaperResults
{
    /// <summary>One-class Deep SVDD, AUC % for normal digits 0–9.</summary>
    public static readonly double[] DeepSvdd = [98.0, 99.7, 91.7, 91.9, 94.9, 88.5, 98.3, 94.6, 93.9, 96.5];

    /// <summary>The Deep SVDD row's mean.</summary>
    public const double DeepSvddMean = 94.8;

    /// <summary>The deep convolutional autoencoder (DCAE) row's mean AUC %, as commonly quoted.</summary>
    public const double DcaeMeanCommonlyQuoted = 89.7;
}
