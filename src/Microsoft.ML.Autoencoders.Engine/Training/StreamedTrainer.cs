using System.Diagnostics;
using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Losses;
using Microsoft.ML.Autoencoders.Engine.Models;

namespace Microsoft.ML.Autoencoders.Engine.Training;

/// <summary>
/// Mini-batch training from an <see cref="ITrainingRowSource"/> read a pass at a time, for data larger than memory: memory
/// is bounded by the batch, the shuffle buffer (<see cref="TrainingOptions.ShuffleBufferRows"/>) and the model, never by the
/// number of rows. The step, the divergence guard, back-offs, schedules, early stopping and the best-weights restore are the
/// in-memory <see cref="AutoencoderTrainer"/>'s; what differs is where rows come from.
/// </summary>
/// <remarks>
/// Differences from <see cref="AutoencoderTrainer"/>, all because no list of the rows is held: each epoch's order is a shuffle
/// within the buffer, not of the whole set; a row is held out for validation by a seeded hash of its index
/// (<see cref="HashedValidationSplit"/>), so the held-out share is the fraction up to sampling noise, and validation is one
/// more pass per epoch; the untrained loss and the collapsed-code check are measured on the first training rows rather than
/// a spread of them. <see cref="TrainingOptions.TrimAcrossTrainingSet"/> (which ranks every row before each epoch) and
/// <see cref="TrainingOptions.CheckpointPath"/> (whose checkpoint records the whole set's row order) are refused.
/// The same source, network and options give the same weights every run.
/// </remarks>
public sealed class StreamedTrainer
{
    private readonly AutoencoderNetwork _network;
    private readonly TrainingOptions _options;

    /// <summary>Prepares to train <paramref name="network"/> in place.</summary>
    public StreamedTrainer(AutoencoderNetwork network, TrainingOptions options)
    {
        options.Validate();
        if (options.TrimAcrossTrainingSet)
            throw new ArgumentException("TrimAcrossTrainingSet ranks every training row before each epoch, which streamed training does not hold: " +
                "train in memory, or trim within each batch (TrimmedFraction alone).");
        if (options.CheckpointPath != null)
            throw new ArgumentException("A training checkpoint records the whole set's row order, which streamed training does not hold: train in memory to use CheckpointPath.");
        foreach (var regularizer in options.CodeRegularizers) regularizer.Validate(network.Spec);
        _network = network;
        _options = options;
    }

