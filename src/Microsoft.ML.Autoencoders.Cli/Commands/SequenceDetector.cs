using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Models;

namespace Microsoft.ML.Autoencoders.Cli.Commands;

/// <summary>
/// What the tool says and asks about the library's sequence anomaly detector (<c>train --kind sequence --detector</c>):
/// the networks <c>--network</c> names, the detector's options from the command line's values, and the network's name
/// read back from a saved detector (which <c>info</c> shows, for files of other programs too).
/// </summary>
internal static class SequenceDetector
{
    public const string Kind = "sequence";

    /// <summary>--network's values, in the order help and errors list them: every kind and cell SequenceArchitecture offers.</summary>
    public static readonly (string Name, SequenceAutoencoderKind Kind, RecurrentCell Cell)[] Networks =
    [
        ("lstm", SequenceAutoencoderKind.Lstm, RecurrentCell.Lstm),
        ("lstm-seq2seq", SequenceAutoencoderKind.LstmSequenceToSequence, RecurrentCell.Lstm),
        ("gru", SequenceAutoencoderKind.Lstm, RecurrentCell.Gru),
        ("gru-seq2seq", SequenceAutoencoderKind.LstmSequenceToSequence, RecurrentCell.Gru),
        ("conv", SequenceAutoencoderKind.Convolutional, RecurrentCell.Lstm),
    ];

    /// <summary>The recurrent networks' code when --code-size is not given: the library's default (16), as its short catalog form caps it.</summary>
    private const int DefaultCodeSize = 16;

    /// <summary>
    /// The network for windows of <paramref name="window"/> steps × <paramref name="channels"/>: a recurrent one with
    /// <paramref name="hiddenUnits"/> and <paramref name="codeSize"/> when given, else the library's defaults; its code capped below the
    /// window's values, as the library's short form caps it, so that a short window works without --code-size.
    /// </summary>
    public static SequenceArchitecture Architecture(string network, int window, int channels, int? hiddenUnits, int? codeSize)
    {
        var (_, kind, cell) = Networks.Single(n => n.Name == network);
        if (kind == SequenceAutoencoderKind.Convolutional) return SequenceArchitecture.KerasConvolutional(window, channels);
        int values = window * channels;
        var architecture = SequenceArchitecture.LstmAutoencoder(window, channels) with { Kind = kind, Cell = cell };
        if (hiddenUnits is int units) architecture = architecture with { HiddenUnits = units };
        int code = codeSize ?? (values >= 2 ? Math.Min(DefaultCodeSize, values - 1) : DefaultCodeSize);
        return architecture with { CodeSize = code };
    }

    /// <summary>
    /// The --network name of a saved detector's network, read from the layer kinds its model file names (a file saved by
    /// another program has no metadata of the tool's): the names the spec itself writes, not the layers' types.
    /// </summary>
    public static string NetworkName(SequenceAnomalyTransformer detector)
    {
        var kinds = detector.Model.Spec.Layers.Select(l => l.Kind).ToHashSet(StringComparer.Ordinal);
        if (kinds.Contains("conv1d")) return "conv";
        string cell = kinds.Contains("gru") || kinds.Contains("unconditioned_gru_decoder") ? "gru" : "lstm";
        return kinds.Any(k => k.StartsWith("unconditioned_", StringComparison.Ordinal)) ? cell + "-seq2seq" : cell;
    }

    public static SequenceScoring Scoring(string name) => name == "causal" ? SequenceScoring.Causal : SequenceScoring.Centered;

    public static string ScoringName(SequenceScoring scoring) => scoring == SequenceScoring.Causal ? "causal" : "centered";

    /// <summary>
    /// A warning when the threshold rests on too few training scores: a (1 − c) quantile of fewer than ⌈1/c⌉ scores lies at
    /// or next to the largest, so it flags less than the contamination asked for. The library writes the same warning to
    /// its log in its own option names; this one names the tool's.
    /// </summary>
    public static string? TooFewScores(SequenceAnomalyTransformer detector, int trainingRows)
    {
        if (detector.Contamination is not double contamination) return null;
        int scores = detector.Scoring == SequenceScoring.Causal ? trainingRows - detector.WindowLength + 1 : trainingRows;
        int needed = (int)Math.Ceiling(1 / contamination - 1e-9);
        if (scores >= needed) return null;
        bool causal = detector.Scoring == SequenceScoring.Causal;
        string among = causal ? FormattableString.Invariant($" (causal scoring scores the rows that end a window: {trainingRows} − {detector.WindowLength} + 1)") : "";
        return FormattableString.Invariant($"warning: the threshold is the {1 - contamination} quantile of {scores} training scores{among}, fewer than the ") +
            FormattableString.Invariant($"{needed} that --contamination {contamination} needs, so it lies at or next to the largest and flags less than that ") +
            $"fraction. Train on a longer series{(causal ? ", give a shorter --window" : "")} or a larger --contamination.";
    }
}
