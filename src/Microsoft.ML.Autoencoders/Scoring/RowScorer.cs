using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Losses;
using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Data;

namespace Microsoft.ML.Autoencoders.Scoring;

/// <summary>
/// Scores one row at a time with its own one-row activation cache, remembering the last row it scored so that
/// several output getters on the same row share one forward pass. One per cursor: not thread-safe.
/// </summary>
internal sealed class RowScorer
{
    private readonly AutoencoderNetwork _network;
    private readonly ActivationCache _cache;
    private readonly LayerContext _context;
    private readonly ValueGetter<VBuffer<float>> _inputGetter;
    private readonly Func<long> _position;
    private readonly bool _needsDecoder;
    private VBuffer<float> _input;
    private long _scoredPosition = -1;
    private float _error;

    public RowScorer(AutoencoderNetwork network, ValueGetter<VBuffer<float>> inputGetter, Func<long> position, bool needsDecoder, int threads)
    {
        _network = network;
        _cache = network.CreateCache(1);
        _context = LayerContext.Inference(threads);
        _inputGetter = inputGetter;
        _position = position;
        _needsDecoder = needsDecoder;
    }

    public ReadOnlySpan<float> Code { get { Score(); return _network.Code(_cache, 1); } }

    public ReadOnlySpan<float> Reconstruction { get { Score(); return _network.Reconstruction(_cache, 1); } }

    public float Error { get { Score(); return _error; } }

    private void Score()
    {
        long position = _position();
        if (position == _scoredPosition) return;
        _inputGetter(ref _input);
        if (_input.Length != _network.InputSize)
            throw new InvalidOperationException($"A row has {_input.Length} values but the autoencoder expects {_network.InputSize}.");
        Span<float> input = _network.Input(_cache, 1);
        _input.CopyTo(input);
        if (_needsDecoder)
        {
            _network.Forward(_cache, 1, _context);
            _error = ReconstructionError.MeanSquared(input, _network.Reconstruction(_cache, 1));
        }
        else
        {
            _network.Encode(_cache, 1, _context);
        }
        _scoredPosition = position;
    }
}
