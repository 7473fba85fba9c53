using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders.Scoring;

/// <summary>
/// A cursor over <see cref="AutoencoderDataView"/> that scores its rows in batches. It reads the input a batch ahead
/// of its caller, capturing each row's passed-through columns (<see cref="BufferedColumn"/>) and writing its features
/// into the engine's input, and runs the network over the whole batch the first time an output of one of its rows is
/// read (<see cref="BatchScorer"/>). Batches start at one row and double up to <see cref="MaxBatchRows"/>, so a
/// caller that reads n rows has pulled at most 2n − 1 from the input: the look-ahead stays proportional to what was
/// read, and a long scan runs at the engine's batched speed.
/// </summary>
internal sealed class AutoencoderCursor : DataViewRowCursor
{
    /// <summary>
    /// The largest batch. Measured on MNIST's 784-256-64-256-784 network reading code, reconstruction and error of the
    /// 10k test rows on 2 threads (a console timing full scans, 2026-11-24): about 170k rows/s at 64, 205k at 256, 185k at
    /// 1024, 43k one row at a time. Past 256 the products gain nothing more, while every row of look-ahead holds a copy
    /// of its passed-through columns.
    /// </summary>
    public const int MaxBatchRows = 256;

    private readonly AutoencoderRowMapper _mapper;
    private readonly DataViewRowCursor _input;
    private readonly ISet<int> _active;
    private readonly BatchScorer? _scorer;
    private readonly ValueGetter<VBuffer<float>>? _featuresGetter;
    private readonly Dictionary<int, BufferedColumn> _passedThrough = [];
    private readonly ValueGetter<DataViewRowId> _inputIdGetter;
    private readonly long[] _positions;
    private readonly DataViewRowId[] _ids;
    private readonly ScoredRow _current;
    private VBuffer<float> _features;
    private int _batchRows;
    private int _slot = -1;
    private int _nextBatchRows = 1;
    private bool _inputEnded;
    private bool _batchScored;

    public AutoencoderCursor(AutoencoderRowMapper mapper, DataViewRowCursor input, ISet<int> active)
    {
        _mapper = mapper;
        _input = input;
        _active = active;
        // With no output to compute there is nothing to batch: rows go through one at a time, with no look-ahead.
        int capacity = active.Any(mapper.IsOutput) ? MaxBatchRows : 1;
        _scorer = mapper.CreateBatchScorer(active, capacity);
        if (_scorer != null) _featuresGetter = input.GetGetter<VBuffer<float>>(input.Schema[mapper.InputColumnIndex]);
        foreach (int index in active.Where(i => !mapper.IsOutput(i)))
            _passedThrough[index] = BufferedColumn.Create(input, input.Schema[index], capacity);
        _inputIdGetter = input.GetIdGetter();
        _positions = new long[capacity];
        _ids = new DataViewRowId[capacity];
        _current = new CurrentRow(this);
    }

    public override DataViewSchema Schema => _mapper.OutputSchema;

    public override long Position => OnRow ? _positions[_slot] : -1;

    public override long Batch => _input.Batch;

    private bool OnRow => _slot >= 0 && _slot < _batchRows;

    public override bool MoveNext()
    {
        if (_slot + 1 < _batchRows)
        {
            _slot++;
            return true;
        }

        _batchRows = 0;
        _slot = -1;
        if (_inputEnded) return false;
        ReadBatch(_nextBatchRows);
        _nextBatchRows = Math.Min(2 * _nextBatchRows, _positions.Length);
        if (_batchRows == 0) return false;
        _slot = 0;
        return true;
    }

    /// <summary>Moves the input up to <paramref name="rows"/> rows on, capturing each row it passes.</summary>
    private void ReadBatch(int rows)
    {
        _batchScored = false;
        while (_batchRows < rows)
        {
            if (!_input.MoveNext())
            {
                _inputEnded = true;
                return;
            }

            int slot = _batchRows++;
            _positions[slot] = _input.Position;
            _inputIdGetter(ref _ids[slot]);
            foreach (var column in _passedThrough.Values) column.Capture(slot);
            if (_scorer != null)
            {
                _featuresGetter!(ref _features);
                InputRow.CopyDense(_features, _scorer.Input(slot), _mapper.InputSchema[_mapper.InputColumnIndex].Name);
            }
        }
    }

    /// <summary>The row the caller stands on, within the current batch.</summary>
    private int CurrentSlot => OnRow ? _slot : throw new InvalidOperationException("The cursor is not on a row: call MoveNext first.");

    public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId value) => value = _ids[CurrentSlot];

    public override bool IsColumnActive(DataViewSchema.Column column) => _active.Contains(column.Index);

    public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
    {
        if (column.Index < 0 || column.Index >= _mapper.OutputSchema.Count)
            throw new ArgumentOutOfRangeException(nameof(column), $"Column '{column.Name}' is not in this cursor's schema.");
        if (!_active.Contains(column.Index))
            throw new InvalidOperationException($"Column '{column.Name}' was not requested when the cursor was created; ask for it in the active columns.");
        Delegate getter = _mapper.IsOutput(column.Index)
            ? _mapper.OutputGetter(_current, column.Index)
            : _passedThrough[column.Index].Getter(() => CurrentSlot);
        return getter as ValueGetter<TValue>
            ?? throw new InvalidOperationException($"Column '{column.Name}' is {column.Type}, which cannot be read as {typeof(TValue).Name}.");
    }

    /// <summary>Scores the current batch on the first read of any output in it.</summary>
    private BatchScorer ScoredBatch()
    {
        _ = CurrentSlot;
        if (!_batchScored)
        {
            _scorer!.Score(_batchRows);
            _batchScored = true;
        }
        return _scorer!;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _input.Dispose();
        base.Dispose(disposing);
    }

    /// <summary>The outputs of the caller's current row, read from its scored batch.</summary>
    private sealed class CurrentRow(AutoencoderCursor cursor) : ScoredRow
    {
        public override ReadOnlySpan<float> Code => cursor.ScoredBatch().Code(cursor._slot);

        public override ReadOnlySpan<float> Reconstruction => cursor.ScoredBatch().Reconstruction(cursor._slot);

        public override float Error => cursor.ScoredBatch().Error(cursor._slot);

        public override float NegativeElbo => cursor.ScoredBatch().NegativeElbo(cursor._slot);
    }
}
