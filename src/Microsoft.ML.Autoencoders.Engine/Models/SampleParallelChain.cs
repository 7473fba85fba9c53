using Microsoft.ML.Autoencoders.Engine.Kernels;
using Microsoft.ML.Autoencoders.Engine.Layers;

namespace Microsoft.ML.Autoencoders.Engine.Models;

/// <summary>
/// Runs a chain of consecutive layers that work image by image (<see cref="SampleParallelism"/>: convolutions with the
/// pooling, upsampling and activations between them) a chunk of images at a time: each thread takes the next chunk
/// and runs it through every layer of the chain, forward or backward, then takes another, and the threads meet once at
/// the chain's end instead of at every layer's.
/// </summary>
/// <remarks>
/// Split layer by layer, a conv autoencoder's training step met about thirty times a batch, and whichever thread came
/// second to a meeting point had lost the difference: 10-17 % of a two-thread epoch went to waiting, at random layers
/// (a host's steal time, uneven splits). Chunks taken in turn keep both threads busy to the end of the chain (small
/// chunks that keep a chunk's activations in L2 from one layer to the next measured slower, see <see cref="ChunkRows"/>).
/// Each chunk runs through the same loop as the
/// whole batch does (<see cref="Sequential.ForwardLayers"/>, <see cref="Sequential.BackwardLayers"/>), so the fusions
/// (a convolution with its activation) are decided as they are without chains. Layers with parameters add each chunk's
/// parameter gradients into a block of the chunk's own (<see cref="Layer.PrepareChunkGradients"/>) and sum the blocks in
/// chunk order afterwards, so the gradients' bits depend on the chunk size, never on the thread count.
/// </remarks>
internal sealed unsafe class SampleParallelChain : IWorkerPoolJob
{
    private Sequential? _network;
    private ActivationCache? _cache;
    private LayerContext _context;
    private int _fromLayer, _toLayer, _batch, _chunkRows, _chunks, _nextChunk;
    private bool _backward, _needInputGradient, _overwriteGradients;
    private float* _input, _output;

    /// <summary>
    /// The end (exclusive) of the chain that starts at layer <paramref name="from"/> in a forward pass that stops at
    /// <paramref name="toLayer"/>, or −1 when none starts there: a chain is the longest run of layers that allow it, at
    /// least two long, with at least one that prefers it (chaining only cheap layers would save a meeting point or two
    /// and cost their own threads' split).
    /// </summary>
    public static int ForwardChainEnd(IReadOnlyList<Layer> layers, int from, int toLayer)
    {
        int end = from;
        while (end < toLayer && Joins(layers[end])) end++;
        return IsWorthChaining(layers, from, end) ? end : -1;
    }

    /// <summary>
    /// The lowest layer of the chain whose top layer is <paramref name="top"/> in a backward pass down to
    /// <paramref name="toLayer"/>, or −1 when none ends there.
    /// </summary>
    /// <remarks>
    /// An activation at the bottom of a run, above a layer in the pass that does not join, stays out of the chain: it
    /// may hand its backward to that layer (<see cref="Layer.TryBackwardIntoLayerBelow"/>), which only the
    /// layer-by-layer loop can offer. (Forward needs no such rule: a layer fuses with the activation after it, and every
    /// activation joins, so the pair is inside the chain or cut by the pass's end, as it is without chains.)
    /// </remarks>
    public static int BackwardChainBottom(IReadOnlyList<Layer> layers, int top, int toLayer)
    {
        int bottom = top + 1;
        while (bottom > toLayer && Joins(layers[bottom - 1])) bottom--;
        if (bottom > toLayer && bottom <= top && layers[bottom].AppliedActivation is not null) bottom++;
        return IsWorthChaining(layers, bottom, top + 1) ? bottom : -1;
    }

    private static bool Joins(Layer layer) => layer.SampleParallelism != SampleParallelism.None && !layer.ReadsSparseInput;

    private static bool IsWorthChaining(IReadOnlyList<Layer> layers, int from, int end)
    {
        if (end - from < 2) return false;
        for (int i = from; i < end; i++)
            if (layers[i].SampleParallelism == SampleParallelism.Preferred) return true;
        return false;
    }

    /// <summary>
    /// Chunks a batch is cut into when no chunk size is asked for (<see cref="ChunkRows"/>): one per processor of the
    /// machine, at least two. It follows the machine, not <see cref="LayerContext.Threads"/>, so on a given machine the
    /// parameter gradients' bits do not depend on how many threads a call asks for.
    /// </summary>
    public static int DefaultChunks { get; } = Math.Max(2, Environment.ProcessorCount);

    /// <summary>The fewest rows of a chunk when no chunk size is asked for.</summary>
    public const int MinChunkRows = 16;

