using Microsoft.ML.Autoencoders.Engine.Corruption;
using Microsoft.ML.Autoencoders.Engine.Losses;
using Microsoft.ML.Autoencoders.Engine.Optimizers;
using Microsoft.ML.Autoencoders.Engine.Regularization;

namespace Microsoft.ML.Autoencoders.Engine.Training;

/// <summary>How a network is trained.</summary>
public sealed record TrainingOptions
{
    /// <summary>Passes over the training rows.</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>Rows per gradient step.</summary>
    public int BatchSize { get; init; } = 256;

    /// <summary>The reconstruction loss.</summary>
    public LossKind Loss { get; init; } = LossKind.MeanSquaredError;

    /// <summary>The update rule and its hyper-parameters.</summary>
    public OptimizerSettings Optimizer { get; init; } = new();

    /// <summary>How the step size changes over the run (step decay, cosine, reduce on plateau); null keeps it constant.</summary>
    public LearningRateSchedule? LearningRateSchedule { get; init; }

    /// <summary>
    /// How many times a diverging run (see <see cref="TrainingDivergedException"/>) backs off instead of stopping: the epoch is
    /// restarted from the weights it began with, with a fresh optimizer at a tenth of the learning rate, and
    /// <see cref="TrainingHistory.Warnings"/> says so. 0 (the default) stops at the first divergence with the error.
    /// </summary>
    public int LearningRateBackoffs { get; init; }

    /// <summary>
    /// Rescales each step's whole gradient to this L2 norm when it is larger (clipping by global norm, Pascanu et al.,
    /// 2013), against the rare huge step that throws training off; 0 (the default) never clips.
    /// </summary>
    public float GradientClipNorm { get; init; }

    /// <summary>Seeds the shuffles and the validation split (weights are seeded when the network is created).</summary>
    public long Seed { get; init; }

    /// <summary>The most threads the kernels may use.</summary>
    public int Threads { get; init; } = Math.Max(1, Environment.ProcessorCount);

    /// <summary>Visit the rows in a new random order every epoch.</summary>
    public bool Shuffle { get; init; } = true;

    /// <summary>Fraction of the rows held out to measure validation loss (0 = none).</summary>
    public double ValidationFraction { get; init; }

    /// <summary>Stop after this many epochs without a better validation loss (0 = never stop early).</summary>
    public int EarlyStoppingPatience { get; init; }

    /// <summary>When stopping early, or at the end, put back the weights of the best validation epoch.</summary>
    public bool RestoreBestWeights { get; init; } = true;

    /// <summary>
    /// Noise added to each training input batch (a denoising autoencoder); the targets stay clean. The validation
    /// rows get the same kind of noise, drawn afresh from the seed every epoch so epochs compare. Null for none.
    /// </summary>
    public InputCorruption? Corruption { get; init; }

    /// <summary>Penalties on the code or the encoder (sparse, contractive), applied between the decoder's and encoder's backward passes.</summary>
    public IReadOnlyList<CodeRegularizer> CodeRegularizers { get; init; } = [];

    /// <summary>The weight of Σ|W| over every weight matrix (not biases); 0 for none.</summary>
    public float L1WeightPenalty { get; init; }

    /// <summary>The weight of Σ W² over every weight matrix (not biases); 0 for none.</summary>
    public float L2WeightPenalty { get; init; }

    /// <summary>
    /// Trimmed loss, for training data with some anomalies in it: in every batch, this fraction of the rows with the
    /// largest reconstruction loss (⌊fraction × rows⌋ of them) is left out of the loss and its gradient, so the network is
    /// not taught to reconstruct them. In [0, 0.5); 0 (the default) trains on every row.
    /// </summary>
    public double TrimmedFraction { get; init; }

    /// <summary>
    /// Trim over the whole training set instead of per batch: at the start of every epoch each training row's loss is
    /// measured with the current weights (one forward pass, without input corruption), the ⌊<see cref="TrimmedFraction"/>
    /// × rows⌋ worst rows sit the epoch out, and the epoch's batches are drawn from the rest, untrimmed. A row that is
    /// unusual for the whole set is dropped even when its batch happens to hold several like it.
    /// </summary>
    public bool TrimAcrossTrainingSet { get; init; }