    /// <summary>Trains on every row of <paramref name="source"/> (its targets, or the inputs themselves) for the options' epochs.</summary>
    /// <param name="source">The rows, read once per epoch (twice with a validation split) plus once at the start.</param>
    /// <param name="onEpoch">Called after each epoch, e.g. to print progress.</param>
    /// <param name="cancellation">Stops training within one batch: <see cref="OperationCanceledException"/>, no model.</param>
    public TrainingHistory Fit(ITrainingRowSource source, Action<EpochMetrics>? onEpoch = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        int width = _network.InputSize;
        if (source.Width != width) throw new ArgumentException($"The source's rows have {source.Width} values but the network takes {width}.", nameof(source));
        long rows = source.RowCount;
        if (rows <= 0) throw new ArgumentException($"There are no rows to train on (the source has {rows}).", nameof(source));
        var split = new HashedValidationSplit(_options.Seed, _options.ValidationFraction);
        long validationRows = split.CountValidation(rows), trainingRows = rows - validationRows;
        if (_options.ValidationFraction > 0 && (validationRows == 0 || trainingRows == 0))
            throw new ArgumentException($"ValidationFraction {_options.ValidationFraction} of {rows} rows leaves {validationRows} for validation and {trainingRows} for training, but each needs at least one: give more rows, or set ValidationFraction to 0 for no validation split.");

        var random = new SeededRandom(_options.Seed);
        int batchSize = (int)Math.Min(_options.BatchSize, trainingRows);
        var step = new TrainingStep(_network, _options, batchSize, random);
        bool hasTargets = source.HasTargets;
        // The batch is assembled here, then handed to the step as rows 0..n-1 of these arrays. Without targets the same array
        // is passed as both, which the step reads as "reconstruct the input", exactly as the in-memory trainer does.
        var batchInputs = new float[batchSize * width];
        var batchTargets = hasTargets ? new float[batchSize * width] : batchInputs;
        int[] batchRows = Enumerable.Range(0, batchSize).ToArray();
        var shuffle = _options.Shuffle ? new ShuffleBuffer((int)Math.Min(_options.ShuffleBufferRows, trainingRows), width, hasTargets) : null;
        var rowInput = new float[width];
        var rowTarget = hasTargets ? new float[width] : [];
        var evaluation = new Evaluation(_network, step, _options, hasTargets);

        // The first training rows, kept: the untrained loss is measured on them now and the code-collapse check at the end.
        int sampleRows = (int)Math.Min(Math.Max(DivergenceGuard.ReferenceRows, AutoencoderTrainer.CollapseSampleRows), trainingRows);
        var (sampleInputs, sampleTargets) = ReadSample(source, split, sampleRows, width, hasTargets);
        var corruption = _options.Corruption;
        var guard = new DivergenceGuard(_options, evaluation.Loss(sampleInputs, sampleTargets,
            Math.Min(sampleRows, DivergenceGuard.ReferenceRows), corruption == null ? null : new SeededRandom(_options.Seed ^ AutoencoderTrainer.ReferenceNoiseSeed)));
        int batchesPerEpoch = (int)((trainingRows + batchSize - 1) / batchSize);

        var book = new EpochBookkeeping(_network, _options, step, guard);

        for (int epoch = 1; epoch <= _options.Epochs && !book.StoppedEarly; epoch++)
        {
            cancellation.ThrowIfCancellationRequested();
            var clock = Stopwatch.StartNew();
            double lossSum = 0, penaltySum = 0;
            int batches = 0;
            book.BeginEpoch();

            void RunBatch(int batch)
            {
                // Checked per batch, so a cancelled Fit stops within one batch rather than one epoch.
                if (batches > 0) cancellation.ThrowIfCancellationRequested();
                step.SetProgress(epoch - 1 + (double)batches / batchesPerEpoch);
                double batchLoss = step.Run(batchInputs, batchTargets, batchRows.AsSpan(0, batch), out double batchPenalty);
                batches++;
                guard.CheckBatch(epoch, batches, batchesPerEpoch, batchLoss, _network.Parameters.TrainableValues);
                lossSum += batchLoss * batch;
                penaltySum += batchPenalty;
            }

            try
            {
                int filled = 0;
                Span<float> InputSlot() => batchInputs.AsSpan(filled * width, width);
                Span<float> TargetSlot() => hasTargets ? batchTargets.AsSpan(filled * width, width) : Span<float>.Empty;
                shuffle?.Clear();
                long row = 0;
                using (var pass = source.OpenPass())
                {
                    while (true)
                    {
                        bool ready;
                        if (split.IsValidation(row))
                        {
                            // A held-out row is not this pass's: moved past, not read.
                            if (!pass.TrySkip(rowInput, rowTarget)) break;
                            row++;
                            continue;
                        }
                        if (shuffle == null)
                        {
                            // In source order: straight into the batch.
                            if (!pass.TryRead(InputSlot(), TargetSlot())) break;
                            ready = true;
                        }
                        else
                        {
                            if (!pass.TryRead(rowInput, rowTarget)) break;
                            ready = shuffle.Exchange(rowInput, rowTarget, InputSlot(), TargetSlot(), random);
                        }
                        row++;
                        if (ready && ++filled == batchSize)
                        {
                            RunBatch(filled);
                            filled = 0;
                        }
                    }
                }
                CheckRowCount(row, rows);
                while (shuffle != null && shuffle.TryDrain(InputSlot(), TargetSlot(), random))
                {
                    if (++filled == batchSize)
                    {
                        RunBatch(filled);
                        filled = 0;
                    }
                }
                if (filled > 0) RunBatch(filled);
                // Every training row went into a batch: the passes gave the announced rows and the split is fixed by index.
                guard.CheckEpoch(epoch, lossSum / trainingRows);
            }
            catch (TrainingDivergedException diverged) when (book.CanBackOff)
            {
                book.BackOff(epoch, diverged);
                epoch--;
                continue;
            }
            double trainingLoss = lossSum / trainingRows;

            double? validationLoss = null;
            if (validationRows > 0)
            {
                var validationNoise = corruption == null ? null : new SeededRandom(_options.Seed ^ AutoencoderTrainer.ValidationNoiseSeed);
                validationLoss = ValidationLoss(source, split, evaluation, validationNoise, rows);
            }
            var metrics = book.EndEpoch(epoch, trainingLoss, validationLoss, penaltySum, batches, clock);
            onEpoch?.Invoke(metrics);
        }

        book.RestoreBest();
        if (evaluation.CodeCollapse(sampleInputs, Math.Min(sampleRows, AutoencoderTrainer.CollapseSampleRows)) is { } collapse) book.Warnings.Add(collapse);
        return book.History();
    }