    /// <summary>
    /// Rows per chunk: <paramref name="requested"/> when positive, else the batch cut into <see cref="DefaultChunks"/>
    /// (at least <see cref="MinChunkRows"/> rows). Measured, not derived from the caches: on the Keras-blog network (Zen 5,
    /// two threads, batch 128, forward and backward in one process, configurations interleaved over 10 rounds, two runs)
    /// chunks of 4 images, which keep a chunk's largest layer step within half of L2, made the step 8-9 % slower than the
    /// layer-by-layer loop, 8 rows 2-3 %, 16 within ±1 %, 32 1-2 % faster and 64 (one chunk per thread) 4-5 % faster: the
    /// L2 reuse of small chunks did not show, while every chunk pays each layer's start-up again (its kernels' code, branch
    /// history and prefetch streams). So the chunks are as large as they can be while every processor still gets one.
    /// </summary>
    public static int ChunkRows(int requested, int batch) =>
        requested > 0 ? requested : Math.Max(MinChunkRows, (batch + DefaultChunks - 1) / DefaultChunks);

    /// <summary>
    /// Runs layers [<paramref name="fromLayer"/>, <paramref name="toLayer"/>) forward over rows [0, <paramref name="batch"/>);
    /// <paramref name="input"/> and <paramref name="output"/> (null when the cache's slots are used) stand for slot 0 and the
    /// last slot as in <see cref="Sequential.Forward(ActivationCache, ReadOnlySpan{float}, Span{float}, int, in LayerContext)"/>.
    /// </summary>
    public void Forward(Sequential network, ActivationCache cache, int batch, int fromLayer, int toLayer, int chunkRows, in LayerContext context,
        float* input, float* output)
    {
        Set(network, cache, batch, fromLayer, toLayer, chunkRows, context);
        _backward = false;
        _input = input;
        _output = output;
        Run(Workers());
    }

    /// <summary>
    /// Runs layers [<paramref name="fromLayer"/>, <paramref name="toLayer"/>) backward over rows [0, <paramref name="batch"/>),
    /// as <see cref="Sequential.Backward"/> does: each layer with parameters gets a gradient block per chunk before, and
    /// sums them into its gradients after.
    /// </summary>
    public void Backward(Sequential network, ActivationCache cache, int batch, int fromLayer, int toLayer, int chunkRows, in LayerContext context,
        bool needInputGradient, bool overwriteGradients)
    {
        Set(network, cache, batch, fromLayer, toLayer, chunkRows, context);
        _backward = true;
        _needInputGradient = needInputGradient;
        _overwriteGradients = overwriteGradients;
        int workers = Workers();
        var layers = network.Layers;
        for (int i = fromLayer; i < toLayer; i++)
            if (layers[i].Parameters.Count > 0) layers[i].PrepareChunkGradients(_chunks, workers);
        Run(workers);
        for (int i = fromLayer; i < toLayer; i++)
            if (layers[i].Parameters.Count > 0) layers[i].ReduceChunkGradients(_chunks, context);
    }

    private void Set(Sequential network, ActivationCache cache, int batch, int fromLayer, int toLayer, int chunkRows, in LayerContext context)
    {
        _network = network;
        _cache = cache;
        _context = context;
        _fromLayer = fromLayer;
        _toLayer = toLayer;
        _batch = batch;
        _chunkRows = chunkRows;
        _chunks = (batch + chunkRows - 1) / chunkRows;
    }

    /// <summary>Threads to run on: no more than the context allows, the pool has, or there are chunks.</summary>
    private int Workers() =>
        _context.Threads <= 1 || _chunks <= 1 ? 1 : Math.Min(Math.Min(_context.Threads, WorkerPool.Shared.MaxParallelism), _chunks);

    private void Run(int workers)
    {
        _nextChunk = 0;
        try
        {
            if (workers == 1) Execute(0);
            else WorkerPool.Shared.Run(this, workers);
        }
        finally
        {
            // Nothing of the pass outlives it: the pointers were pinned by the caller for this call only.
            _network = null;
            _cache = null;
            _input = _output = null;
        }
    }

    /// <summary>Thread <paramref name="part"/> takes chunks until none is left; the pool may also run every part on one thread in turn.</summary>
    public void Execute(int part)
    {
        Sequential network = _network!;
        ActivationCache cache = _cache!;
        int chunk;
        while ((chunk = Interlocked.Increment(ref _nextChunk) - 1) < _chunks)
        {
            int start = chunk * _chunkRows, rows = Math.Min(_chunkRows, _batch - start);
            LayerContext context = _context with { Threads = 1, Chunk = new SampleChunk(chunk, part), SparseInput = null };
            if (_backward)
            {
                // Backward runs from the slot above the chain's top layer (_toLayer) down to its lowest layer.
                network.BackwardLayers(cache, start, rows, fromLayer: _toLayer, toLayer: _fromLayer, context, inputMask: null, _needInputGradient,
                    _overwriteGradients, formChains: false);
                continue;
            }

            int inputSize = network.InputSize, outputSize = network.OutputSize;
            var input = _input == null ? ReadOnlySpan<float>.Empty : new ReadOnlySpan<float>(_input + (nint)start * inputSize, rows * inputSize);
            var output = _output == null ? Span<float>.Empty : new Span<float>(_output + (nint)start * outputSize, rows * outputSize);
            network.ForwardLayers(cache, start, rows, _fromLayer, _toLayer, context, context, input, output, formChains: false);
        }
    }
}
