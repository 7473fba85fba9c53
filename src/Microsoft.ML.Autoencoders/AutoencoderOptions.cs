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

    /// <summary>The code (bottleneck) width.</summary>
    public int CodeSize { get; set; } = AutoencoderEstimator.Defaults.CodeSize;

    /// <summary>The activation after every hidden layer.</summary>
    public AutoencoderActivation HiddenActivation { get; set; } = AutoencoderEstimator.Defaults.HiddenActivation;

    /// <summary>The activation of the code layer.</summary>
    public AutoencoderActivation CodeActivation { get; set; } = AutoencoderEstimator.Defaults.CodeActivation;

    /// <summary>The activation of the output layer: Linear for any real data, Sigmoid for data in [0, 1].</summary>
    public AutoencoderActivation OutputActivation { get; set; } = AutoencoderEstimator.Defaults.OutputActivation;

    /// <summary>The negative-side slope of <see cref="AutoencoderActivation.LeakyRelu"/>, in (0, 1).</summary>
    public float LeakyReluSlope { get; set; } = AutoencoderEstimator.Defaults.LeakyReluSlope;

    /// <summary>The loss that training minimizes.</summary>
    public AutoencoderLoss Loss { get; set; } = AutoencoderEstimator.Defaults.Loss;

    /// <summary>The update rule.</summary>
    public AutoencoderOptimizer Optimizer { get; set; } = AutoencoderEstimator.Defaults.Optimizer;

    /// <summary>The optimizer's step size.</summary>
    public float LearningRate { get; set; } = AutoencoderEstimator.Defaults.LearningRate;

    /// <summary>Momentum for <see cref="AutoencoderOptimizer.Sgd"/>.</summary>
    public float Momentum { get; set; } = AutoencoderEstimator.Defaults.Momentum;

    /// <summary>Weight decay: an L2 penalty for Sgd and Adam, decoupled decay for AdamW.</summary>
    public float WeightDecay { get; set; }

    /// <summary>Passes over the training data.</summary>
    public int Epochs { get; set; } = AutoencoderEstimator.Defaults.Epochs;

    /// <summary>Rows per gradient step.</summary>
    public int BatchSize { get; set; } = AutoencoderEstimator.Defaults.BatchSize;

    /// <summary>Fraction of the training rows held out to measure validation loss (0 = none).</summary>
    public double ValidationFraction { get; set; }

    /// <summary>Stop after this many epochs without a better validation loss (0 = never); needs <see cref="ValidationFraction"/>.</summary>
    public int EarlyStoppingPatience { get; set; }

    /// <summary>Fixes the initial weights, the shuffles and the validation split: the same seed and thread count give the same model.</summary>
    public int Seed { get; set; } = AutoencoderEstimator.Defaults.Seed;

    /// <summary>The most threads training and scoring may use; null means one per processor.</summary>
    public int? NumberOfThreads { get; set; }

    /// <summary>Called after every training epoch with its losses and time, e.g. to print progress.</summary>
    public Action<EpochMetrics>? EpochCompleted { get; set; }
}
