using Microsoft.ML.Autoencoders.Engine.Corruption;
using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Kernels;
using Microsoft.ML.Autoencoders.Engine.Losses;
using Microsoft.ML.Autoencoders.Engine.Models;

namespace Microsoft.ML.Autoencoders.Engine.Training;

/// <summary>
/// Inference-mode measurements during training, in the training step's own buffers (between steps they are free): the loss
/// of rows loaded into the cache's input slot (validation, the untrained yardstick) and the collapsed-code check. The
/// streamed trainer writes rows straight into <see cref="InputSlot"/> and <see cref="TargetSlot"/> as a pass reads them, so
/// nothing beyond one batch is held; the in-memory trainer gathers them by index.
/// </summary>
internal sealed class Evaluation
{
    private readonly AutoencoderNetwork _network;
    private readonly ActivationCache _cache;
    private readonly float[] _targetBatch;
    private readonly Loss _loss;
    private readonly int _lastLayer, _width;
    private readonly LayerContext _context;
    private readonly InputCorruption? _corruption;
    private readonly bool _hasTargets;

    public Evaluation(AutoencoderNetwork network, TrainingStep step, TrainingOptions options, bool hasTargets)
    {
        (_network, _cache, _targetBatch, _loss, _lastLayer) = (network, step.Cache, step.TargetBatch, step.Loss, step.LastLayer);
        _width = network.InputSize;
        _context = LayerContext.Inference(options.Threads);
        _corruption = options.Corruption;
        _hasTargets = hasTargets;
    }

    /// <summary>The most rows measured at once.</summary>
    public int MaxBatch => _cache.MaxBatch;

    /// <summary>Where row <paramref name="row"/> of the next measured batch goes.</summary>
    public Span<float> InputSlot(int row) => _cache.Values(0, row + 1).Slice(row * _width, _width);

    /// <summary>Where its target goes; empty without targets (the clean input is then copied over before any noise).</summary>
    public Span<float> TargetSlot(int row) => _hasTargets ? _targetBatch.AsSpan(row * _width, _width) : Span<float>.Empty;

    /// <summary>The summed loss (mean × rows) of the first <paramref name="batch"/> loaded rows, their inputs corrupted with <paramref name="noise"/> as in training.</summary>
    public double LoadedLoss(int batch, SeededRandom? noise)
    {
        Span<float> input = _cache.Values(0, batch);
        if (!_hasTargets) input.CopyTo(_targetBatch);
        if (_corruption != null) _corruption.Apply(input, noise!);
        _network.Layers.Forward(_cache, batch, _context, 0, _lastLayer);
        return _loss.Compute(_cache.Values(_lastLayer, batch), _targetBatch.AsSpan(0, batch * _width), Span<float>.Empty) * batch;
    }

    /// <summary>The mean loss of the first <paramref name="rows"/> rows of arrays already in memory.</summary>
    public double Loss(float[] inputs, float[] targets, int rows, SeededRandom? noise)
    {
        double sum = 0;
        for (int start = 0; start < rows; start += MaxBatch)
        {
            int batch = Math.Min(MaxBatch, rows - start);
            inputs.AsSpan(start * _width, batch * _width).CopyTo(_cache.Values(0, batch));
            if (_hasTargets) targets.AsSpan(start * _width, batch * _width).CopyTo(_targetBatch);
            sum += LoadedLoss(batch, noise);
        }
        return sum / rows;
    }

    /// <summary>The mean loss of rows <paramref name="rows"/> of arrays in memory, gathered a batch at a time.</summary>
    public double Loss(float[] inputs, float[] targets, int[] rows, SeededRandom? noise)
    {
        double sum = 0;
        for (int start = 0; start < rows.Length; start += MaxBatch)
        {
            int batch = Math.Min(MaxBatch, rows.Length - start);
            ReadOnlySpan<int> batchRows = rows.AsSpan(start, batch);
            RowGather.Gather(inputs, batchRows, _width, _cache.Values(0, batch));
            if (_hasTargets) RowGather.Gather(targets, batchRows, _width, _targetBatch);
            sum += LoadedLoss(batch, noise);
        }
        return sum / rows.Length;
    }

    /// <summary>The collapsed-code check on rows <paramref name="rows"/> of <paramref name="inputs"/>, gathered first.</summary>
    public string? CodeCollapse(float[] inputs, int[] rows)
    {
        var sampleInputs = new float[rows.Length * _width];
        RowGather.Gather(inputs, rows, _width, sampleInputs);
        return CodeCollapse(sampleInputs, rows.Length);
    }

    /// <summary>Encodes the first <paramref name="rows"/> rows of <paramref name="inputs"/> (clean) and asks <see cref="CodeCollapseDetector"/> about the codes.</summary>
    public string? CodeCollapse(float[] inputs, int rows)
    {
        int codeSize = _network.CodeSize;
        var codes = new float[rows * codeSize];
        for (int start = 0; start < rows; start += MaxBatch)
        {
            int batch = Math.Min(MaxBatch, rows - start);
            inputs.AsSpan(start * _width, batch * _width).CopyTo(_cache.Values(0, batch));
            _network.Encode(_cache, batch, _context);
            _network.Code(_cache, batch).CopyTo(codes.AsSpan(start * codeSize, batch * codeSize));
        }
        return CodeCollapseDetector.Check(codes, codeSize, inputs.AsSpan(0, rows * _width), _width, rows);
    }
}
