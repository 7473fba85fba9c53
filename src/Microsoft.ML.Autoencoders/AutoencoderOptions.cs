using Microsoft.ML.Autoencoders.Engine.Models;
using Microsoft.ML.Autoencoders.Engine.Specs;
using Microsoft.ML.Autoencoders.Engine.Training;

namespace Microsoft.ML.Autoencoders;

/// <summary>
/// Everything that configures <see cref="AutoencoderEstimator"/>: which columns it reads and writes, the
/// network's shape, and how it trains. Every default comes from <see cref="AutoencoderEstimator.Defaults"/>.
/// </summary>
public sealed class AutoencoderOptions
{
    /// <summary>The input column: a known-size vector of <see cref="float"/>.</summary>
    public string InputColumnName { get; set; } = AutoencoderEstimator.Defaults.InputColumnName;

    /// <summary>The output column for the code (a vector of <see cref="CodeSize"/> floats), or null for none.</summary>
    public string? EncodedColumnName { get; set; } = AutoencoderEstimator.Defaults.EncodedColumnName;

    /// <summary>The output column for the reconstruction (a vector the input's size), or null for none.</summary>
    public string? ReconstructionColumnName { get; set; }

    /// <summary>The output column for each row's reconstruction error (mean squared error, a <see cref="float"/>), or null for none.</summary>
    public string? ReconstructionErrorColumnName { get; set; }

    /// <summary>
    /// The encoder's hidden layer widths, outermost first; the decoder mirrors them. Empty (the default) gives a
    /// single-layer encoder, e.g. 784-32-784; [256] with a code of 64 gives 784-256-64-256-784.
    /// </summary>
    public int[] HiddenLayerSizes { get; set; } = AutoencoderEstimator.Defaults.HiddenLayerSizes;

    /// <summary>
    /// The encoder as an explicit list of layer specs, input first, instead of the size options
    /// (<see cref="HiddenLayerSizes"/>, <see cref="CodeSize"/>, <see cref="HiddenActivation"/>, <see cref="CodeActivation"/>,
    /// <see cref="WeightInitialization"/>, <see cref="DropoutRate"/>), which must then stay at their defaults: e.g.
    /// <c>[new DenseSpec(128), new ActivationSpec(Activation.Tanh), new DenseSpec(16)]</c>. The code is the last layer's
    /// output. Any registered kind works, including one of your own (<see cref="LayerKinds.RegisterAssembly"/>). Shapes are
    /// checked when the estimator is made (with <see cref="InputShape"/>) or at Fit, with errors that name the layer.
    /// </summary>
    public IReadOnlyList<LayerSpec>? EncoderLayers { get; set; }

    /// <summary>
    /// The decoder's layers, code first, ending in the input's shape; null (the default) mirrors the encoder: each
    /// encoder layer's mirror image in reverse order, with the activations between them, then <see cref="OutputActivation"/>
    /// (tied to the encoder's weights with <see cref="TiedWeights"/>). Needs <see cref="EncoderLayers"/>; with it,
    /// <see cref="OutputActivation"/> and <see cref="TiedWeights"/> must stay at their defaults.
    /// </summary>
    public IReadOnlyList<LayerSpec>? DecoderLayers { get; set; }

    /// <summary>
    /// A convolutional encoder as blocks (filters, kernel, stride, pooling), outermost first, mirrored by the decoder
    /// as in the Keras blog: e.g. <c>[new(16), new(8), new(8)]</c> on <see cref="InputShape"/> [1, 28, 28] gives
    /// Conv16-Pool-Conv8-Pool-Conv8-Pool, a code of 8×4×4, and Conv8-Up-Conv8-Up-Conv16-Up-Conv1 back. Each convolution
    /// is followed by <see cref="HiddenActivation"/>, the last one by <see cref="OutputActivation"/>; a strided block is
    /// undone by a transposed convolution; <see cref="DropoutRate"/> adds dropout after every block. Needs an image
    /// <see cref="InputShape"/> [channels, height, width]; the dense size options (<see cref="HiddenLayerSizes"/>,
    /// <see cref="CodeSize"/>, <see cref="CodeActivation"/>, <see cref="TiedWeights"/>) and <see cref="EncoderLayers"/>
    /// must then stay unset.
    /// </summary>
    public IReadOnlyList<ConvolutionBlock>? ConvolutionBlocks { get; set; }

