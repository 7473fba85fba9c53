using System.Globalization;
using System.Numerics.Tensors;
using Microsoft.ML.Autoencoders.Engine.Losses;

namespace Microsoft.ML.Autoencoders.Engine.Training;

/// <summary>
/// Watches a training run for divergence and stops it with a <see cref="TrainingDivergedException"/>: after every batch,
/// a non-finite batch loss; every few batches, a non-finite weight; after every epoch, a training loss that exploded relative to the
/// untrained network's loss.
/// </summary>
/// <remarks>
/// The explosion rule: an epoch's mean training loss above <see cref="ExplosionFactor"/> (1000) times the loss of the
/// untrained network on a sample of the training rows, and above <see cref="ExplosionFloor"/>. Why it does not fire on
/// normal training: with a step size that is stable, gradient descent lowers the loss from where it started, and the noise
/// of mini-batches, dropout or input corruption moves an epoch's mean by a small factor, not three orders of magnitude;
/// a network 1000× worse than its random initialization has left the data behind (Adam at a learning rate of 10 and more
/// gives 1e7 and beyond on [0, 1] data, where the untrained loss is about 0.1). The reference is measured on up to
/// <see cref="ReferenceRows"/> rows before the first step, not taken from the first epoch or batch: the first epoch may
/// already have exploded, and one small batch can happen to sit near the untrained output and give a tiny loss. The floor
/// keeps a near-zero reference (data that the untrained network already reproduces almost exactly) from turning harmless
/// wobbles into an error: below 1e-3 the reconstruction is within about 0.03 per element, which is not an explosion.
/// The weights are checked by one vectorized sum every <see cref="WeightCheckInterval"/> batches and at the end of each
/// epoch; the loss after every batch.
/// </remarks>
internal sealed class DivergenceGuard
{
    /// <summary>How many times the untrained network's loss an epoch's loss may reach before training counts as exploded.</summary>
    public const double ExplosionFactor = 1e3;

    /// <summary>The loss an epoch must also exceed to count as exploded, whatever the reference.</summary>
    public const double ExplosionFloor = 1e-3;

    /// <summary>How many training rows measure the untrained network's loss.</summary>
    public const int ReferenceRows = 256;

    /// <summary>
    /// The weights are summed every this many batches and after an epoch's last: a pass over every weight after each batch
    /// cost the dense MNIST network about 2 % of its epoch, and a non-finite weight makes the next batch's loss non-finite
    /// anyway, which is checked after every batch.
    /// </summary>
    public const int WeightCheckInterval = 16;

    private readonly TrainingOptions _options;
    private readonly double _referenceLoss;

    /// <param name="options">The run's options (optimizer, learning rate, loss, corruption), quoted in the error.</param>
    /// <param name="referenceLoss">The untrained network's loss on a sample of the training rows.</param>
    public DivergenceGuard(TrainingOptions options, double referenceLoss)
    {
        _options = options;
        _referenceLoss = referenceLoss;
        LearningRate = options.Optimizer.LearningRate;
    }

    /// <summary>The base learning rate the run trains at now (lower after a back-off), quoted in the error.</summary>
    public float LearningRate { get; set; }

    /// <summary>The untrained network's loss the explosion rule compares with.</summary>
    public double ReferenceLoss => _referenceLoss;

    /// <summary>Throws when <paramref name="batchLoss"/> or any of <paramref name="weights"/> is NaN or infinite.</summary>
    public void CheckBatch(int epoch, int batch, int batches, double batchLoss, ReadOnlySpan<float> weights)
    {
        if (!double.IsFinite(batchLoss))
            throw Diverged(epoch, batch, $"batch {batch} of {batches} has a loss of {Format(batchLoss)}");
        if (batch % WeightCheckInterval != 0 && batch != batches) return;
        // A NaN or an infinity anywhere makes the sum non-finite; so do finite weights so large their sum overflows, which
        // is divergence too. Only then look for the culprit, so the common case is one pass.
        if (float.IsFinite(TensorPrimitives.Sum(weights))) return;
        int bad = IndexOfNonFinite(weights);
        string what = bad >= 0
            ? $"weight {bad} became {Format(weights[bad])} after batch {batch} of {batches}"
            : $"the weights grew past {Format(TensorPrimitives.MaxMagnitude(weights))} after batch {batch} of {batches}";
        throw Diverged(epoch, batch, what);
    }

    /// <summary>Throws when the epoch's mean training loss exploded relative to <see cref="ReferenceLoss"/>.</summary>
    public void CheckEpoch(int epoch, double trainingLoss)
    {
        if (!double.IsFinite(trainingLoss))
            throw Diverged(epoch, 0, $"the epoch's training loss is {Format(trainingLoss)}");
        if (IsExploded(trainingLoss, _referenceLoss))
            throw Diverged(epoch, 0,
                $"the epoch's training loss {Format(trainingLoss)} is over {ExplosionFactor:0} times the untrained network's {Format(_referenceLoss)}");
    }

    /// <summary>The explosion rule on its own (see the remarks on <see cref="DivergenceGuard"/>).</summary>
    public static bool IsExploded(double trainingLoss, double referenceLoss)
        => trainingLoss > ExplosionFloor && trainingLoss > ExplosionFactor * referenceLoss;

    private TrainingDivergedException Diverged(int epoch, int batch, string what)
    {
        var optimizer = _options.Optimizer;
        float lowerRate = LearningRate * 0.1f;
        string advice = $"Try a lower LearningRate (e.g. {Format(lowerRate)}, ×0.1); check the data's scale (standardize or "
            + "normalize features of large magnitude)";
        if (_options.Loss == LossKind.BinaryCrossEntropy) advice += "; BinaryCrossEntropy needs data (and targets) in [0, 1]";
        if (_options.Corruption != null) advice += "; check the noise level of the input corruption";
        string message = $"Training diverged at epoch {epoch} ({what}) with {optimizer.Kind} at learning rate "
            + $"{Format(LearningRate)}. {advice}.";
        return new TrainingDivergedException(message, epoch, batch, optimizer.Kind, LearningRate, what);
    }

    private static int IndexOfNonFinite(ReadOnlySpan<float> values)
    {
        for (int i = 0; i < values.Length; i++)
            if (!float.IsFinite(values[i])) return i;
        return -1;
    }

    private static string Format(double value) => value.ToString("G4", CultureInfo.InvariantCulture);
}
