namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>What a layer needs to know about the pass it runs in.</summary>
/// <param name="Training">True while training: dropout drops, noise layers add noise.</param>
/// <param name="Threads">The most threads a kernel may use.</param>
/// <param name="Random">The generator for stochastic layers; null when the pass is deterministic.</param>
public readonly record struct LayerContext(bool Training, int Threads, SeededRandom? Random = null)
{
    /// <summary>A deterministic inference pass.</summary>
    public static LayerContext Inference(int threads = 1) => new(false, threads);
}
