using Microsoft.ML.Autoencoders.Engine.Corruption;
using Microsoft.ML.Autoencoders.Engine.Kernels;
using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Losses;
using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Autoencoders.Engine.Optimizers;
using Microsoft.ML.Autoencoders.Engine.Regularization;

namespace Microsoft.ML.Autoencoders.Engine.Training;

/// <summary>
/// One optimizer step on one mini-batch: gather, corrupt, forward, loss (trimmed of the worst rows when asked), backward
/// (decoder, code regularizers, encoder), weight penalty, optimizer. It owns every buffer a step needs, made once, so a
/// steady stream of steps allocates nothing (a test holds it to zero bytes).
/// </summary>
internal sealed unsafe class TrainingStep
{
    private readonly AutoencoderNetwork _network;
    private readonly Loss _loss;
    private readonly int _lastLayer;
    private readonly ActivationCache _cache;
    private readonly float[] _targetBatch;
    private Optimizer _optimizer; // replaced when a diverging run backs off
    private readonly OptimizerSettings _optimizerSettings;
    private readonly float _gradientClipNorm;
    private readonly LearningRateSchedule? _schedule;
    private readonly LayerContext _context;
    private readonly SeededRandom _random;
    private readonly InputCorruption? _corruption;
    private readonly CodeRegularizer[] _regularizers;
    private readonly WeightPenalty _weightPenalty;
    private bool _parameterGradientsAreZero;
    private readonly bool _overwritesParameterGradients;
    private readonly MeanSquaredErrorLoss? _mseThroughSigmoid;
    private readonly int[] _penaltySlots;
    private readonly int[] _regularizerSlots; // the slot of each regularizer's node, looked up once
    private readonly double _trimmedFraction;
    private readonly float[] _rowLosses; // trimmed loss only: each row's loss, sorted in place
    private readonly int[] _rowOrder;    // and the rows in that order

    /// <summary>Makes the buffers for batches of up to <paramref name="maxBatch"/> rows; <paramref name="random"/> drives noise and dropout.</summary>
    public TrainingStep(AutoencoderNetwork network, TrainingOptions options, int maxBatch, SeededRandom random)
    {
        _network = network;
        _loss = Loss.Create(options.Loss, network.OutputActivation);
        _loss.Threads = options.Threads;
        var layers = network.Layers.Layers;
        if (_loss is MeanSquaredErrorLoss mse && !_loss.ReadsLogits && layers[^1].AppliedActivation == Activation.Sigmoid && layers.Count - 1 > network.CodeSlot)
            _mseThroughSigmoid = mse;
        // A loss that reads logits stops the forward pass before the output activation and backward starts there.
        _lastLayer = _loss.ReadsLogits ? layers.Count - 1 : layers.Count;
        _cache = network.CreateCache(maxBatch, forTraining: true);
        _targetBatch = new float[maxBatch * network.InputSize];
        // Only the trainable prefix: buffers (running statistics) are their layers' to update, in the training forward pass.
        _optimizerSettings = options.Optimizer;
        _optimizer = Optimizer.Create(options.Optimizer, network.Parameters.TrainableCount);
        _optimizer.Threads = options.Threads;
        _gradientClipNorm = options.GradientClipNorm;
        _schedule = options.LearningRateSchedule;
        _schedule?.Start(options.Optimizer.LearningRate);
        _context = new LayerContext(true, options.Threads, random);
        _random = random;
        _corruption = options.Corruption;
        // An array, not the options' IReadOnlyList: foreach over the interface would allocate an enumerator per step.
        _regularizers = options.CodeRegularizers.ToArray();
        // The nodes penalties attach to, deepest first: backward stops at each to let its penalties add their gradients.
        _regularizerSlots = _regularizers.Select(r => network.Slot(r.Node)).ToArray();
        _penaltySlots = _regularizerSlots.Distinct().OrderDescending().ToArray();
        if (_penaltySlots.Length > 0 && (_penaltySlots[0] >= _lastLayer || _penaltySlots[^1] == 0))
            throw new ArgumentException("A penalty is attached to the input or the output node; attach it to the code or a hidden node.");
        // The nodes penalties read must be written by the forward pass, not skipped by a fused dense + activation.
        foreach (int slot in _penaltySlots) network.Layers.KeepSlotWritten(slot);
        _weightPenalty = new WeightPenalty(options.L1WeightPenalty, options.L2WeightPenalty);
        _trimmedFraction = options.TrimmedFraction;
        _rowLosses = _trimmedFraction > 0 ? new float[maxBatch] : [];
        _rowOrder = _trimmedFraction > 0 ? new int[maxBatch] : [];
        // Each parameter gradient is then written once per step by its own layer: no clearing, no reading back. Penalties
        // that add to weight gradients before the encoder's backward (contractive) and shared weights (tied) need sums.
        _overwritesParameterGradients = _regularizers.Length == 0
            && network.Layers.Layers.All(l => l.Parameters.Count == 0 || l.CanOverwriteParameterGradients);
        if (_overwritesParameterGradients) _context = _context with { OverwriteParameterGradients = true };
    }