    /// <summary>
    /// A sequence autoencoder for windows of a time series, instead of the size options: the LSTM autoencoder
    /// (<c>SequenceArchitecture.LstmAutoencoder(64, channels: 2)</c>), the same with a sequence-to-sequence decoder
    /// (<c>SequenceArchitecture.LstmSequenceToSequence(64, channels: 2)</c>) or the Keras 1-D convolutional one
    /// (<c>SequenceArchitecture.KerasConvolutional(288)</c>). Each row of the input column is one window of
    /// WindowLength × Channels values, time-major (step 0's channels, then step 1's, ...), so the column's vector size must
    /// be that product. The architecture carries its own shape, hidden sizes, dropout and output activation: leave
    /// <see cref="InputShape"/> null (or equal to [WindowLength, Channels]), and the dense size options,
    /// <see cref="EncoderLayers"/>/<see cref="DecoderLayers"/> and <see cref="ConvolutionBlocks"/> unset. To cut the windows
    /// from time-ordered columns and score each point, use the streaming detector,
    /// <c>mlContext.AnomalyDetection.Trainers.SequenceAutoencoder(...)</c>.
    /// </summary>
    public SequenceArchitecture? Sequence { get; set; }

    /// <summary>
    /// The per-row shape of the input vector's values, outermost first (e.g. [1, 28, 28] for one-channel images); null
    /// reads each row as flat. Its element count must equal the column's vector size; a shape of more than one
    /// dimension needs <see cref="EncoderLayers"/> or <see cref="ConvolutionBlocks"/> (the size options build a dense network on flat rows).
    /// </summary>
    public int[]? InputShape { get; set; }

    /// <summary>
    /// A model to start from instead of fresh weights: its network (layers and weights) is copied and trained further on
    /// the data — fine-tuning, e.g. of an autoencoder made elsewhere and read with <see cref="AutoencoderModel.ImportOnnx(string, string?)"/>.
    /// The layer options (<see cref="EncoderLayers"/>, <see cref="DecoderLayers"/>, <see cref="ConvolutionBlocks"/>,
    /// <see cref="InputShape"/>) must be left unset, and the size options are not used. The model itself is not changed.
    /// </summary>
    public AutoencoderModel? InitialModel { get; set; }

    /// <summary>
    /// The code (bottleneck) width. Left at the default (32) with no regularizer on, it is capped at the input's width − 1,
    /// so narrow tables get an undercomplete code; any other value, or any value with a regularizer (or a paired target),
    /// is used as given (wider than the input needs one of them).
    /// </summary>
    public int CodeSize { get; set; } = AutoencoderEstimator.Defaults.CodeSize;

    /// <summary>The activation after every hidden layer.</summary>
    public AutoencoderActivation HiddenActivation { get; set; } = AutoencoderEstimator.Defaults.HiddenActivation;

    /// <summary>The activation of the code layer.</summary>
    public AutoencoderActivation CodeActivation { get; set; } = AutoencoderEstimator.Defaults.CodeActivation;

    /// <summary>The activation of the output layer: Linear for any real data, Sigmoid for data in [0, 1].</summary>
    public AutoencoderActivation OutputActivation { get; set; } = AutoencoderEstimator.Defaults.OutputActivation;

    /// <summary>How weights are drawn before training.</summary>
    public AutoencoderWeightInitialization WeightInitialization { get; set; } = AutoencoderEstimator.Defaults.WeightInitialization;

    /// <summary>The negative-side slope of <see cref="AutoencoderActivation.LeakyRelu"/>, in (0, 1).</summary>
    public float LeakyReluSlope { get; set; } = AutoencoderEstimator.Defaults.LeakyReluSlope;

    /// <summary>The loss that training minimizes.</summary>
    public AutoencoderLoss Loss { get; set; } = AutoencoderEstimator.Defaults.Loss;

    /// <summary>The update rule.</summary>
    public AutoencoderOptimizer Optimizer { get; set; } = AutoencoderEstimator.Defaults.Optimizer;

    /// <summary>The optimizer's step size.</summary>
    public float LearningRate { get; set; } = AutoencoderEstimator.Defaults.LearningRate;

