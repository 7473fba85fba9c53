using Microsoft.ML.Autoencoders.Engine.Training;

namespace Microsoft.ML.Autoencoders.Cli.Models;

/// <summary>
/// What the tool adds to a model file beside the library's own entries, so later commands need no repeated options: the
/// kind asked for, the feature columns in order, the image shape, and the per-epoch losses (the library keeps the
/// training history only in memory). Stored as JSON in one extra zip entry, which ML.NET's loader ignores.
/// </summary>
internal sealed record ToolMetadata(string Kind, bool Detector, IReadOnlyList<string> FeatureNames, int[]? ImageShape, IReadOnlyList<ToolEpoch> History)
{
    /// <summary>The zip entry's name.</summary>
    public const string EntryName = "AutoencoderCli/metadata.json";

    public IReadOnlyList<EpochMetrics> Epochs =>
        History.Select(e => new EpochMetrics(e.Epoch, e.TrainingLoss, e.ValidationLoss ?? double.NaN, e.Seconds) { Penalty = e.Penalty }).ToArray();

    public static IReadOnlyList<ToolEpoch> FromHistory(TrainingHistory? history) =>
        history?.Epochs.Select(e => new ToolEpoch(e.Epoch, e.TrainingLoss, e.Penalty, double.IsFinite(e.ValidationLoss) ? e.ValidationLoss : null, e.Seconds)).ToArray() ?? [];
}

/// <summary>One epoch of <see cref="ToolMetadata.History"/> (JSON has no NaN, so a missing validation loss is null).</summary>
internal sealed record ToolEpoch(int Epoch, double TrainingLoss, double Penalty, double? ValidationLoss, double Seconds);
