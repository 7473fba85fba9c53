using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders.Data;

/// <summary>
/// An <see cref="IDataView"/> straight over the arrays of a <see cref="MnistSplit"/>: no per-row objects
/// and no copy of the 188 MB of training pixels, and row shuffling by index.
/// </summary>
internal sealed class MnistDataView : IDataView
{
    /// <summary>Name of the digit column.</summary>
    public const string LabelColumnName = "Label";

    /// <summary>Name of the pixel column.</summary>
    public const string FeaturesColumnName = "Features";

    private readonly MnistSplit _split;

    public MnistDataView(MnistSplit split)
    {
        _split = split;
        var builder = new DataViewSchema.Builder();
        builder.AddColumn(LabelColumnName, NumberDataViewType.Single);
        builder.AddColumn(FeaturesColumnName, new VectorDataViewType(NumberDataViewType.Single, MnistSplit.PixelsPerImage));
        Schema = builder.ToSchema();
    }

    public DataViewSchema Schema { get; }

    // Rows are addressed by index, so any order costs the same.
    public bool CanShuffle => true;

    public long? GetRowCount() => _split.Count;

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) =>
        new Cursor(this, rand is null ? null : Permutation(_split.Count, rand));

    // One cursor is enough: reading a row is a copy of 784 floats, far cheaper than any consumer's work.
    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    private static int[] Permutation(int count, Random rand)
    {
        int[] order = Enumerable.Range(0, count).ToArray();
        rand.Shuffle(order);
        return order;
    }

    /// <summary>Walks the rows in file order, or in the order of a permutation when shuffling.</summary>
    private sealed class Cursor : DataViewRowCursor
    {
        private readonly MnistDataView _view;
        private readonly int[]? _order;
        private long _position = -1;
        private int _row = -1;

        public Cursor(MnistDataView view, int[]? order)
        {
            _view = view;
            _order = order;
        }

        public override DataViewSchema Schema => _view.Schema;

        public override long Position => _position;

        public override long Batch => 0;

        public override bool MoveNext()
        {
            if (_position + 1 >= _view._split.Count)
            {
                _position = _view._split.Count;
                _row = -1;
                return false;
            }

            _position++;
            _row = _order is null ? (int)_position : _order[_position];
            return true;
        }

        public override bool IsColumnActive(DataViewSchema.Column column) => true;

        // The id is the row's index in the file, so it stays unique and stable under shuffling.
        public override ValueGetter<DataViewRowId> GetIdGetter() =>
            (ref DataViewRowId value) =>
            {
                EnsureOnRow();
                value = new DataViewRowId((ulong)_row, 0);
            };

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (column.Index == _view.Schema[LabelColumnName].Index)
            {
                return Typed<TValue, float>(column, (ref float value) =>
                {
                    EnsureOnRow();
                    value = _view._split.Labels[_row];
                });
            }

            if (column.Index == _view.Schema[FeaturesColumnName].Index)
            {
                return Typed<TValue, VBuffer<float>>(column, (ref VBuffer<float> value) =>
                {
                    EnsureOnRow();
                    var editor = VBufferEditor.Create(ref value, MnistSplit.PixelsPerImage);
                    _view._split.Image(_row).CopyTo(editor.Values);
                    value = editor.Commit();
                });
            }

            throw new ArgumentOutOfRangeException(nameof(column), $"Column '{column.Name}' is not in this MNIST view.");
        }

        private static ValueGetter<TValue> Typed<TValue, TActual>(DataViewSchema.Column column, ValueGetter<TActual> getter) =>
            getter as ValueGetter<TValue> ?? throw new InvalidOperationException(
                $"Column '{column.Name}' holds {typeof(TActual).Name} values; a getter of {typeof(TValue).Name} was asked for.");

        private void EnsureOnRow()
        {
            if (_row < 0)
            {
                throw new InvalidOperationException("The cursor is not on a row: call MoveNext first, and only while it returns true.");
            }
        }
    }
}
