using System.Runtime.CompilerServices;
using Microsoft.ML.Autoencoders.Engine.Kernels;
using Microsoft.ML.Autoencoders.Engine.Layers;

namespace Microsoft.ML.Autoencoders.Engine.Models;

/// <summary>
/// Inference through a stack of layers that each offer a <see cref="RowBandStep"/> (dense layers and activations), with
/// one rendezvous of the threads per batch instead of one per product (and one more for the sparse input's mask): each
/// thread takes a band of the batch's rows and runs it through every step in chunks of at most <see cref="ChunkRows"/>
/// rows, so a chunk's activations stay in its core's L2 from one layer to the next. What a step does per thread is its
/// layer's business: a dense layer packs its weights once per call for each thread (<see cref="DenseRowBandStep"/>) and
/// every chunk's product reads them; the per-product path packs them once per product too, but a chunk-by-chunk run
/// through it would pack them again for every chunk.
/// </summary>
/// <remarks>
/// <para>
/// Results do not depend on the thread count. Dense rows: every product is the GEMM's blocked path (or, for a run of at
/// most 16 rows, <see cref="GemmSmallRows"/>), which gives a row the same bits whatever rows it is computed with. The
/// first layer, when the network reads sparse input (<see cref="Sequential.UsesSparseInput"/>): whether a row is read by
/// its nonzeros (<see cref="SparseDenseGemm"/>) is decided for each group of <see cref="DecisionRows"/> rows at fixed
/// positions, from that group's own density, so it cannot depend on where the bands and chunks are cut; groups are whole
/// row pairs, the sparse product's unit. (The per-product path decides once for the whole batch, so a batch whose groups
/// fall on both sides of <see cref="SparseDenseGemm.MaxDensity"/> can differ from it in the last bits.)
/// </para>
/// </remarks>
internal sealed unsafe class RowBandInference : IWorkerPoolJob
{
    /// <summary>
    /// Most rows a thread runs through all the layers at once. Measured on Zen 5 (2 threads, the MNIST autoencoder at batch
    /// 1024, in-process alternation over 10 rounds): 192 rows 1.10 times the per-product path's rows/s on the sparse route,
    /// 96 rows 1.04, whole 512-row bands 0.99 (the chunk's activations then no longer stay in L2).
    /// </summary>
    internal const int ChunkRows = 192;

    /// <summary>Fewer rows than this run through the per-product path: a band would not pay for packing every layer.</summary>
    private const int MinRowsPerPart = 96;

    private const int DecisionRows = RowBandStep.DecisionRows;

    private readonly Sequential _network;
    private readonly RowBandStep[] _steps;
    private readonly int _inputSize;
    private readonly float[]?[][] _scratch;
    private readonly int _scratchWidth;
    // One call at a time: the call's pointers and every step's packed weights are this object's. A second thread waits
    // rather than taking the per-product path, so which path a batch takes (and, for a network read as sparse, its last
    // bits) depends on the batch and the network only, never on timing; a band run takes every worker anyway.
    private readonly object _gate = new();

    // The call in flight, read by the parts.
    private float* _input;
    private float* _output;
    private int _rows;
    private int _parts;
    private bool _sparseInput;
    private float* _tap;
    private int _tapStep;

    private RowBandInference(Sequential network, RowBandStep[] steps)
    {
        _network = network;
        _steps = steps;
        _inputSize = network.InputSize;
        // Every step's output but the last goes through a part's scratch rows.
        for (int i = 0; i + 1 < steps.Length; i++) _scratchWidth = Math.Max(_scratchWidth, steps[i].OutputSize);
        _scratch = new float[]?[WorkerPool.Shared.MaxParallelism][];
    }

    /// <summary>
    /// The pipeline for <paramref name="network"/>, or null when some layer offers no <see cref="RowBandStep"/> (one that
    /// does not compute each row from that row alone, or has no such step: <see cref="Layer.CreateRowBandStep"/>).
    /// </summary>
    public static RowBandInference? TryCreate(Sequential network)
    {
        var layers = network.Layers;
        var steps = new List<RowBandStep>();
        for (int i = 0; i < layers.Count;)
        {
            RowBandStep? step = layers[i].CreateRowBandStep(i + 1 < layers.Count ? layers[i + 1] : null);
            if (step is null) return null;
            steps.Add(step);
            i += step.LayerCount;
        }
        return steps.Count == 0 ? null : new RowBandInference(network, steps.ToArray());
    }

