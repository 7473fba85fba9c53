using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Autoencoders.Engine.Layers;

namespace Microsoft.ML.Autoencoders;

/// <summary>
/// Watches a live series one point at a time with a causal sequence detector (<see cref="SequenceScoring.Causal"/>):
/// <see cref="Observe"/> takes the point's channel values and returns at once its score, from the window that ends at it,
/// and whether it is an alarm; <see cref="ChannelErrors"/> then says which channel departs. Made by
/// <see cref="SequenceAnomalyTransformer.CreateMonitor()"/>; its scores are the ones <c>Transform</c> gives the same series.
/// </summary>
/// <remarks>
/// <para>The monitor keeps the last WindowLength − 1 standardized points in a ring buffer. It starts with the points
/// before the stream: <see cref="SequenceAnomalyTransformer.CreateMonitor(ReadOnlySpan{float})"/>'s recent points when
/// given (what a live feed that starts after training should use); else, when the detector
/// <see cref="SequenceAnomalyTransformer.ContinuesTrainingSeries"/> (the default), the training series' last
/// WindowLength − 1 points, so the first point given is scored at once, as the one after the training series — right
/// only when the stream does continue it; else none. Until WindowLength − 1 points precede a point it has no window and
/// scores NaN (<see cref="SequenceAnomalyReading.IsScored"/> false, no alarm).</para>
/// <para>Gaps are treated as <c>Transform</c> treats them: a point holding NaN or ±∞ scores +∞ and is an alarm, with +∞
/// in <see cref="ChannelErrors"/> at its bad channels and 0 at the others; the WindowLength − 1 points after it, whose
/// window holds it, score NaN (no alarm): fill gaps before the monitor if the detector must not be blind after one.</para>
/// <para>After the first point nothing is allocated per point: the window, the network's activations and the errors
/// live in buffers the monitor owns. One monitor is one stream and is not thread-safe: give each stream (and each
/// thread) its own; any number can be made from one detector.</para>
/// </remarks>
public sealed class SequenceAnomalyMonitor
{
    private readonly AutoencoderModel _model;
    private readonly float[] _means, _scales;
    private readonly int _windowLength, _channels;
    private readonly float _threshold;
    // The last WindowLength points, twice over: slot s is stored at s and s + WindowLength, so the window that ends at the
    // newest point is always one contiguous run, [(_next) · C, (_next + T) · C) after _next has moved past it.
    private readonly float[] _ring;
    private readonly float[] _reconstruction, _channelErrors;
    private readonly ActivationCache _cache;
    private readonly LayerContext _inference = LayerContext.Inference(threads: 1);
    private int _next;              // the ring slot the next point goes to
    private long _pointsInRing;      // points stored so far, the training history included
    private long _lastNonFinite = long.MinValue; // ring point number of the newest point holding NaN or ±∞
    private long _historyPoints;     // points stored before the first observed one
    private bool _newestIsFinite;

    private SequenceAnomalyMonitor(SequenceAnomalyTransformer detector)
    {
        var state = detector.State;
        _model = detector.Model;
        _windowLength = state.WindowLength;
        _channels = state.Channels;
        _threshold = state.Threshold;
        _means = state.Standardization.Means;
        _scales = state.Standardization.Scales;
        _ring = new float[2 * _windowLength * _channels];
        _reconstruction = new float[_windowLength * _channels];
        _channelErrors = new float[_channels];
        _cache = _model.Network.CreateCache(maxBatch: 1);
    }

    /// <summary>A monitor that starts from the training series' end when the detector continues it, else from nothing.</summary>
    internal static SequenceAnomalyMonitor FromDetectorHistory(SequenceAnomalyTransformer detector)
    {
        var monitor = new SequenceAnomalyMonitor(detector);
        if (detector.State.ContinuesTrainingSeries)
        {
            var tail = detector.State.TrainingTail;
            for (int p = 0; p < tail.Length / monitor._channels; p++) monitor.Store(tail.AsSpan(p * monitor._channels, monitor._channels), finite: true);
        }
        monitor._historyPoints = monitor._pointsInRing;
        return monitor;
    }

