using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders;

/// <summary>
/// A cursor over <see cref="SequenceAnomalyDataView"/> for a causal detector (<see cref="SequenceScoring.Causal"/>): one
/// input cursor, no read-ahead. Each row's channel values go into a <see cref="SequenceAnomalyMonitor"/> as the cursor
/// reaches it, and the row is scored from the window that ends at it the first time one of its outputs is read, so a
/// live source gives a row's score as soon as it gives the row, and a forward-only source needs no cache.
/// </summary>
internal sealed class CausalSequenceCursor : DataViewRowCursor
{
    private readonly DataViewRowCursor _input;
    private readonly int _inputColumns;
    private readonly ISet<int> _active;
    private readonly SeriesColumns _columns;
    private readonly SequenceAnomalyMonitor? _monitor;
    private readonly ValueGetter<float>[] _channelGetters = [];
    private readonly float[] _values;
    private bool _onRow, _scored;
    private SequenceAnomalyReading _reading;
    private readonly float[] _channelErrors;

    public CausalSequenceCursor(IDataView input, SequenceAnomalyTransformer detector, DataViewSchema schema, ISet<int> active)
    {
        Schema = schema;
        _active = active;
        _columns = detector.State.Columns;
        _inputColumns = input.Schema.Count;
        _values = new float[detector.State.Channels];
        _channelErrors = new float[detector.State.Channels];
        bool scoring = active.Any(i => i >= _inputColumns);
        var channels = _columns.Channels.Select(name => input.Schema[name]).ToArray();
        var needed = input.Schema.Where(c => active.Contains(c.Index) || (scoring && channels.Any(channel => channel.Index == c.Index)));
        _input = input.GetRowCursor(needed);
        if (scoring)
        {
            _monitor = detector.CreateMonitor();
            _channelGetters = channels.Select(c => _input.GetGetter<float>(c)).ToArray();
        }
    }

    public override DataViewSchema Schema { get; }

    public override long Position => _input.Position;

    public override long Batch => _input.Batch;

    public override bool MoveNext()
    {
        if (!_input.MoveNext())
        {
            // Past the end there is no row: the getters throw, as ML.NET's own cursors' do, rather than repeat the last one.
            _onRow = false;
            return false;
        }
        _onRow = true;
        _scored = false;
        if (_monitor != null)
        {
            // Every row enters the window, whether or not its own score is read.
            for (int c = 0; c < _values.Length; c++) _channelGetters[c](ref _values[c]);
            _monitor.Append(_values);
        }
        return true;
    }

    public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();

    public override bool IsColumnActive(DataViewSchema.Column column) => _active.Contains(column.Index);

    public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
    {
        if (!_active.Contains(column.Index)) throw new InvalidOperationException($"Column '{column.Name}' was not requested when the cursor was made.");
        if (column.Index < _inputColumns) return _input.GetGetter<TValue>(_input.Schema[column.Index]);
        Delegate getter = column.Name switch
        {
            _ when column.Name == _columns.Score => (ValueGetter<float>)((ref float value) => value = Reading().Score),
            _ when column.Name == _columns.PredictedLabel => (ValueGetter<bool>)((ref bool value) => value = Reading().IsAnomaly),
            _ => (ValueGetter<VBuffer<float>>)((ref VBuffer<float> value) =>
            {
                Reading();
                var editor = VBufferEditor.Create(ref value, _channelErrors.Length);
                _channelErrors.CopyTo(editor.Values);
                value = editor.Commit();
            }),
        };
        return getter as ValueGetter<TValue>
            ?? throw new InvalidOperationException($"Column '{column.Name}' is {column.Type}; it cannot be read as {typeof(TValue).Name}.");
    }

    /// <summary>The current row's reading, scoring it the first time any of its outputs is read.</summary>
    private SequenceAnomalyReading Reading()
    {
        if (!_onRow) throw new InvalidOperationException("The cursor is not on a row; call MoveNext first.");
        if (!_scored)
        {
            _reading = _monitor!.ScoreNewest();
            _monitor.ChannelErrors.CopyTo(_channelErrors);
            _scored = true;
        }
        return _reading;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _input.Dispose();
        base.Dispose(disposing);
    }
}
