using Microsoft.ML.Autoencoders.Engine.Optimizers;

namespace Microsoft.ML.Autoencoders.Engine.Training;

/// <summary>
/// Training stopped because the network diverged: a batch loss or a weight became NaN or infinite, or the training loss
/// exploded far above where it started. No model is returned; the message says where it happened, with which optimizer
/// and learning rate, and what to try.
/// </summary>
/// <remarks>
/// An <see cref="InvalidOperationException"/>, so code that caught the earlier "Training diverged" error still catches it.
/// </remarks>
public sealed class TrainingDivergedException : InvalidOperationException
{
    internal TrainingDivergedException(string message, int epoch, int batch, OptimizerKind optimizer, float learningRate, string what)
        : base(message)
    {
        What = what;
        Epoch = epoch;
        Batch = batch;
        Optimizer = optimizer;
        LearningRate = learningRate;
    }

    /// <summary>The 1-based epoch in which divergence was detected.</summary>
    public int Epoch { get; }

    /// <summary>The 1-based batch within <see cref="Epoch"/>, or 0 when the whole epoch's loss gave it away.</summary>
    public int Batch { get; }

    /// <summary>The optimizer that was training.</summary>
    public OptimizerKind Optimizer { get; }

    /// <summary>The learning rate it was training with.</summary>
    public float LearningRate { get; }

    /// <summary>What gave the divergence away, e.g. "batch 3 of 235 has a loss of NaN".</summary>
    public string What { get; }
}