    /// <summary>The largest <see cref="TrimmedFraction"/>: past half, the "outliers" would be the majority.</summary>
    public const double MaxTrimmedFraction = 0.5;

    /// <summary>
    /// A file to keep the run's checkpoint in, or null (the default) for none. The trainer writes the whole training state
    /// there (weights, optimizer moments, generator state, schedule, early stopping, epoch; see
    /// <see cref="CheckpointEveryEpochs"/>) every few epochs, at the end and when cancelled, each time to a temporary file
    /// renamed over the last. When the file exists as <see cref="AutoencoderTrainer.Fit"/> starts, training goes on from
    /// it and ends with the same weights, bit for bit, as a run that was never interrupted; a checkpoint of another network,
    /// data or options is refused with <see cref="InvalidOperationException"/> naming what differs.
    /// </summary>
    public string? CheckpointPath { get; init; }

    /// <summary>With <see cref="CheckpointPath"/>: how many epochs between checkpoints (default 1, every epoch).</summary>
    public int CheckpointEveryEpochs { get; init; } = 1;

    /// <summary>
    /// <see cref="StreamedTrainer"/> only: how many rows its shuffle buffer holds. The larger,
    /// the closer each epoch's order is to a whole-set shuffle, and the more memory: rows × row width × 4 bytes (twice that
    /// with targets). The in-memory <see cref="AutoencoderTrainer"/> shuffles the whole set and ignores it.
    /// </summary>
    public int ShuffleBufferRows { get; init; } = DefaultShuffleBufferRows;

    /// <summary>8,192 rows: 25 MiB of MNIST-width rows, several hundred batches' worth to mix.</summary>
    public const int DefaultShuffleBufferRows = 8192;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (Epochs <= 0) throw new ArgumentException($"Epochs must be positive (was {Epochs}).");
        if (BatchSize <= 0) throw new ArgumentException($"BatchSize must be positive (was {BatchSize}).");
        if (Threads <= 0) throw new ArgumentException($"Threads must be positive (was {Threads}).");
        if (!(ValidationFraction >= 0 && ValidationFraction < 1)) throw new ArgumentException($"ValidationFraction must be in [0, 1) (was {ValidationFraction}).");
        if (EarlyStoppingPatience < 0) throw new ArgumentException($"EarlyStoppingPatience must be non-negative (was {EarlyStoppingPatience}).");
        if (EarlyStoppingPatience > 0 && ValidationFraction == 0) throw new ArgumentException("EarlyStoppingPatience needs a validation split: set ValidationFraction above 0.");
        if (!(TrimmedFraction >= 0 && TrimmedFraction < MaxTrimmedFraction))
            throw new ArgumentException($"TrimmedFraction must be in [0, {MaxTrimmedFraction}) (was {TrimmedFraction}): the share of each batch's worst-reconstructed rows left out of the loss, e.g. the expected contamination.");
        if (TrimAcrossTrainingSet && TrimmedFraction == 0)
            throw new ArgumentException("TrimAcrossTrainingSet says where to trim, but TrimmedFraction is 0: set the fraction of rows to leave out (e.g. the expected contamination).");
        Optimizer.Validate();
        if (LearningRateBackoffs < 0) throw new ArgumentException($"LearningRateBackoffs must be non-negative (was {LearningRateBackoffs}).");
        if (!(GradientClipNorm >= 0) || float.IsInfinity(GradientClipNorm)) throw new ArgumentException($"GradientClipNorm must be finite and non-negative (was {GradientClipNorm}); 0 turns clipping off.");
        if (CheckpointPath != null && string.IsNullOrWhiteSpace(CheckpointPath)) throw new ArgumentException("CheckpointPath must name a file, or be null for no checkpoints.");
        if (ShuffleBufferRows <= 0) throw new ArgumentException($"ShuffleBufferRows must be positive (was {ShuffleBufferRows}).");
        if (CheckpointEveryEpochs <= 0) throw new ArgumentException($"CheckpointEveryEpochs must be positive (was {CheckpointEveryEpochs}).");
        LearningRateSchedule?.Validate();
        Corruption?.Validate();
        if (CodeRegularizers == null || CodeRegularizers.Any(r => r == null)) throw new ArgumentException("CodeRegularizers must be a list without null entries.");
        _ = new WeightPenalty(L1WeightPenalty, L2WeightPenalty); // validates both strengths
    }
}
