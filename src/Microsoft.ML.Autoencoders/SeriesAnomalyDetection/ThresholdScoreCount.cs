using System.Globalization;

namespace Microsoft.ML.Autoencoders;

/// <summary>
/// Whether a contamination threshold has enough training scores under it. The (1 − c) quantile of fewer than ⌈1/c⌉
/// scores lies at or next to the largest of them, so the detector flags fewer training points than the contamination
/// says and the threshold is as noisy as one score. Neither scoring refuses (a centered detector never has, and a short
/// training series can still be what the user has): Fit warns, with the counts and the ways out.
/// </summary>
internal static class ThresholdScoreCount
{
    /// <summary>The fewest scores a (1 − <paramref name="contamination"/>) quantile needs to lie below the largest: ⌈1/contamination⌉.</summary>
    public static int Needed(double contamination) => (int)Math.Ceiling(1 / contamination - 1e-9);

    /// <summary>The warning for a threshold read from <paramref name="scores"/> training scores, or null when they are enough.</summary>
    public static string? Warning(int scores, double contamination, SequenceScoring scoring, int points, int windowLength)
    {
        int needed = Needed(contamination);
        if (scores >= needed) return null;
        string which = scoring == SequenceScoring.Causal
            ? $"the {scores} training points that end a window (N − T + 1 = {points} − {windowLength} + 1; causal scoring gives the first T − 1 none)"
            : $"the {scores} training points";
        string shorterWindow = scoring == SequenceScoring.Causal ? " a shorter window," : "";
        return string.Create(CultureInfo.InvariantCulture,
            $"The threshold is the {1 - contamination} quantile of the scores of {which}, fewer than the ⌈1/contamination⌉ = {needed} " +
            $"that Contamination = {contamination} needs: it lies at or next to the largest training score, so it flags fewer than that fraction and " +
            $"rests on one or two points. Give a longer training series,{shorterWindow} a larger Contamination, or an explicit Threshold.");
    }
}
