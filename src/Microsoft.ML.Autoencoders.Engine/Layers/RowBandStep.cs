namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>
/// A layer's inference over a chunk of rows on one thread, for <see cref="Models.RowBandInference"/>, which runs each
/// thread's band of rows through every layer with one rendezvous per batch. A layer offers one
/// (<see cref="Layer.CreateRowBandStep"/>) when it computes each row from that row alone at inference; the step may take
/// the next layer with it (a dense layer the activation its GEMM epilogue applies) and may keep state per part (a dense
/// layer's weights, packed once per call by each thread).
/// </summary>
internal abstract unsafe class RowBandStep
{
    /// <summary>
    /// Rows per sparse-or-dense decision of a first layer that reads sparse input: the AVX-512 kernel's row tile, six
    /// row pairs. Bands and chunks are cut on multiples of it, so a decision never depends on where they fall.
    /// </summary>
    public const int DecisionRows = 12;

    /// <summary>How many of the network's layers this step runs (1, or 2 with the activation fused into it).</summary>
    public abstract int LayerCount { get; }

    /// <summary>Elements per row coming out of the step's last layer.</summary>
    public abstract int OutputSize { get; }

    /// <summary>Called on the calling thread before the parts start: reads what every part shares (a copy of the bias).</summary>
    public virtual void BeginCall() { }

    /// <summary>Called on part <paramref name="part"/>'s thread before its chunks: what the part reads in all of them (packed weights).</summary>
    public virtual void PreparePart(int part) { }

    /// <summary>
    /// <paramref name="rows"/> rows of <paramref name="x"/> into <paramref name="y"/> on this thread, as part
    /// <paramref name="part"/>; <paramref name="sparseInput"/> when the step starts the network and the network reads
    /// sparse input (<see cref="Models.Sequential.UsesSparseInput"/>).
    /// </summary>
    public abstract void Run(int part, float* x, float* y, int rows, bool sparseInput);
}