    /// <summary>
    /// Runs <paramref name="rows"/> rows of <paramref name="input"/> into <paramref name="output"/> on up to
    /// <paramref name="threads"/> threads, after any call another thread has in flight on this network, and writes what the
    /// first <paramref name="tapLayers"/> layers give each row into <paramref name="tap"/> (an autoencoder's code), chunk by
    /// chunk as the rows pass; with <paramref name="tapLayers"/> 0 there is no tap. False, having done nothing, when the
    /// batch is too small to pay for the packing, or the tapped layers end inside a step (a dense layer and the activation
    /// it fuses), or <paramref name="tap"/> is too short: the caller then takes the per-product path.
    /// </summary>
    public bool TryRun(ReadOnlySpan<float> input, Span<float> output, int rows, int threads, Span<float> tap, int tapLayers)
    {
        int tapStep = tapLayers > 0 ? StepEndingAfter(tapLayers) : -1;
        if (tapLayers > 0 && (tapStep < 0 || tap.Length < (long)rows * _steps[tapStep].OutputSize)) return false;
        // A call from inside a call on the same thread (none is known) would find the fields in use: it takes the other path.
        if (rows < MinRowsPerPart || Monitor.IsEntered(_gate)) return false;
        lock (_gate)
        {
            foreach (RowBandStep step in _steps) step.BeginCall();
            int parts = Math.Max(1, Math.Min(Math.Min(threads, WorkerPool.Shared.MaxParallelism), rows / MinRowsPerPart));
            fixed (float* pInput = input)
            fixed (float* pOutput = output)
            fixed (float* pTap = tap)
            {
                _input = pInput;
                _output = pOutput;
                _tap = pTap;
                _tapStep = tapStep;
                _rows = rows;
                _parts = parts;
                _sparseInput = _network.UsesSparseInput && _network.Layers[0].ReadsSparseInput;
                try
                {
                    WorkerPool.Shared.Run(this, parts);
                }
                finally
                {
                    _input = _output = _tap = null;
                }
            }
            return true;
        }
    }

    /// <summary>
    /// Part <paramref name="part"/>: lets every step prepare itself for this thread (a dense layer packs its weights), then
    /// runs its band of rows (whole decision groups, shared out evenly) through every step, chunk by chunk.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Execute(int part)
    {
        foreach (RowBandStep step in _steps) step.PreparePart(part);
        float[]?[] scratch = _scratch[part] ??=
        [
            GC.AllocateUninitializedArray<float>(ChunkRows * Math.Max(1, _scratchWidth), pinned: true),
            GC.AllocateUninitializedArray<float>(ChunkRows * Math.Max(1, _scratchWidth), pinned: true),
        ];

        int tiles = (_rows + DecisionRows - 1) / DecisionRows;
        int start = (int)((long)tiles * part / _parts) * DecisionRows;
        int end = Math.Min(_rows, (int)((long)tiles * (part + 1) / _parts) * DecisionRows);
        int bandTiles = (end - start + DecisionRows - 1) / DecisionRows;
        int chunks = (end - start + ChunkRows - 1) / ChunkRows;
        for (int chunk = 0; chunk < chunks; chunk++)
        {
            int from = start + bandTiles * chunk / chunks * DecisionRows;
            int to = Math.Min(end, start + bandTiles * (chunk + 1) / chunks * DecisionRows);
            if (from < to) RunChunk(part, from, to - from, scratch);
        }
    }

    /// <summary>Rows [<paramref name="row"/>, +<paramref name="rows"/>) through every step, between the part's two scratch buffers.</summary>
    private void RunChunk(int part, int row, int rows, float[]?[] scratch)
    {
        float* x = _input + (nint)row * _inputSize;
        int last = _steps.Length - 1;
        for (int i = 0; i <= last; i++)
        {
            RowBandStep step = _steps[i];
            // The tapped step writes its rows straight into the tap (row-major, the layout scratch would have), and the
            // next step reads them there; only a tap on the last step, whose rows go to the output, is copied.
            float* y = i == last ? _output + (nint)row * step.OutputSize
                : i == _tapStep ? _tap + (nint)row * step.OutputSize
                : (float*)Unsafe.AsPointer(ref scratch[i & 1]![0]);
            step.Run(part, x, y, rows, sparseInput: i == 0 && _sparseInput);
            if (i == _tapStep && i == last)
            {
                long bytes = (long)rows * step.OutputSize * sizeof(float);
                Buffer.MemoryCopy(y, _tap + (nint)row * step.OutputSize, bytes, bytes);
            }
            x = y;
        }
    }

    /// <summary>The step whose output is the output of layer <paramref name="layers"/> − 1, or −1 when that falls inside a step.</summary>
    private int StepEndingAfter(int layers)
    {
        for (int i = 0, end = 0; i < _steps.Length; i++)
        {
            end += _steps[i].LayerCount;
            if (end == layers) return i;
            if (end > layers) return -1;
        }
        return -1;
    }
}
