using System.Diagnostics;
using System.Numerics.Tensors;
using Microsoft.ML.Autoencoders.Engine.Kernels;
using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Losses;
using Microsoft.ML.Autoencoders.Engine.Models;

namespace Microsoft.ML.Autoencoders.Engine.Training;

/// <summary>
/// Mini-batch training of an <see cref="AutoencoderNetwork"/>: shuffle, gather a batch into the cache's input
/// slot, forward, loss, backward, optimizer step; a held-out split measures validation loss for early stopping.
/// All buffers are made once before the first batch.
/// </summary>
/// <remarks>
/// Regularized kinds hook into the step: <see cref="TrainingOptions.Corruption"/> corrupts the gathered input batch
/// (never the target); the backward pass runs the decoder to the code slot, then each
/// <see cref="TrainingOptions.CodeRegularizers"/> entry adds its gradient there, then the encoder's backward pass
/// carries both; weight penalties are added to the parameter gradients just before the optimizer step.
/// </remarks>
public sealed class AutoencoderTrainer
{
    private readonly AutoencoderNetwork _network;
    private readonly TrainingOptions _options;

    /// <summary>Prepares to train <paramref name="network"/> in place.</summary>
    public AutoencoderTrainer(AutoencoderNetwork network, TrainingOptions options)
    {
        options.Validate();
        foreach (var regularizer in options.CodeRegularizers) regularizer.Validate(network.Spec);
        _network = network;
        _options = options;
    }

