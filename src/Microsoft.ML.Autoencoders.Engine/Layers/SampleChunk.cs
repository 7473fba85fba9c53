namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>
/// Which slice of the batch a call runs on inside a <see cref="Models.SampleParallelChain"/>, and on which of the
/// chain's threads.
/// </summary>
/// <param name="Index">
/// The chunk's number in batch order (0 for the first rows): a layer with parameters adds the chunk's parameter gradients
/// into a block of that number, which <see cref="Layer.ReduceChunkGradients"/> sums in chunk order afterwards, so the sums
/// do not depend on which thread took which chunk.
/// </param>
/// <param name="Worker">
/// The number (0 .. threads − 1) of the thread making the call: a layer's per-thread buffers are indexed by it. Every
/// call of a chain on one thread has the same number, and no two threads share one.
/// </param>
internal readonly record struct SampleChunk(int Index, int Worker);
