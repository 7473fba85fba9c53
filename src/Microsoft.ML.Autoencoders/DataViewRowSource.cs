using System.Numerics.Tensors;
using Microsoft.ML.Autoencoders.Engine.Training;
using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders;

/// <summary>
/// An <see cref="IDataView"/>'s vector column (and target column) as an engine <see cref="ITrainingRowSource"/>: each pass
/// opens a cursor and copies one row at a time, so streamed training never holds the column
/// (<see cref="AutoencoderOptions.StreamTrainingData"/>). Every value is checked as it is read.
/// </summary>
internal sealed class DataViewRowSource : ITrainingRowSource
{
    private readonly IDataView _data;
    private readonly DataViewSchema.Column _input;
    private readonly DataViewSchema.Column? _target;

    private DataViewRowSource(IDataView data, DataViewSchema.Column input, DataViewSchema.Column? target, int width, long rows)
    {
        (_data, _input, _target, Width, RowCount) = (data, input, target, width, rows);
    }

    /// <summary>
    /// The source over <paramref name="inputColumn"/> (and <paramref name="targetColumn"/>, or null) of <paramref name="data"/>.
    /// The row count is the view's own when it knows it; otherwise, or when <paramref name="range"/> is wanted (the input's
    /// [min, max], which noise is clipped to), one pass over the inputs finds it.
    /// </summary>
    public static DataViewRowSource Open(IDataView data, string inputColumn, string? targetColumn, int width, bool wantRange, out (float Min, float Max)? range)
    {
        var input = data.Schema[inputColumn];
        var target = targetColumn == null ? (DataViewSchema.Column?)null : data.Schema[targetColumn];
        long? rows = data.GetRowCount();
        range = null;
        if (rows == null || wantRange)
        {
            float min = float.PositiveInfinity, max = float.NegativeInfinity;
            long counted = 0;
            // The count alone needs no column: a view that can skip computing its values then does.
            using var cursor = data.GetRowCursor(wantRange ? [input] : []);
            var getter = wantRange ? cursor.GetGetter<VBuffer<float>>(input) : null;
            VBuffer<float> row = default;
            var dense = wantRange ? new float[width] : [];
            while (cursor.MoveNext())
            {
                if (getter != null)
                {
                    getter(ref row);
                    row.CopyTo(dense);
                    TrainingData.CheckFinite(dense, inputColumn, counted, "training data");
                    min = Math.Min(min, TensorPrimitives.Min(dense));
                    max = Math.Max(max, TensorPrimitives.Max(dense));
                }
                counted++;
            }
            rows = counted;
            if (wantRange && counted > 0) range = (min, max);
        }
        if (rows == 0)
            throw new InvalidOperationException($"The training data has no rows, so column '{inputColumn}' gives the autoencoder nothing to learn from.");
        return new DataViewRowSource(data, input, target, width, rows.Value);
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
            if (!_cursor.MoveNext()) return false;
            _input(ref _inputRow);
            _inputRow.CopyTo(input); // densifies sparse rows
            TrainingData.CheckFinite(input, _source._input.Name, _row, "training data");
            if (_target != null)
            {
                _target(ref _targetRow);
                _targetRow.CopyTo(target);
                TrainingData.CheckFinite(target, _source._target!.Value.Name, _row, "training data");
            }
            _row++;
            return true;
        }

        /// <summary>Moves the cursor without calling the getters: ML.NET computes a column's value only when it is fetched.</summary>
        public bool TrySkip(Span<float> scratchInput, Span<float> scratchTarget)
        {
            if (!_cursor.MoveNext()) return false;
            _row++;
            return true;
        }

        public void Dispose() => _cursor.Dispose();
    }
}
