using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders;

/// <summary>
/// The result of <see cref="SequenceAnomalyTransformer.Transform"/>: the input's rows, in the input's order, with the
/// detector's columns. Never shuffled (a shuffled series has no windows) and one cursor per request, since each cursor
/// walks the series from its start: <see cref="SequenceAnomalyCursor"/> for centered scoring (it reads ahead),
/// <see cref="CausalSequenceCursor"/> for causal scoring (it does not).
/// </summary>
internal sealed class SequenceAnomalyDataView(IDataView input, SequenceAnomalyTransformer detector, DataViewSchema schema) : IDataView
{
    public bool CanShuffle => false;

    public DataViewSchema Schema { get; } = schema;

    public long? GetRowCount() => input.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var active = columnsNeeded.Select(c => c.Index).ToHashSet();
        return detector.Scoring == SequenceScoring.Causal
            ? new CausalSequenceCursor(input, detector, Schema, active)
            : new SequenceAnomalyCursor(input, detector, Schema, active);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];
}
