using Microsoft.ML.Autoencoders.Cli.Data;
using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders.Cli;

/// <summary>
/// Rows read from a file as the sequence detector takes them: one Single column per feature, named as the file's header
/// names it, rows in file order (time order). <see cref="FeatureView"/>'s one vector column does not do here, since the
/// detector reads scalar channel columns by name; and ML.NET's LoadFromEnumerable maps columns to a class's members, fixed
/// at compile time, where the channels are whatever the file holds. So this is a small view of its own: every cursor
/// walks the same rows in the same order, as the centered detector's second cursor (its read-ahead) needs.
/// </summary>
internal sealed class SeriesView : IDataView
{
    private readonly DataSet _rows;

    /// <summary>
    /// The rows' features as columns named <paramref name="channelNames"/>, in order: a detector's own channel names when
    /// scoring, so that a file whose columns were picked by other names (--features) still reaches the channels by position.
    /// </summary>
    public SeriesView(DataSet rows, IReadOnlyList<string> channelNames)
    {
        _rows = rows;
        var schema = new DataViewSchema.Builder();
        foreach (string name in channelNames) schema.AddColumn(name, NumberDataViewType.Single);
        Schema = schema.ToSchema();
    }

    public DataViewSchema Schema { get; }

    /// <summary>False: the rows are a series, and shuffling them would make another one.</summary>
    public bool CanShuffle => false;

    public long? GetRowCount() => _rows.Rows;

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) => new Cursor(this);

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) => [new Cursor(this)];

    private sealed class Cursor(SeriesView view) : DataViewRowCursor
    {
        private long _position = -1;

        public override DataViewSchema Schema => view.Schema;

        public override long Position => _position;

        public override long Batch => 0;

        public override bool MoveNext()
        {
            if (_position + 1 >= view._rows.Rows)
            {
                _position = view._rows.Rows;
                return false;
            }
            _position++;
            return true;
        }

        public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId id) => id = new DataViewRowId((ulong)_position, 0);

        public override bool IsColumnActive(DataViewSchema.Column column) => true;

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (typeof(TValue) != typeof(float))
                throw new InvalidOperationException($"Column '{column.Name}' holds Single values, not {typeof(TValue).Name}.");
            int feature = column.Index;
            var rows = view._rows;
            ValueGetter<float> getter = (ref float value) =>
            {
                // Off a row (before the first MoveNext, after the last) as ML.NET's own cursors say it.
                if (_position < 0 || _position >= rows.Rows) throw new InvalidOperationException("The cursor is not on a row.");
                value = rows.Features[(int)_position * rows.Width + feature];
            };
            return (ValueGetter<TValue>)(Delegate)getter;
        }
    }
}