    /// <summary>
    /// How the step size changes over training, from <see cref="LearningRate"/>: <c>new StepDecaySchedule(10, 0.5f)</c>,
    /// <c>new CosineSchedule(Epochs)</c> or <c>new ReduceOnPlateauSchedule()</c> (watches the validation loss when
    /// <see cref="ValidationFraction"/> is set, else the training loss). Null (the default) keeps it constant. Each epoch's
    /// rate is in <see cref="EpochMetrics.LearningRate"/>.
    /// </summary>
    public Engine.Optimizers.LearningRateSchedule? LearningRateSchedule { get; set; }

    /// <summary>
    /// How many times a diverging run backs off instead of failing: the epoch restarts from the weights it began with, with a
    /// fresh optimizer at a tenth of the learning rate, and the training history's warnings say so. 0 (the default) stops
    /// with <see cref="TrainingDivergedException"/> at the first divergence.
    /// </summary>
    public int LearningRateBackoffs { get; set; }

    /// <summary>Clips each step's whole gradient to this L2 norm (0, the default: never).</summary>
    public float GradientClipNorm { get; set; }

    /// <summary>Momentum for <see cref="AutoencoderOptimizer.Sgd"/>.</summary>
    public float Momentum { get; set; } = AutoencoderEstimator.Defaults.Momentum;

    /// <summary>Weight decay: an L2 penalty for Sgd and Adam, decoupled decay for AdamW.</summary>
    public float WeightDecay { get; set; }

    /// <summary>
    /// Passes over the training data. Left at the default together with <see cref="BatchSize"/>, both follow the row count:
    /// a batch of about a tenth of the rows (16 to 256) and enough epochs for 2,000 gradient steps (10 to 300), so a
    /// 150-row table trains as long as it needs; MNIST-sized data keeps 10 epochs of 256. The epochs a run took are the
    /// model's <c>TrainingHistory.Epochs</c>.
    /// </summary>
    public int Epochs { get; set; } = AutoencoderEstimator.Defaults.Epochs;

    /// <summary>Rows per gradient step (see <see cref="Epochs"/> for the default's adaptation to small data).</summary>
    public int BatchSize { get; set; } = AutoencoderEstimator.Defaults.BatchSize;

    /// <summary>Fraction of the training rows held out to measure validation loss (0 = none).</summary>
    public double ValidationFraction { get; set; }

    /// <summary>Stop after this many epochs without a better validation loss (0 = never); needs <see cref="ValidationFraction"/>.</summary>
    public int EarlyStoppingPatience { get; set; }

    /// <summary>
    /// Robust training for data with some anomalies in it (a trimmed loss): in every batch, this fraction of the rows with
    /// the largest loss is left out of the loss and its gradient, so the network does not learn to reconstruct them. Set
    /// it near the expected contamination; in [0, 0.5), 0 (the default) for none. Regularizing penalties still see every row.
    /// </summary>
    public double TrimmedFraction { get; set; }

    /// <summary>
    /// Trim <see cref="TrimmedFraction"/> of the whole training set rather than of each batch: every epoch starts by scoring
    /// all training rows with the current weights, and the worst fraction sits that epoch out (one extra forward pass per
    /// epoch). Off by default (per-batch trimming).
    /// </summary>
    public bool TrimAcrossTrainingSet { get; set; }

    /// <summary>
    /// Fixes the initial weights, the shuffles and the validation split: the same seed and thread count give the same model.
    /// Unlike ML.NET's own trainers, this does not follow the <c>MLContext</c>'s seed (ML.NET keeps it internal): every
    /// context, <c>new MLContext()</c> too, trains the same model until this is changed.
    /// </summary>
    public int Seed { get; set; } = AutoencoderEstimator.Defaults.Seed;

    /// <summary>The most threads training and scoring may use; null means one per processor.</summary>
    public int? NumberOfThreads { get; set; }

    /// <summary>
    /// Paired training: a column of the input's size that each row should be mapped to (clean scans for noisy ones,
    /// colour for grayscale, ...). Null (the default) trains the usual autoencoder, whose target is the input itself.
    /// Only training reads it; scoring needs only the input.
    /// </summary>
    public string? TargetColumnName { get; set; }

    /// <summary>
    /// The output column for the denoised input — the reconstruction, under a name that says what a denoising (or
    /// paired) model produces — or null for none.
    /// </summary>
    public string? DenoisedColumnName { get; set; }

    /// <summary>Corruption of the training inputs (a denoising autoencoder); <see cref="AutoencoderNoise.None"/> by default.</summary>
    public AutoencoderNoise Noise { get; set; } = AutoencoderNoise.None;

