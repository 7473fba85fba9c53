using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders;

/// <summary>
/// The result of <see cref="SequenceAnomalyTransformer.Transform"/>: the input's rows, in the input's order, with the
/// detector's columns. Never shuffled (a shuffled series has no windows) and one cursor per request, since each cursor
/// walks the series from its start.
/// </summary>
internal sealed class SequenceAnomalyDataView(IDataView input, SequenceAnomalyTransformer detector, DataViewSchema schema) : IDataView
{
    public bool CanShuffle => false;

    public DataViewSchema Schema { get; } = schema;

    public long? GetRowCount() => input.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) =>
        new SequenceAnomalyCursor(input, detector, Schema, columnsNeeded.Select(c => c.Index).ToHashSet());

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];
}
