using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders;

/// <summary>
/// A cursor over <see cref="SequenceAnomalyDataView"/> for centered scoring (<see cref="SequenceScoring.Centered"/>). The input's own columns come from an input cursor that moves
/// with this one; the scores come from a second input cursor over the channel columns that reads up to
/// <see cref="BlockPoints"/> + WindowLength − 1 rows ahead, keeps the standardized values still needed in a buffer, and
/// scores <see cref="BlockPoints"/> points at a time (<see cref="WindowErrors"/>). The two cursors see the same rows in
/// the same order, as ML.NET promises for unshuffled cursors over one view.
/// </summary>
/// <remarks>
/// Points are numbered along the series the windows are cut from: the history first (the training tail, when the view
/// continues the training series), then the view's rows, so row r is point history + r.
/// </remarks>
internal sealed class SequenceAnomalyCursor : DataViewRowCursor
{
    /// <summary>Points scored per block: a block recomputes the T − 1 windows it shares with the previous one, small beside 256.</summary>
    public const int BlockPoints = 256;

    private readonly SequenceAnomalyTransformer _detector;
    private readonly SequenceDetectorState _state;
    private readonly DataViewRowCursor _input;
    private readonly SeriesReader? _reader;
    private readonly int _inputColumns, _channels, _windowLength;
    private readonly ISet<int> _active;
    private readonly List<float> _series = []; // standardized points [_seriesFirst, ...), [point, channel]
    private long _seriesFirst;
    private bool _seriesEnded;
    private readonly long _historyPoints;
    private long _row = -1;
    private bool _pastEnd;
    private long _blockFrom, _blockTo; // the points whose results are in _scores and _channelErrors
    private readonly float[] _scores = new float[BlockPoints];
    private readonly float[] _channelErrors;

    public SequenceAnomalyCursor(IDataView input, SequenceAnomalyTransformer detector, DataViewSchema schema, ISet<int> active)
    {
        _detector = detector;
        _state = detector.State;
        Schema = schema;
        _active = active;
        _inputColumns = input.Schema.Count;
        _channels = _state.Channels;
        _windowLength = _state.WindowLength;
        _channelErrors = new float[BlockPoints * _channels];
        _input = input.GetRowCursor(input.Schema.Where(c => active.Contains(c.Index)));
        if (active.Any(i => i >= _inputColumns))
        {
            _reader = new SeriesReader(input, _state.Columns.Channels);
            if (_state.ContinuesTrainingSeries) _series.AddRange(_state.TrainingTail);
        }
        _historyPoints = _state.HistoryPoints;
    }

    public override DataViewSchema Schema { get; }

    public override long Position => _input.Position;

    public override long Batch => _input.Batch;

    public override bool MoveNext()
    {
        if (!_input.MoveNext())
        {
            // Past the end there is no row: the getters throw, as ML.NET's own cursors' do, rather than repeat the last one.
            _pastEnd = true;
            return false;
        }
        _row++;
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
            _ when column.Name == _state.Columns.Score => (ValueGetter<float>)((ref float value) => value = _scores[Slot()]),
            _ when column.Name == _state.Columns.PredictedLabel => (ValueGetter<bool>)((ref bool value) =>
            {
                float score = _scores[Slot()];
                value = score > _state.Threshold || float.IsPositiveInfinity(score);
            }),
            _ => (ValueGetter<VBuffer<float>>)((ref VBuffer<float> value) =>
            {
                int slot = Slot();
                var editor = VBufferEditor.Create(ref value, _channels);
                _channelErrors.AsSpan(slot * _channels, _channels).CopyTo(editor.Values);
                value = editor.Commit();
            }),
        };
        return getter as ValueGetter<TValue>
            ?? throw new InvalidOperationException($"Column '{column.Name}' is {column.Type}; it cannot be read as {typeof(TValue).Name}.");
    }

    /// <summary>The current row's place in the scored block, scoring the next block first when the row has left the last one.</summary>
    private int Slot()
    {
        if (_row < 0 || _pastEnd) throw new InvalidOperationException("The cursor is not on a row; call MoveNext first.");
        long point = _historyPoints + _row;
        if (point >= _blockTo) ScoreBlock(point);
        return (int)(point - _blockFrom);
    }

    private void ScoreBlock(long from)
    {
        long to = from + BlockPoints;
        // Every window that covers a point of the block ends by to + T − 2: read that far, or to the end of the series.
        while (!_seriesEnded && _seriesFirst + _series.Count / _channels < to + _windowLength - 1)
        {
            int before = _series.Count;
            if (!_reader!.TryReadRow(_series)) { _seriesEnded = true; break; }
            for (int i = before; i < _series.Count; i++)
                _series[i] = (_series[i] - _state.Standardization.Means[i - before]) / _state.Standardization.Scales[i - before];
        }
        long end = _seriesFirst + _series.Count / _channels;
        if (_seriesEnded && end < _windowLength)
        {
            throw new InvalidOperationException(
                $"The series has {end - _historyPoints} rows{(_historyPoints > 0 ? $" after {_historyPoints} points of training history" : "")}, fewer than one window " +
                $"({_windowLength} steps), so no point can be scored. Give at least {_windowLength - _historyPoints} rows.");
        }
        to = Math.Min(to, end);
        int count = (int)(to - from);
        var sums = new float[count * _channels];
        var counts = new int[count];
        var series = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_series);
        WindowErrors.Accumulate(_detector.Model, _windowLength, _channels, series, _seriesFirst, from, to, sums, counts, _detector.ScoringThreads);
        for (int p = 0; p < count; p++)
        {
            var values = series.Slice((int)((from + p - _seriesFirst) * _channels), _channels);
            _scores[p] = WindowErrors.PointError(sums, counts, p, values, _channelErrors.AsSpan(p * _channels, _channels));
        }
        _blockFrom = from;
        _blockTo = to;

        // The next block starts at `to`; its first window starts at to − T + 1, so nothing before that is needed again.
        long keepFrom = Math.Max(_seriesFirst, to - _windowLength + 1);
        _series.RemoveRange(0, (int)((keepFrom - _seriesFirst) * _channels));
        _seriesFirst = keepFrom;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _input.Dispose();
            _reader?.Dispose();
        }
        base.Dispose(disposing);
    }
}
