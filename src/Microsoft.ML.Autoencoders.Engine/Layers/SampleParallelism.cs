namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>
/// Whether a layer may run on slices of a batch, one slice per call, from several threads at once: what lets
/// <see cref="Models.Sequential"/> take a few images at a time through a whole run of such layers on one thread
/// (<see cref="Models.SampleParallelChain"/>) instead of splitting every layer over the threads and waiting for them
/// all at its end.
/// </summary>
internal enum SampleParallelism
{
    /// <summary>
    /// The layer needs the whole batch in one call: it mixes samples (batch statistics), draws from a random stream in
    /// batch order (dropout, noise), or splits its work some other way (a dense layer's GEMM over the whole batch).
    /// </summary>
    None,

    /// <summary>
    /// Each sample's output and input gradient depend on that sample alone, and calls on disjoint slices may run
    /// concurrently (with <see cref="LayerContext.Chunk"/> set, the layer's own per-thread buffers are the worker's);
    /// cheap enough that it is worth chaining only beside a layer that <see cref="Preferred"/> it (pooling, upsampling,
    /// activations).
    /// </summary>
    Allowed,

    /// <summary>As <see cref="Allowed"/>, and heavy enough per sample to anchor a chain (a convolution).</summary>
    Preferred,
}