    /// <summary>
    /// Trains on <paramref name="rows"/> rows of <paramref name="inputs"/> ([rows, InputSize], row-major) to
    /// reproduce <paramref name="targets"/> (same shape; null means the inputs themselves).
    /// </summary>
    /// <param name="inputs">The training rows, [rows, InputSize] row-major.</param>
    /// <param name="targets">What each row should be reconstructed as (same shape), or null for the inputs themselves.</param>
    /// <param name="rows">How many rows to use from the start of the arrays.</param>
    /// <param name="onEpoch">Called after each epoch, e.g. to print progress.</param>
    /// <param name="cancellation">Stops training within one batch: <see cref="OperationCanceledException"/>, no model.</param>
    public TrainingHistory Fit(float[] inputs, float[]? targets, int rows, Action<EpochMetrics>? onEpoch = null, CancellationToken cancellation = default)
    {
        int width = _network.InputSize;
        CheckData(inputs, rows, width, "inputs");
        if (targets != null) CheckData(targets, rows, width, "targets");
        // Before training moves a weight: the run's identity includes the weights it starts from.
        string? configuration = _options.CheckpointPath == null ? null : TrainingCheckpoint.Describe(_network, _options, inputs, targets, rows);
        var resume = configuration != null && File.Exists(_options.CheckpointPath) ? TrainingCheckpoint.Read(_options.CheckpointPath!, configuration) : null;
        targets ??= inputs;

        // Split once: a seeded permutation, the first part held out for validation.
        var random = new SeededRandom(_options.Seed);
        int[] order = Enumerable.Range(0, rows).ToArray();
        random.Shuffle(order);
        int validationRows = (int)Math.Round(rows * _options.ValidationFraction);
        if (_options.ValidationFraction > 0 && (validationRows == 0 || validationRows == rows))
            throw new ArgumentException($"ValidationFraction {_options.ValidationFraction} of {rows} rows leaves {validationRows} for validation and {rows - validationRows} for training, but each needs at least one: give more rows, or set ValidationFraction to 0 for no validation split.");
        int[] validation = order[..validationRows];
        int[] training = order[validationRows..];
        if (!_options.Shuffle) Array.Sort(training);

        int batchSize = Math.Min(_options.BatchSize, training.Length);
        // Trimming over the whole set picks each epoch's rows itself; the batches are then not trimmed again.
        bool trimAcross = _options.TrimAcrossTrainingSet;
        var step = new TrainingStep(_network, trimAcross ? _options with { TrimmedFraction = 0 } : _options, batchSize, random);
        var loss = step.Loss;
        int lastLayer = step.LastLayer;
        var cache = step.Cache;
        float[] targetBatch = step.TargetBatch;
        var evalContext = LayerContext.Inference(_options.Threads);
        var corruption = _options.Corruption;
        // Targets are an array here whether given or not (the inputs themselves), so they are gathered like the inputs.
        var evaluation = new Evaluation(_network, step, _options, hasTargets: true);

        // The untrained network's loss: the yardstick for an exploding loss (see DivergenceGuard for the rule and why). A resumed
        // run's network is trained already: the yardstick comes from the checkpoint.
        var guard = new DivergenceGuard(_options, resume?.ReferenceLoss ?? evaluation.Loss(inputs, targets, SpreadSample(training, DivergenceGuard.ReferenceRows),
            corruption == null ? null : new SeededRandom(_options.Seed ^ ReferenceNoiseSeed)));
        int batchesPerEpoch = (training.Length + batchSize - 1) / batchSize;

        var book = new EpochBookkeeping(_network, _options, step, guard);

        // Where a resumed run picks up: the epoch after the last one done, part way through it when it was cancelled there.
        int firstEpoch = 1, resumeRows = 0, resumeBatches = 0, checkpointedEpoch = -1;
        double resumeLossSum = 0, resumePenaltySum = 0;
        if (resume != null)
        {
            Restore(resume, training, step, random, book.LastGoodWeights);
            guard.LearningRate = step.BaseLearningRate;
            firstEpoch = resume.EpochsDone + 1;
            (resumeRows, resumeBatches, resumeLossSum, resumePenaltySum) = (resume.RowsDoneInEpoch, resume.BatchesDoneInEpoch, resume.EpochLossSum, resume.EpochPenaltySum);
            book.Epochs.AddRange(resume.Epochs);
            book.Warnings.AddRange(resume.Warnings);
            (book.BackoffsLeft, book.BestValidation, book.BestEpoch, book.EpochsWithoutImprovement, book.StoppedEarly, book.BestWeights) =
                (resume.BackoffsLeft, resume.BestValidation, resume.BestEpoch, resume.EpochsWithoutImprovement, resume.StoppedEarly, resume.BestWeights);
            checkpointedEpoch = resumeRows == 0 ? resume.EpochsDone : -1;
        }

        // Writes the whole state, between two batches: rowsDone rows of epoch epochsDone + 1 are trained, with those sums.
        void SaveCheckpoint(int epochsDone, int rowsDone, int batchesDone, double lossSum, double penaltySum)
        {
            if (rowsDone == 0 && epochsDone == checkpointedEpoch) return; // this very state is on disk already
            using var randomState = new MemoryStream();
            using (var writer = new BinaryWriter(randomState)) random.WriteState(writer);
            using var stepState = new MemoryStream();
            using (var writer = new BinaryWriter(stepState)) step.WriteState(writer);
            new TrainingCheckpoint
            {
                Configuration = configuration!,
                EpochsDone = epochsDone,
                RowsDoneInEpoch = rowsDone,
                BatchesDoneInEpoch = batchesDone,
                EpochLossSum = lossSum,
                EpochPenaltySum = penaltySum,
                Weights = _network.Parameters.Values,
                // Part way through an epoch a back-off would go back to the weights the epoch began with: they are state then.
                EpochStartWeights = rowsDone > 0 ? book.LastGoodWeights : null,
                TrainingOrder = training,
                ReferenceLoss = guard.ReferenceLoss,
                BackoffsLeft = book.BackoffsLeft,
                BestValidation = book.BestValidation,
                BestEpoch = book.BestEpoch,
                EpochsWithoutImprovement = book.EpochsWithoutImprovement,
                StoppedEarly = book.StoppedEarly,
                BestWeights = book.BestWeights,
                Epochs = book.Epochs,
                Warnings = book.Warnings,
                RandomState = randomState.ToArray(),
                StepState = stepState.ToArray(),
            }.Write(_options.CheckpointPath!);
            checkpointedEpoch = rowsDone == 0 ? epochsDone : -1;
        }

        // Stops a cancelled run between two batches, leaving a checkpoint of exactly that point when there is a path.
        void StopIfCancelled(int epochsDone, int rowsDone, int batchesDone, double lossSum, double penaltySum)
        {
            if (!cancellation.IsCancellationRequested) return;
            // Part way through an epoch trimmed over the whole set, the epoch's rows came from weights no longer at hand: the
            // checkpoint of the epoch's start (already on disk) is the one to resume from.
            if (configuration != null && !(trimAcross && rowsDone > 0)) SaveCheckpoint(epochsDone, rowsDone, batchesDone, lossSum, penaltySum);
            cancellation.ThrowIfCancellationRequested();
        }

        for (int epoch = firstEpoch; epoch <= _options.Epochs && !book.StoppedEarly; epoch++)
        {
            // A run resumed part way through an epoch has its rows shuffled already and its first batches done.
            bool midEpoch = resumeRows > 0;
            if (!midEpoch) StopIfCancelled(epoch - 1, 0, 0, 0, 0);
            var clock = Stopwatch.StartNew();
            if (_options.Shuffle && !midEpoch) random.Shuffle(training);
            // Trimming over the whole set: this epoch's rows, chosen from the weights it begins with (so never resumed mid-epoch:
            // see StopIfCancelled).
            int[] epochRows = trimAcross ? KeptRows(inputs, targets, training, width, cache, targetBatch, loss, lastLayer, evalContext) : training;

            double lossSum = resumeLossSum, penaltySum = resumePenaltySum;
            int batches = resumeBatches, firstRow = resumeRows;
            (resumeRows, resumeBatches, resumeLossSum, resumePenaltySum) = (0, 0, 0, 0);
            if (!midEpoch) book.BeginEpoch();
            try
            {
                for (int start = firstRow; start < epochRows.Length; start += batchSize)
                {
                    // Checked per batch, so a cancelled Fit stops within one batch rather than one epoch. (Before the first, the
                    // check at the top of the epoch has just run.)
                    if (start > 0) StopIfCancelled(epoch - 1, start, batches, lossSum, penaltySum);
                    int batch = Math.Min(batchSize, epochRows.Length - start);
                    step.SetProgress(epoch - 1 + (double)batches / batchesPerEpoch);
                    double batchLoss = step.Run(inputs, targets, epochRows.AsSpan(start, batch), out double batchPenalty);
                    batches++;
                    guard.CheckBatch(epoch, batches, batchesPerEpoch, batchLoss, _network.Parameters.TrainableValues);
                    lossSum += batchLoss * batch;
                    penaltySum += batchPenalty;
                }
                guard.CheckEpoch(epoch, lossSum / epochRows.Length);
            }
            catch (TrainingDivergedException diverged) when (book.CanBackOff)
            {
                book.BackOff(epoch, diverged);
                epoch--;
                continue;
            }
            double trainingLoss = lossSum / epochRows.Length;

            double? validationLoss = null;
            if (validation.Length > 0)
            {
                // The same validation noise every epoch (a generator reseeded from the options), so epochs compare.
                var validationNoise = corruption == null ? null : new SeededRandom(_options.Seed ^ ValidationNoiseSeed);
                validationLoss = evaluation.Loss(inputs, targets, validation, validationNoise);
            }
            var metrics = book.EndEpoch(epoch, trainingLoss, validationLoss, penaltySum, batches, clock);
            // The last epoch's checkpoint too: a Fit started again on a finished run returns its model without training.
            if (configuration != null && (epoch % _options.CheckpointEveryEpochs == 0 || book.StoppedEarly || epoch == _options.Epochs))
                SaveCheckpoint(epoch, 0, 0, 0, 0);
            onEpoch?.Invoke(metrics);
        }

        book.RestoreBest();
        // On the weights the model keeps (after any restore), and on a sample: one inference pass over at most 256 rows.
        if (evaluation.CodeCollapse(inputs, SpreadSample(training, CollapseSampleRows)) is { } collapse)
            book.Warnings.Add(collapse);
        return book.History();
    }