    /// <summary>The first <paramref name="count"/> training rows (and their targets, or the same array without).</summary>
    private static (float[] Inputs, float[] Targets) ReadSample(ITrainingRowSource source, HashedValidationSplit split, int count, int width, bool hasTargets)
    {
        var inputs = new float[count * width];
        var targets = hasTargets ? new float[count * width] : inputs;
        int kept = 0;
        long row = 0;
        using var pass = source.OpenPass();
        while (kept < count)
        {
            Span<float> input = inputs.AsSpan(kept * width, width), target = hasTargets ? targets.AsSpan(kept * width, width) : Span<float>.Empty;
            bool heldOut = split.IsValidation(row);
            if (!(heldOut ? pass.TrySkip(input, target) : pass.TryRead(input, target))) break;
            row++;
            if (!heldOut) kept++;
        }
        if (kept < count) throw new InvalidOperationException($"The source announced {source.RowCount} rows but its pass ended after {row}.");
        return (inputs, targets);
    }

    /// <summary>Mean loss over the held-out rows: one pass, evaluating them a batch at a time as they go by.</summary>
    private static double ValidationLoss(ITrainingRowSource source, HashedValidationSplit split, Evaluation evaluation, SeededRandom? noise, long rows)
    {
        double sum = 0;
        long count = 0, row = 0;
        int filled = 0;
        using (var pass = source.OpenPass())
        {
            while (true)
            {
                // Training rows are moved past (the slot serves as the skip's scratch), held-out ones read into the batch.
                bool heldOut = split.IsValidation(row);
                Span<float> input = evaluation.InputSlot(filled), target = evaluation.TargetSlot(filled);
                if (!(heldOut ? pass.TryRead(input, target) : pass.TrySkip(input, target))) break;
                row++;
                if (!heldOut) continue;
                if (++filled == evaluation.MaxBatch)
                {
                    sum += evaluation.LoadedLoss(filled, noise);
                    count += filled;
                    filled = 0;
                }
            }
        }
        CheckRowCount(row, rows);
        if (filled > 0)
        {
            sum += evaluation.LoadedLoss(filled, noise);
            count += filled;
        }
        return sum / count;
    }

    /// <summary>A pass must give what the source announced: the split and the epoch's length were counted from it.</summary>
    private static void CheckRowCount(long read, long announced)
    {
        if (read != announced)
            throw new InvalidOperationException($"A pass over the training source gave {read} rows but the source announced {announced}: every pass must give the same rows.");
    }
}