    /// <summary>
    /// How much noise: the standard deviation for <see cref="AutoencoderNoise.Gaussian"/>, the fraction of inputs
    /// replaced for <see cref="AutoencoderNoise.Masking"/> and <see cref="AutoencoderNoise.SaltAndPepper"/>.
    /// </summary>
    public float NoiseLevel { get; set; } = AutoencoderEstimator.Defaults.NoiseLevel;

    /// <summary>
    /// Clip Gaussian-corrupted inputs to the [min, max] of the training inputs (e.g. [0, 1] for pixels), so the
    /// noisy data stays in the range real data has.
    /// </summary>
    public bool ClipNoiseToInputRange { get; set; } = true;

    /// <summary>
    /// Sparse autoencoder: the strength of an L1 penalty on the code's activations, strength·Σ|code| per row
    /// (Keras' activity_regularizer; 1e-4 is the Keras blog's value for a 32-unit code). 0 for none.
    /// </summary>
    public float SparsityL1 { get; set; }

    /// <summary>Sparse autoencoder: ρ, the mean activation each code unit should have (KL-divergence penalty; needs a Sigmoid code).</summary>
    public float SparsityTarget { get; set; } = AutoencoderEstimator.Defaults.SparsityTarget;

    /// <summary>Sparse autoencoder: β, the weight of the KL-divergence penalty towards <see cref="SparsityTarget"/>. 0 for none.</summary>
    public float SparsityWeight { get; set; }

    /// <summary>
    /// Contractive autoencoder: λ, the weight of the squared Frobenius norm of the encoder's Jacobian. Exact for a
    /// one-layer Sigmoid encoder; for deeper encoders an unbiased random-probe estimate (see <see cref="ContractiveProbes"/>). 0 for none.
    /// The encoder's activations must not be <see cref="AutoencoderActivation.Gelu"/> or <see cref="AutoencoderActivation.Silu"/>
    /// (<see cref="HiddenActivation"/> with hidden layers, <see cref="CodeActivation"/>): the penalty cannot differentiate them, and
    /// the estimator refuses them when it is made.
    /// </summary>
    public float ContractiveWeight { get; set; }

    /// <summary>Random probe vectors per batch for the contractive penalty of deeper encoders (more: less variance, more time).</summary>
    public int ContractiveProbes { get; set; } = AutoencoderEstimator.Defaults.ContractiveProbes;

    /// <summary>Dropout rate after every hidden layer and after the code while training (0 = none); inference never drops.</summary>
    public float DropoutRate { get; set; }

    /// <summary>The weight of Σ|W| over every weight matrix (biases excluded); 0 for none.</summary>
    public float L1WeightPenalty { get; set; }

    /// <summary>The weight of Σ W² over every weight matrix (biases excluded); 0 for none.</summary>
    public float L2WeightPenalty { get; set; }

    /// <summary>Use the transpose of each encoder layer's weights in the mirrored decoder layer (half the weights).</summary>
    public bool TiedWeights { get; set; }

    /// <summary>
    /// A variational autoencoder (Kingma and Welling): the encoder gives a Gaussian's mean and log-variance for each row, the
    /// code is a sample of it while training (<see cref="CodeSize"/> is the latent's width) and its mean when scoring, and the
    /// loss adds the KL divergence to N(0, I), weighted by <see cref="KlWeight"/>. <see cref="Loss"/> is the likelihood:
    /// BinaryCrossEntropy (Bernoulli, for data in [0, 1] with a Sigmoid output) or MeanSquaredError (Gaussian). Dense
    /// (<see cref="HiddenLayerSizes"/>) and convolutional (<see cref="ConvolutionBlocks"/>) encoders both work; the trained
    /// model generates through <c>AutoencoderModel.Variational</c>.
    /// </summary>
    public bool Variational { get; set; }

    /// <summary>β, the KL term's weight in a variational autoencoder: 1 is the ELBO, above 1 a β-VAE.</summary>
    public float KlWeight { get; set; } = AutoencoderEstimator.Defaults.KlWeight;

    /// <summary>Epochs over which β rises linearly from 0 (KL annealing; 0 = none), against a latent that goes unused.</summary>
    public double KlWarmupEpochs { get; set; }

    /// <summary>C, the capacity of Burgess et al. in nats per row: the KL term becomes β·|KL − C| (0 = the plain KL).</summary>
    public float KlCapacity { get; set; }