    /// <summary>Puts a checkpoint's weights, row order, generator and step state into this run's objects.</summary>
    private void Restore(TrainingCheckpoint checkpoint, int[] training, TrainingStep step, SeededRandom random, float[]? epochStartWeights)
    {
        // The configuration matched, so the sizes do too; a mismatch here is a damaged file that kept its checksum.
        if (checkpoint.Weights.Length != _network.Parameters.Count || checkpoint.TrainingOrder.Length != training.Length
            || (checkpoint.EpochStartWeights != null && checkpoint.EpochStartWeights.Length != epochStartWeights?.Length)
            || (checkpoint.BestWeights != null && checkpoint.BestWeights.Length != _network.Parameters.Count))
            throw new InvalidDataException($"Training checkpoint '{_options.CheckpointPath}' holds arrays of other sizes than this network and data.");
        checkpoint.Weights.CopyTo(_network.Parameters.Values, 0);
        checkpoint.TrainingOrder.CopyTo(training, 0);
        checkpoint.EpochStartWeights?.CopyTo(epochStartWeights!, 0);
        using (var reader = new BinaryReader(new MemoryStream(checkpoint.RandomState))) random.ReadState(reader);
        using (var reader = new BinaryReader(new MemoryStream(checkpoint.StepState))) step.ReadState(reader);
    }

