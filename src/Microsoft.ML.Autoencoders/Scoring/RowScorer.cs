using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders.Scoring;

/// <summary>
/// Scores one row at a time, for prediction engines, which hand over a row and read it back at once. It remembers
/// the last position it scored so several output getters on the same row share one forward pass. Not thread-safe: a
/// second thread scoring at the same time, or moving the engine's input row while this one scores, gets
/// <see cref="BatchScorer.ConcurrentUseMessage"/> (an engine shared between threads is a common mistake; see its fix there).
/// </summary>
internal sealed class RowScorer : ScoredRow
{
    private readonly BatchScorer _scorer;
    private readonly ValueGetter<VBuffer<float>> _inputGetter;
    private readonly Func<long> _position;
    private readonly string _inputColumnName;
    private VBuffer<float> _input;
    private long _scoredPosition = -1;

    public RowScorer(BatchScorer scorer, ValueGetter<VBuffer<float>> inputGetter, Func<long> position, string inputColumnName)
    {
        _scorer = scorer;
        _inputColumnName = inputColumnName;
        _inputGetter = inputGetter;
        _position = position;
    }

    public override ReadOnlySpan<float> Code { get { Score(); return _scorer.Code(0); } }

    public override ReadOnlySpan<float> Reconstruction { get { Score(); return _scorer.Reconstruction(0); } }

    public override float Error { get { Score(); return _scorer.Error(0); } }

    public override float NegativeElbo { get { Score(); return _scorer.NegativeElbo(0); } }

    private void Score()
    {
        long position = _position();
        if (position == _scoredPosition) return;
        _inputGetter(ref _input);
        InputRow.CopyDense(_input, _scorer.Input(0), _inputColumnName);
        _scorer.Score(1);
        // The engine's input row moved while we scored: another thread is predicting with the same engine.
        if (_position() != position) throw new InvalidOperationException(BatchScorer.ConcurrentUseMessage);
        _scoredPosition = position;
    }
}