    /// <summary>Epochs over which C rises linearly from 0 to <see cref="KlCapacity"/> (0 = C from the start, as PyOD).</summary>
    public double KlCapacityWarmupEpochs { get; set; }

    /// <summary>
    /// A variational autoencoder's output column for each row's negative ELBO in nats (a <see cref="float"/>; higher is less
    /// likely under the model): the reconstruction term decoded from the latent mean, plus the KL term. Null for none.
    /// </summary>
    public string? NegativeElboColumnName { get; set; }

    /// <summary>Called after every training epoch with its losses and time, e.g. to print progress.</summary>
    public Action<EpochMetrics>? EpochCompleted { get; set; }

    /// <summary>
    /// Told each epoch's metrics as the epoch ends (after <see cref="EpochCompleted"/>), e.g. to drive a progress bar. A
    /// <see cref="Progress{T}"/> hands each report to its synchronization context (the thread pool in a console app), so
    /// its handler may run after Fit has moved on; an <see cref="IProgress{T}"/> of your own that acts in Report runs on
    /// the training thread, between epochs. Every Fit also writes one line per epoch to <c>mlContext.Log</c>.
    /// </summary>
    public IProgress<EpochMetrics>? Progress { get; set; }

    /// <summary>
    /// Cancels <c>Fit</c> within one batch: it throws <see cref="OperationCanceledException"/> and returns no model.
    /// ML.NET's own <c>MLContext.CancelExecution</c> cannot be observed from outside ML.NET, so this token is the way in.
    /// </summary>
    public CancellationToken CancellationToken { get; set; }

    /// <summary>
    /// A file to keep a training checkpoint in, or null (the default) for none. <c>Fit</c> writes the whole training state
    /// there (weights, optimizer state, random generator state, learning-rate schedule, early stopping, epoch) every
    /// <see cref="CheckpointEveryEpochs"/> epochs, at the end and when <see cref="CancellationToken"/> cancels it, each time
    /// to a temporary file renamed over the last. When the file exists as <c>Fit</c> starts, training goes on from it and
    /// ends with the same model, bit for bit, as a run never interrupted (same seed; the thread count does not matter). A
    /// checkpoint written for another network, data or options is refused with <see cref="InvalidOperationException"/>
    /// naming what differs; a damaged one with <see cref="System.IO.InvalidDataException"/>.
    /// </summary>
    public string? CheckpointPath { get; set; }

    /// <summary>With <see cref="CheckpointPath"/>: how many epochs between checkpoints; 1 (the default) writes one after every epoch.</summary>
    public int CheckpointEveryEpochs { get; set; } = 1;

    /// <summary>
    /// Train from the input <see cref="ML.IDataView"/> a pass at a time instead of reading the column into memory first, for
    /// data larger than memory: memory then stays bounded by the batch, the shuffle buffer (<see cref="StreamingShuffleBufferRows"/>)
    /// and the model. Each epoch reads the data once (twice with <see cref="ValidationFraction"/>), plus one pass at the start,
    /// and one more to count the rows when the view cannot say or to find the range <see cref="Noise"/> is clipped to. The rows
    /// are shuffled within the buffer rather than across the whole set, and the validation rows are picked by a seeded hash of
    /// the row index, so a streamed model differs from an in-memory one on the same data (both are reproducible for a seed).
    /// <see cref="TrimAcrossTrainingSet"/> and <see cref="CheckpointPath"/> need the whole set in memory and are refused with it.
    /// Off by default: in memory, and when the column will not fit, <c>Fit</c> says so and points here.
    /// </summary>
    public bool StreamTrainingData { get; set; }

    /// <summary>
    /// With <see cref="StreamTrainingData"/>: how many rows the shuffle buffer holds (default 8,192). The larger, the closer
    /// each epoch's order is to a full shuffle; it costs rows × row width × 4 bytes (twice that with <see cref="TargetColumnName"/>).
    /// </summary>
    public int StreamingShuffleBufferRows { get; set; } = TrainingOptions.DefaultShuffleBufferRows;

    /// <summary>
    /// A copy of these options (lists and callbacks are shared, not copied): what a component that adjusts a few
    /// settings, such as the anomaly detector setting its columns, works on, so the caller's object is left alone.
    /// </summary>
    public AutoencoderOptions Clone() => (AutoencoderOptions)MemberwiseClone();
}