    /// <summary>How many training rows the collapsed-code check encodes at the end of training.</summary>
    internal const int CollapseSampleRows = 256;

    /// <summary>Up to <paramref name="count"/> of <paramref name="rows"/>, evenly spread (all of them when there are fewer).</summary>
    private static int[] SpreadSample(int[] rows, int count)
    {
        if (rows.Length <= count) return rows;
        var sample = new int[count];
        for (int i = 0; i < count; i++) sample[i] = rows[(int)((long)i * rows.Length / count)];
        return sample;
    }

    /// <summary>
    /// <paramref name="rows"/> without the ⌊TrimmedFraction × rows⌋ whose loss under the current weights is largest, in
    /// their given order (so the epoch's shuffle stands): the rows an epoch trimmed over the whole set trains on. Each
    /// row's loss is the loss's own value on that row alone, as the per-batch trimming ranks rows.
    /// </summary>
    private int[] KeptRows(float[] inputs, float[] targets, int[] rows, int width, ActivationCache cache, float[] targetBatch,
        Loss loss, int lastLayer, in LayerContext context)
    {
        int trimmed = (int)(_options.TrimmedFraction * rows.Length);
        if (trimmed == 0) return rows;
        var losses = new float[rows.Length];
        for (int start = 0; start < rows.Length; start += cache.MaxBatch)
        {
            int batch = Math.Min(cache.MaxBatch, rows.Length - start);
            RowGather.Gather(inputs, rows.AsSpan(start, batch), width, cache.Values(0, batch));
            RowGather.Gather(targets, rows.AsSpan(start, batch), width, targetBatch);
            _network.Layers.Forward(cache, batch, context, 0, lastLayer);
            ReadOnlySpan<float> prediction = cache.Values(lastLayer, batch);
            int outputWidth = prediction.Length / batch;
            for (int r = 0; r < batch; r++)
                losses[start + r] = (float)loss.Compute(prediction.Slice(r * outputWidth, outputWidth), targetBatch.AsSpan(r * width, width), Span<float>.Empty);
        }
        // The worst `trimmed` by loss, ties to the later position; the rest keep their order.
        var worst = Enumerable.Range(0, rows.Length).OrderByDescending(i => losses[i]).ThenByDescending(i => i).Take(trimmed).ToHashSet();
        return [.. rows.Where((_, i) => !worst.Contains(i))];
    }

    /// <summary>Mixed into the seed for the validation noise so it is not the training shuffles' stream.</summary>
    internal const long ValidationNoiseSeed = 0x5EED_0F_DA7A;

    /// <summary>Mixed into the seed for the noise of the untrained-loss measurement, again apart from the other streams.</summary>
    internal const long ReferenceNoiseSeed = 0x0B5E_7EF0;

    private static void CheckData(float[] data, int rows, int width, string name)
    {
        if (rows <= 0) throw new ArgumentException($"There are no rows to train on ({name} has {rows}).", name);
        if (data.Length < (long)rows * width)
            throw new ArgumentException($"{name} holds {data.Length} values, fewer than {rows} rows × {width}.", name);
        // One vectorized sum finds any NaN or infinity (either makes the sum non-finite); only then look for the row.
        ReadOnlySpan<float> values = data.AsSpan(0, rows * width);
        if (float.IsFinite(TensorPrimitives.Sum(values))) return;
        for (int i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
                throw new ArgumentException($"{name} row {i / width}, element {i % width} is {values[i]}: training data must be finite.", name);
        }
    }
}