    /// <summary>True when the layers write the parameter gradients over (nothing else adds to them), so none are cleared.</summary>
    public bool OverwritesParameterGradients => _overwritesParameterGradients;

    /// <summary>The loss the step minimizes.</summary>
    public Loss Loss => _loss;

    /// <summary>The slot the loss reads (the reconstruction, or the logits before it).</summary>
    public int LastLayer => _lastLayer;

    /// <summary>The step's activation cache (validation reuses it between epochs).</summary>
    public ActivationCache Cache => _cache;

    /// <summary>The step's target buffer, [MaxBatch, InputSize].</summary>
    public float[] TargetBatch => _targetBatch;

    /// <summary>
    /// Tells every penalty how far training has come, in epochs, before a step (see <see cref="CodeRegularizer.OnTrainingProgress"/>),
    /// and sets the step size the schedule gives for that point.
    /// </summary>
    public void SetProgress(double epochs)
    {
        foreach (var regularizer in _regularizers) regularizer.OnTrainingProgress(epochs);
        if (_schedule != null) _optimizer.LearningRate = _schedule.RateAt(epochs);
    }

    /// <summary>The step size of the last step.</summary>
    public float LearningRate => _optimizer.LearningRate;

    /// <summary>The rate the optimizer (and any schedule) starts from; lowered by <see cref="BackOff"/>.</summary>
    public float BaseLearningRate => _optimizerSettings.LearningRate * _backoffScale;

    private float _backoffScale = 1f;

    /// <summary>
    /// After a divergence: a fresh optimizer (its moments were fed by the diverging steps) at <paramref name="factor"/> times
    /// the base rate, and the schedule started again from it. Returns the new base rate.
    /// </summary>
    public float BackOff(float factor)
    {
        _backoffScale *= factor;
        RestartOptimizer();
        return BaseLearningRate;
    }

    private void RestartOptimizer()
    {
        _optimizer = Optimizer.Create(_optimizerSettings with { LearningRate = BaseLearningRate }, _network.Parameters.TrainableCount);
        _optimizer.Threads = _context.Threads;
        _schedule?.Start(BaseLearningRate);
    }

    /// <summary>Writes what later steps depend on, for a checkpoint: the back-off scale, the optimizer's state, the schedule's.</summary>
    public void WriteState(BinaryWriter writer)
    {
        writer.Write(_backoffScale);
        _optimizer.WriteState(writer);
        _schedule?.WriteState(writer);
    }

    /// <summary>Puts back a state written by <see cref="WriteState"/> in a step made with the same options.</summary>
    public void ReadState(BinaryReader reader)
    {
        float scale = reader.ReadSingle();
        if (!(scale > 0 && scale <= 1)) throw new InvalidDataException($"The checkpoint's learning-rate back-off scale is {scale}.");
        _backoffScale = scale;
        RestartOptimizer();
        _optimizer.ReadState(reader);
        _schedule?.ReadState(reader);
    }

