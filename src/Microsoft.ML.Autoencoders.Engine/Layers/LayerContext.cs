using Microsoft.ML.Autoencoders.Engine.Tensors;

namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>What a layer needs to know about the pass it runs in.</summary>
/// <param name="Training">
/// True while training: dropout drops, noise layers add noise, batch norm normalizes by the batch's statistics and updates
/// its running ones. Only the training step's forward pass runs with it (validation and scoring run <see cref="Inference"/>),
/// so each training batch moves the running statistics exactly once.
/// </param>
/// <param name="Threads">The most threads a kernel may use.</param>
/// <param name="Random">The generator for stochastic layers; null when the pass is deterministic.</param>
public readonly record struct LayerContext(bool Training, int Threads, SeededRandom? Random = null)
{
    /// <summary>
    /// Where the layer's input is nonzero, when <see cref="Models.Sequential"/> found the input batch sparse enough to
    /// pay (first layer only; null otherwise); the values are the dense x the layer is also given.
    /// </summary>
    internal NonzeroMask? SparseInput { get; init; }

    /// <summary>
    /// True when backward may write dL/dx over dx's stale contents instead of adding to it (the GEMM's beta = 0, one
    /// pass fewer over memory than clearing first); only layers with <see cref="Layer.CanOverwriteInputGradient"/> see it.
    /// </summary>
    internal bool OverwriteInputGradient { get; init; }

    /// <summary>
    /// True when backward may write its parameter gradients over their stale contents instead of adding to them: the
    /// training step sets it when nothing else adds to them (no tied weights, no penalty on the weights' gradients),
    /// which saves reading them back and clearing them; only layers with <see cref="Layer.CanOverwriteParameterGradients"/> see it.
    /// </summary>
    internal bool OverwriteParameterGradients { get; init; }

    /// <summary>
    /// Set when the call runs on one chunk of the batch inside a <see cref="Models.SampleParallelChain"/> (null otherwise):
    /// x, y, dy, dx and the scratch are then that chunk's rows, <see cref="Threads"/> is 1, other chunks run on other
    /// threads at the same time, and parameter gradients go to the chunk's block (<see cref="Layer.PrepareChunkGradients"/>).
    /// </summary>
    internal SampleChunk? Chunk { get; init; }

    /// <summary>
    /// Set on a backward call when the layer below the called one takes its input gradient sample by sample
    /// (<see cref="Layer.CanHandInputGradientsTo"/>): dx is then that lower layer's input gradient, written over, and the
    /// called layer passes each sample's own input gradient to <see cref="Layer.BackwardSample"/> instead of storing it.
    /// </summary>
    internal Layer? InputGradientTaker { get; init; }

    /// <summary>A deterministic inference pass.</summary>
    public static LayerContext Inference(int threads = 1) => new(false, threads);
}
