using System.ComponentModel;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace Microsoft.ML.Autoencoders;

/// <summary>
/// What a sequence detector's Score and PredictedLabel are after a plain <c>mlContext.Model.Load</c>: a mapping that
/// refuses to produce them, with the loader to use instead. ML.NET runs a loaded chain one row at a time and a point's
/// score needs the rows before it (and, centered, after it), so no chain of built-ins can give the detector's scores; a wrong number would be worse
/// than this message. Users who loaded the file for a prediction engine land here too, so the message also names
/// <see cref="SequenceAnomalyTransformer.CreateMonitor()"/>, the point-at-a-time scorer of a causal detector. Saved by
/// contract name; internal, since ML.NET creates it by reflection.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[CustomMappingFactoryAttribute(ContractName)]
internal sealed class SequenceScoresNeedTypedLoader : CustomMappingFactory<SequenceScoresNeedTypedLoader.Input, SequenceScoresNeedTypedLoader.Output>
{
    public const string ContractName = "Microsoft.ML.Autoencoders.SequenceScoresNeedTypedLoader";

    public const string ErrorVectorColumn = SeriesColumns.ReservedPrefix + "error_vector";
    public const string ScoreColumn = SeriesColumns.ReservedPrefix + "score";
    public const string PredictedLabelColumn = SeriesColumns.ReservedPrefix + "predicted_label";

    public const string Message =
        "This model holds a sequence anomaly detector (Microsoft.ML.Autoencoders), whose scores need the rows before (and, centered, after) each point; ML.NET's " +
        "loaded pipelines see one row at a time. Load it with mlContext.Model.LoadWithBatchedScoring(path, out _) (the whole pipeline) or " +
        "SequenceAnomalyTransformer.LoadFromModelFile(path) (the detector alone), and call Transform on the series. To score a live stream one point at a " +
        "time (what a prediction engine would have been for), call CreateMonitor() on the loaded detector, trained with SequenceScoring.Causal.";

    /// <summary>The mapping's input row: the carried network's one-element output (read only so the network stays in the chain).</summary>
    public sealed class Input
    {
        [ColumnName(ErrorVectorColumn), VectorType(1)]
        public float[] Error { get; set; } = [];
    }

    /// <summary>The mapping's output row, under reserved names copied to the user's afterwards.</summary>
    public sealed class Output
    {
        [ColumnName(ScoreColumn)]
        public float Score { get; set; }

        [ColumnName(PredictedLabelColumn)]
        public bool PredictedLabel { get; set; }
    }

    /// <inheritdoc/>
    public override Action<Input, Output> GetMapping() => static (_, _) => throw new InvalidOperationException(Message);
}
