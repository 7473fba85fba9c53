using System.Numerics.Tensors;
using Microsoft.ML.Autoencoders.Engine.Training;
using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders;

/// <summary>
/// An <see cref="IDataView"/>'s vector column (and target column) as an engine <see cref="ITrainingRowSource"/>: each pass
/// opens a cursor and copies one row at a time, so streamed training never holds the column
/// (<see cref="AutoencoderOptions.StreamTrainingData"/>). Every value is checked as it is read, and the cancellation token
/// before every row: a pass over a view larger than memory is long, and the counting pass and the validation pass run
/// where the trainer's own per-batch check does not.
/// </summary>
internal sealed class DataViewRowSource : ITrainingRowSource
{
    private readonly IDataView _data;
    private readonly DataViewSchema.Column _input;
    private readonly DataViewSchema.Column? _target;
    private readonly CancellationToken _cancellation;

    private DataViewRowSource(IDataView data, DataViewSchema.Column input, DataViewSchema.Column? target, int width, long rows, CancellationToken cancellation)
    {
        (_data, _input, _target, Width, RowCount, _cancellation) = (data, input, target, width, rows, cancellation);
    }

    /// <summary>
    /// The source over <paramref name="inputColumn"/> (and <paramref name="targetColumn"/>, or null) of <paramref name="data"/>.
    /// The row count is the view's own when it knows it; otherwise, or when a range is wanted, one opening pass finds it:
    /// <paramref name="range"/> is the inputs' [min, max] when <paramref name="wantRange"/> (noise is clipped to it),
    /// <paramref name="targetRange"/> the targets' when <paramref name="wantTargetRange"/> and there is a target column
    /// (binary cross-entropy needs them in [0, 1]); the one pass reads both columns. <paramref name="cancellation"/> stops
    /// that pass and every later one with <see cref="OperationCanceledException"/>.
    /// </summary>
    public static DataViewRowSource Open(IDataView data, string inputColumn, string? targetColumn, int width, bool wantRange, bool wantTargetRange,
        out (float Min, float Max)? range, out (float Min, float Max)? targetRange, CancellationToken cancellation = default)
    {
        var input = data.Schema[inputColumn];
        var target = targetColumn == null ? (DataViewSchema.Column?)null : data.Schema[targetColumn];
        wantTargetRange &= target != null;
        long? rows = data.GetRowCount();
        range = targetRange = null;
        if (rows == null || wantRange || wantTargetRange)
        {
            var inputs = new ColumnRange(wantRange ? input : null, inputColumn, width);
            var targets = new ColumnRange(wantTargetRange ? target : null, targetColumn, width);
            long counted = 0;
            // The count alone needs no column: a view that can skip computing its values then does.
            var read = new List<DataViewSchema.Column>();
            if (wantRange) read.Add(input);
            if (wantTargetRange) read.Add(target!.Value);
            using var cursor = data.GetRowCursor(read);
            inputs.Attach(cursor);
            targets.Attach(cursor);
            while (!cancellation.IsCancellationRequested && cursor.MoveNext())
            {
                inputs.Read(counted);
                targets.Read(counted);
                counted++;
            }
            cancellation.ThrowIfCancellationRequested();
            rows = counted;
            if (counted > 0)
            {
                range = inputs.Range;
                targetRange = targets.Range;
            }
        }
        if (rows == 0)
            throw DataRole.Training.NoRows(inputColumn);
        return new DataViewRowSource(data, input, target, width, rows.Value, cancellation);
    }

    /// <summary>The [min, max] of one column over the opening pass, every value checked finite as it is read; a null column reads nothing.</summary>
    private sealed class ColumnRange(DataViewSchema.Column? column, string? name, int width)
    {
        private readonly float[] _dense = column == null ? [] : new float[width];
        private ValueGetter<VBuffer<float>>? _getter;
        private VBuffer<float> _row;
        private float _min = float.PositiveInfinity, _max = float.NegativeInfinity;

        public (float Min, float Max)? Range => _getter == null ? null : (_min, _max);

        public void Attach(DataViewRowCursor cursor)
        {
            if (column is { } c) _getter = cursor.GetGetter<VBuffer<float>>(c);
        }

        public void Read(long row)
        {
            if (_getter == null) return;
            _getter(ref _row);
            _row.CopyTo(_dense);
            TrainingData.CheckFinite(_dense, name!, row, DataRole.Training);
            _min = Math.Min(_min, TensorPrimitives.Min(_dense));
            _max = Math.Max(_max, TensorPrimitives.Max(_dense));
        }
    }

    /// <inheritdoc/>
    public int Width { get; }

    /// <inheritdoc/>
    public long RowCount { get; }

    /// <inheritdoc/>
    public bool HasTargets => _target != null;

    /// <inheritdoc/>
    public ITrainingRowPass OpenPass() => new Pass(this);

    private sealed class Pass : ITrainingRowPass
    {
        private readonly DataViewRowSource _source;
        private readonly DataViewRowCursor _cursor;
        private readonly ValueGetter<VBuffer<float>> _input;
        private readonly ValueGetter<VBuffer<float>>? _target;
        private VBuffer<float> _inputRow, _targetRow;
        private long _row;

        public Pass(DataViewRowSource source)
        {
            _source = source;
            _cursor = source._target is { } target
                ? source._data.GetRowCursor([source._input, target])
                : source._data.GetRowCursor([source._input]);
            _input = _cursor.GetGetter<VBuffer<float>>(source._input);
            if (source._target is { } targetColumn) _target = _cursor.GetGetter<VBuffer<float>>(targetColumn);
        }

        public bool TryRead(Span<float> input, Span<float> target)
        {
            _source._cancellation.ThrowIfCancellationRequested();
            if (!_cursor.MoveNext()) return false;
            _input(ref _inputRow);
            _inputRow.CopyTo(input); // densifies sparse rows
            TrainingData.CheckFinite(input, _source._input.Name, _row, DataRole.Training);
            if (_target != null)
            {
                _target(ref _targetRow);
                _targetRow.CopyTo(target);
                TrainingData.CheckFinite(target, _source._target!.Value.Name, _row, DataRole.Training);
            }
            _row++;
            return true;
        }

        /// <summary>Moves the cursor without calling the getters: ML.NET computes a column's value only when it is fetched.</summary>
        public bool TrySkip(Span<float> scratchInput, Span<float> scratchTarget)
        {
            _source._cancellation.ThrowIfCancellationRequested();
            if (!_cursor.MoveNext()) return false;
            _row++;
            return true;
        }

        public void Dispose() => _cursor.Dispose();
    }
}