    /// <summary>
    /// Trains on <paramref name="rows"/> of <paramref name="inputs"/> (reconstructing the same rows of
    /// <paramref name="targets"/>) and returns the batch's mean loss; <paramref name="penalty"/> gets the regularizers' total.
    /// </summary>
    public double Run(float[] inputs, float[] targets, ReadOnlySpan<int> rows, out double penalty)
    {
        int batch = rows.Length, width = _network.InputSize;
        Span<float> input = _cache.Values(0, batch);
        // Marking the nonzeros for a sparse first layer rides along with the copy, unless noise is about to change them or
        // the sparse path is off.
        if (_corruption == null && _network.Layers.UsesSparseInput) _cache.GatherInput(inputs, rows, _context.Threads);
        else RowGather.Gather(inputs, rows, width, input, _context.Threads);
        // Without corruption and with the inputs as targets, the gathered input is the target: skip a second copy.
        bool targetIsInput = _corruption == null && ReferenceEquals(targets, inputs);
        ReadOnlySpan<float> target = targetIsInput ? input : _targetBatch.AsSpan(0, batch * width);
        // The targets are gathered from the clean rows; only the network's input is corrupted.
        if (!targetIsInput) RowGather.Gather(targets, rows, width, _targetBatch, _context.Threads);
        _corruption?.Apply(input, _random);

        var sequence = _network.Layers;
        // Unless written over, the gradients are zero after every completed step; clear by hand the first time and after
        // a step that threw half-way.
        if (!_overwritesParameterGradients && !_parameterGradientsAreZero) _network.Parameters.ZeroGradients();
        _parameterGradientsAreZero = false;
        // No clearing pass over the activation gradients: each slot below the loss is written by the one layer that owns
        // it (overwriteGradients), so only the loss's slot, which the loss adds to, starts from zero. The parameter
        // gradients are written over by their layers, or, when something else adds to them, zero already: the optimizer
        // clears them as it reads them.
        sequence.Forward(_cache, batch, _context, 0, _lastLayer);
        double batchLoss;
        int backwardFrom = _lastLayer;
        if (_mseThroughSigmoid is { } mse)
        {
            // MSE on a sigmoid output: the loss writes dL/dz under the sigmoid directly, one pass instead of two.
            backwardFrom = _lastLayer - 1;
            batchLoss = mse.ComputeThroughSigmoid(_cache.Values(_lastLayer, batch), target, _cache.Gradients(backwardFrom, batch));
        }
        else
        {
            Span<float> lossGradient = _cache.Gradients(_lastLayer, batch);
            lossGradient.Clear();
            batchLoss = _loss.Compute(_cache.Values(_lastLayer, batch), target, lossGradient);
        }
        if (_trimmedFraction > 0) batchLoss = TrimWorstRows(_cache.Values(_lastLayer, batch), target, _cache.Gradients(backwardFrom, batch), batch, batchLoss);

        // Down to the deepest node a penalty attaches to (the code, usually), so that slot holds the reconstruction's
        // gradient; the penalties there add theirs; on to the next node; then the rest of the encoder. Without penalties,
        // one pass all the way down: a conv network's layers then run as one chain (Sequential.ChainsSamples), with one
        // meeting of the threads instead of one for the decoder and another for the encoder.
        penalty = 0;
        bool regularized = _penaltySlots.Length > 0;
        int firstStop = regularized ? _penaltySlots[0] : 0;
        sequence.Backward(_cache, batch, _context, backwardFrom, firstStop, overwriteGradients: true);
        // A penalty may add to lower slots too (the contractive tangents do), so then they start from zero.
        if (regularized) for (int slot = 1; slot < firstStop; slot++) _cache.Gradients(slot, batch).Clear();
        int from = firstStop;
        foreach (int slot in _penaltySlots)
        {
            if (slot < from) sequence.Backward(_cache, batch, _context, from, slot, overwriteGradients: false);
            for (int r = 0; r < _regularizers.Length; r++)
                if (_regularizerSlots[r] == slot) penalty += _regularizers[r].Apply(_network, _cache, batch, _context);
            from = slot;
        }
        if (from > 0) sequence.Backward(_cache, batch, _context, from, 0, overwriteGradients: !regularized);
        if (!_weightPenalty.IsEmpty) penalty += _weightPenalty.Apply(_network);
        if (_gradientClipNorm > 0) ClipGradients(_network.Parameters.TrainableGradients);
        if (_overwritesParameterGradients) _optimizer.Step(_network.Parameters.TrainableValues, _network.Parameters.TrainableGradients);
        else _optimizer.StepAndClearGradients(_network.Parameters.TrainableValues, _network.Parameters.TrainableGradients);
        _parameterGradientsAreZero = true;
        return batchLoss;
    }

    /// <summary>Scales <paramref name="gradients"/> down to the clip norm when their L2 norm is above it.</summary>
    private void ClipGradients(Span<float> gradients)
    {
        float norm = System.Numerics.Tensors.TensorPrimitives.Norm(gradients);
        if (norm > _gradientClipNorm) System.Numerics.Tensors.TensorPrimitives.Multiply(gradients, _gradientClipNorm / norm, gradients);
    }

    /// <summary>
    /// The trimmed loss: zeroes the loss gradient of the ⌊fraction × batch⌋ rows with the largest loss and scales the
    /// others' by batch / kept, which makes it exactly the gradient of the mean loss over the kept rows (the loss's own
    /// gradient is the mean over all rows, every row the same width); returns that mean. The rows' losses come from the
    /// loss itself, one row at a time, so "worst" means what the loss minimizes (squared error, BCE, ...).
    /// </summary>
    /// <remarks>
    /// Row-wise penalties (sparsity, contractive) and batch statistics (batch normalization) still see every row: only
    /// the reconstruction term is trimmed. <paramref name="prediction"/> is what the loss read (the output, or the logits
    /// for a loss that reads logits); <paramref name="gradient"/> is the slot backward starts from, the same width.
    /// </remarks>
    private double TrimWorstRows(ReadOnlySpan<float> prediction, ReadOnlySpan<float> target, Span<float> gradient, int batch, double batchLoss)
    {
        int trimmed = (int)(_trimmedFraction * batch); // a batch of fewer than 1/fraction rows keeps every row
        if (trimmed == 0) return batchLoss;
        int width = prediction.Length / batch, kept = batch - trimmed;
        Span<float> losses = _rowLosses.AsSpan(0, batch);
        Span<int> order = _rowOrder.AsSpan(0, batch);
        for (int r = 0; r < batch; r++)
        {
            losses[r] = (float)_loss.Compute(prediction.Slice(r * width, width), target.Slice(r * width, width), Span<float>.Empty);
            order[r] = r;
        }
        losses.Sort(order); // ascending: the last `trimmed` rows are the worst

        double keptSum = 0;
        for (int i = 0; i < kept; i++) keptSum += losses[i];
        for (int i = kept; i < batch; i++) gradient.Slice(order[i] * width, width).Clear();
        float scale = (float)batch / kept;
        for (int i = 0; i < kept; i++)
            System.Numerics.Tensors.TensorPrimitives.Multiply(gradient.Slice(order[i] * width, width), scale, gradient.Slice(order[i] * width, width));
        return keptSum / kept;
    }

}