    /// <summary>
    /// A monitor that starts from the last WindowLength − 1 of <paramref name="recentPoints"/> (raw, [points, channels]),
    /// stored as observed points are, gaps included, but not counted or scored.
    /// </summary>
    internal static SequenceAnomalyMonitor FromRecentPoints(SequenceAnomalyTransformer detector, ReadOnlySpan<float> recentPoints)
    {
        var monitor = new SequenceAnomalyMonitor(detector);
        int channels = monitor._channels, given = recentPoints.Length / channels;
        for (int p = Math.Max(0, given - (monitor._windowLength - 1)); p < given; p++) monitor.Append(recentPoints.Slice(p * channels, channels));
        monitor._historyPoints = monitor._pointsInRing;
        return monitor;
    }

    /// <summary>The steps of each window.</summary>
    public int WindowLength => _windowLength;

    /// <summary>Values per point, in the order of the detector's <see cref="SequenceAnomalyTransformer.ChannelColumnNames"/>.</summary>
    public int Channels => _channels;

    /// <summary>The alarm threshold in Score units (the detector's, from its training points' causal scores).</summary>
    public float Threshold => _threshold;

    /// <summary>Points given to <see cref="Observe"/> so far.</summary>
    public long PointsObserved => _pointsInRing - _historyPoints;

    /// <summary>
    /// Each channel's squared standardized error at the last point observed (their mean is its Score); +∞ at a non-finite
    /// channel of a point that holds one, NaN everywhere when the point has no score. Valid until the next <see cref="Observe"/>.
    /// </summary>
    public ReadOnlySpan<float> ChannelErrors => _channelErrors;

    /// <summary>
    /// Takes the next point of the stream, one value per channel in the detector's channel order (raw units: the monitor
    /// standardizes them), and returns its score and whether it is an alarm.
    /// </summary>
    public SequenceAnomalyReading Observe(ReadOnlySpan<float> channels)
    {
        if (channels.Length != _channels)
            throw new ArgumentException($"A point of this detector has {_channels} channel values (ChannelColumnNames order), not {channels.Length}.", nameof(channels));
        Append(channels);
        return ScoreNewest();
    }

    /// <summary>Stores the next point without scoring it (the Transform cursor scores only the rows whose scores are read).</summary>
    internal void Append(ReadOnlySpan<float> channels)
    {
        Span<float> standardized = stackalloc float[_channels];
        bool finite = true;
        for (int c = 0; c < _channels; c++)
        {
            standardized[c] = (channels[c] - _means[c]) / _scales[c];
            finite &= float.IsFinite(standardized[c]);
        }
        Store(standardized, finite);
    }

    private void Store(ReadOnlySpan<float> standardized, bool finite)
    {
        standardized.CopyTo(_ring.AsSpan(_next * _channels, _channels));
        standardized.CopyTo(_ring.AsSpan((_next + _windowLength) * _channels, _channels));
        _next = (_next + 1) % _windowLength;
        if (!finite) _lastNonFinite = _pointsInRing;
        _newestIsFinite = finite;
        _pointsInRing++;
    }

    /// <summary>Scores the newest point from the window that ends at it (see <see cref="SequenceAnomalyReading.Score"/>).</summary>
    internal SequenceAnomalyReading ScoreNewest()
    {
        if (_pointsInRing == _historyPoints) throw new InvalidOperationException("No point has been observed yet.");
        long point = _pointsInRing - _historyPoints - 1, newest = _pointsInRing - 1;
        if (!_newestIsFinite)
        {
            var values = _ring.AsSpan(((_next + _windowLength - 1) % _windowLength) * _channels, _channels);
            for (int c = 0; c < _channels; c++) _channelErrors[c] = float.IsFinite(values[c]) ? 0f : float.PositiveInfinity;
            return new SequenceAnomalyReading(point, float.PositiveInfinity, IsAnomaly: true);
        }
        if (_pointsInRing < _windowLength || _lastNonFinite > newest - _windowLength)
        {
            _channelErrors.AsSpan().Fill(float.NaN);
            return new SequenceAnomalyReading(point, float.NaN, IsAnomaly: false);
        }
        var window = _ring.AsSpan(_next * _channels, _windowLength * _channels);
        _model.Network.Reconstruct(_cache, window, _reconstruction, rows: 1, _inference);
        float score = NewestStepErrors.Score(window, _reconstruction, _channelErrors);
        return new SequenceAnomalyReading(point, score, score > _threshold || float.IsPositiveInfinity(score));
    }
}
