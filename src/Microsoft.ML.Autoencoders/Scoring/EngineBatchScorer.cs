using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Losses;
using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Autoencoders.Engine.Variational;

namespace Microsoft.ML.Autoencoders.Scoring;

/// <summary>
/// Runs the engine over up to <see cref="Capacity"/> rows at once. Scoring many rows in one pass turns the network's
/// matrix-vector products into matrix products, which is where the engine is fast.
/// One per cursor or prediction engine: not thread-safe.
/// </summary>
internal sealed class EngineBatchScorer : BatchScorer
{
    private readonly AutoencoderNetwork _network;
    private readonly ActivationCache _cache;
    private readonly LayerContext _context;
    private readonly float[] _errors;
    private readonly VariationalAutoencoder? _variational;
    private readonly Loss? _likelihood; // this scorer's own reconstruction term: one per cursor or engine, none per row
    private readonly float[] _negativeElbos;
    private readonly float[]? _bandReconstructions;
    private readonly float[]? _bandCodes;
    private int _rows;

    /// <param name="network">The trained network.</param>
    /// <param name="capacity">The most rows one <see cref="BatchScorer.Score(int)"/> call takes.</param>
    /// <param name="needsDecoder">False when only codes are read: the decoder is then never run.</param>
    /// <param name="needsCode">
    /// Whether codes are read beside the reconstruction. A batch with the decoder goes through
    /// <see cref="AutoencoderNetwork.Reconstruct(ActivationCache, ReadOnlySpan{float}, Span{float}, Span{float}, int, in LayerContext)"/>,
    /// which may run each thread's rows through every layer band by band (one rendezvous a batch instead of one a layer),
    /// copying the codes out only when they are read. The same bits as the layer-by-layer pass, except that a network
    /// read as sparse decides sparse or dense per 12-row group there and per batch here, which can move the last bits of
    /// a batch that mixes rows on both sides of the bound (docs/architecture.md, inference).
    /// </param>
    /// <param name="threads">The most threads one batch may use; results do not depend on it.</param>
    /// <param name="variational">The network read as a VAE, whose rows then also get a negative ELBO; null for other kinds.</param>
    public EngineBatchScorer(AutoencoderNetwork network, int capacity, bool needsDecoder, bool needsCode, int threads, VariationalAutoencoder? variational = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _network = network;
        Capacity = capacity;
        NeedsDecoder = needsDecoder;
        _cache = network.CreateCache(capacity);
        _context = LayerContext.Inference(threads);
        _errors = needsDecoder ? new float[capacity] : [];
        _variational = needsDecoder ? variational : null;
        _negativeElbos = _variational != null ? new float[capacity] : [];
        _likelihood = _variational?.CreateLikelihood();
        // A VAE's ELBO reads the cache's slots of the same pass, so it keeps the layer-by-layer pass.
        bool bands = needsDecoder && _variational is null;
        _bandReconstructions = bands ? new float[capacity * InputSize] : null;
        _bandCodes = bands && needsCode ? new float[capacity * network.CodeSize] : null;
    }

    public override int Capacity { get; }

    public override bool NeedsDecoder { get; }

    public override int InputSize => _network.InputSize;

    /// <summary>Where row <paramref name="row"/> of the next batch is written before <see cref="BatchScorer.Score(int)"/>.</summary>
    public override Span<float> Input(int row) => _network.Input(_cache, Capacity).Slice(row * InputSize, InputSize);

    /// <summary>Scores the first <paramref name="rows"/> rows written to <see cref="Input"/>.</summary>
    protected override void ScoreBatch(int rows)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(rows, Capacity);
        _rows = rows;
        if (rows == 0) return;
        if (!NeedsDecoder)
        {
            _network.Encode(_cache, rows, _context);
            return;
        }

        Span<float> inputs = _network.Input(_cache, rows), reconstructions;
        if (_bandReconstructions != null)
        {
            reconstructions = _bandReconstructions.AsSpan(0, rows * InputSize);
            if (_bandCodes is null) _network.Reconstruct(_cache, inputs, reconstructions, rows, _context);
            else _network.Reconstruct(_cache, inputs, reconstructions, _bandCodes.AsSpan(0, rows * _network.CodeSize), rows, _context);
        }
        else
        {
            _network.Forward(_cache, rows, _context);
            reconstructions = _network.Reconstruction(_cache, rows);
        }

        for (int r = 0; r < rows; r++)
        {
            _errors[r] = ReconstructionError.MeanSquared(inputs.Slice(r * InputSize, InputSize), reconstructions.Slice(r * InputSize, InputSize));
        }
        // From the same forward pass: inference decodes the latent mean, which is the deterministic ELBO's point.
        _variational?.NegativeElboOfForwardPass(_cache, rows, _negativeElbos, _likelihood!);
    }

    /// <summary>Row <paramref name="row"/>'s code from the last <see cref="BatchScorer.Score(int)"/>.</summary>
    public override ReadOnlySpan<float> Code(int row)
    {
        Span<float> codes = _bandCodes != null ? _bandCodes
            : _bandReconstructions is null ? _network.Code(_cache, _rows)
            : throw new InvalidOperationException("This scorer was built without codes: its batches keep none.");
        return codes.Slice(row * _network.CodeSize, _network.CodeSize);
    }

    /// <summary>Row <paramref name="row"/>'s reconstruction from the last <see cref="BatchScorer.Score(int)"/>; needs the decoder.</summary>
    public override ReadOnlySpan<float> Reconstruction(int row) =>
        DecoderOutputs(_bandReconstructions ?? _network.Reconstruction(_cache, _rows)).Slice(row * InputSize, InputSize);

    /// <summary>Row <paramref name="row"/>'s mean squared reconstruction error from the last <see cref="BatchScorer.Score(int)"/>; needs the decoder.</summary>
    public override float Error(int row) => DecoderOutputs(_errors)[row];

    /// <summary>Row <paramref name="row"/>'s negative ELBO in nats from the last <see cref="BatchScorer.Score(int)"/>; needs a variational network.</summary>
    public override float NegativeElbo(int row) => _variational != null ? _negativeElbos[row] : base.NegativeElbo(row);

    private Span<float> DecoderOutputs(Span<float> values) =>
        NeedsDecoder ? values : throw new InvalidOperationException("This scorer was built for codes only: the decoder was not run.");
}
