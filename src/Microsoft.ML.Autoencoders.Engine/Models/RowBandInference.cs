using System.Numerics;
using System.Runtime.CompilerServices;
using Microsoft.ML.Autoencoders.Engine.Kernels;
using Microsoft.ML.Autoencoders.Engine.Layers;
using Microsoft.ML.Autoencoders.Engine.Tensors;

namespace Microsoft.ML.Autoencoders.Engine.Models;

/// <summary>
/// Inference through a stack of dense and activation layers with one rendezvous of the threads per batch instead of one
/// per product (and one more for the sparse input's mask): each thread takes a band of the batch's rows and runs it
/// through every layer in chunks of at most <see cref="ChunkRows"/> rows, so a chunk's activations stay in its core's L2
/// from one layer to the next. Each thread packs each dense layer's weights once per call (<see cref="GemmPackedB"/>) and
/// every chunk's product reads them; the per-product path packs them once per product too, but a chunk-by-chunk run
/// through it would pack them again for every chunk.
/// </summary>
/// <remarks>
/// <para>
/// The weights are packed on every call, never kept between calls: they are spans anyone may write (an optimizer step, a
/// load, a user), so a kept copy could only be trusted after comparing it with them, which reads as much as packing does.
/// </para>
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

    /// <summary>Rows per sparse-or-dense decision of the first layer: the AVX-512 kernel's row tile, six row pairs.</summary>
    internal const int DecisionRows = 12;

    /// <summary>Fewer rows than this run through the per-product path: a band would not pay for packing every layer.</summary>
    private const int MinRowsPerPart = 96;

    private readonly Sequential _network;
    private readonly Layer[] _layers;
    private readonly float[]?[] _biases;
    private readonly PartBuffers?[] _partBuffers;
    private readonly int _scratchWidth;
    private int _busy;

    // The call in flight, read by the parts.
    private float* _input;
    private float* _output;
    private int _rows;
    private int _parts;
    private bool _sparseInput;

    private RowBandInference(Sequential network)
    {
        _network = network;
        _layers = network.Layers.ToArray();
        _biases = new float[]?[_layers.Length];
        for (int i = 0; i < _layers.Length; i++)
        {
            if (_layers[i] is Dense dense) _biases[i] = GC.AllocateUninitializedArray<float>(dense.OutputSize, pinned: true);
        }

        // Every layer's output but the last goes through a part's scratch rows.
        for (int i = 0; i + 1 < _layers.Length; i++) _scratchWidth = Math.Max(_scratchWidth, _layers[i].OutputSize);
        _partBuffers = new PartBuffers?[WorkerPool.Shared.MaxParallelism];
    }

    /// <summary>
    /// The pipeline for <paramref name="network"/>, or null when some layer is not one whose rows this class knows to be
    /// computed independently of each other (only dense layers and activations are).
    /// </summary>
    public static RowBandInference? TryCreate(Sequential network)
    {
        if (network.Layers.Count == 0) return null;
        foreach (Layer layer in network.Layers)
        {
            if (layer is not (Dense or ActivationLayer)) return null;
        }
        return new RowBandInference(network);
    }

    /// <summary>
    /// Runs <paramref name="rows"/> rows of <paramref name="input"/> into <paramref name="output"/> on up to
    /// <paramref name="threads"/> threads. False, having done nothing, when the batch is too small to pay for the
    /// packing or another call on this network is in flight (the caller then takes the per-product path).
    /// </summary>
    public bool TryRun(ReadOnlySpan<float> input, Span<float> output, int rows, int threads)
    {
        if (rows < MinRowsPerPart || Interlocked.CompareExchange(ref _busy, 1, 0) != 0) return false;
        try
        {
            for (int i = 0; i < _layers.Length; i++)
            {
                if (_layers[i] is Dense dense) dense.Bias.Values.CopyTo(_biases[i]);
            }

            int parts = Math.Max(1, Math.Min(Math.Min(threads, WorkerPool.Shared.MaxParallelism), rows / MinRowsPerPart));
            for (int part = 0; part < parts; part++) _partBuffers[part] ??= new PartBuffers(_layers.Length, _scratchWidth);
            fixed (float* pInput = input)
            fixed (float* pOutput = output)
            {
                _input = pInput;
                _output = pOutput;
                _rows = rows;
                _parts = parts;
                _sparseInput = _network.UsesSparseInput && _layers[0] is Dense;
                try
                {
                    WorkerPool.Shared.Run(this, parts);
                }
                finally
                {
                    _input = _output = null;
                }
            }
            return true;
        }
        finally
        {
            Volatile.Write(ref _busy, 0);
        }
    }

    /// <summary>
    /// Part <paramref name="part"/>: packs every dense layer's weights for itself, then runs its band of rows (whole
    /// 12-row tiles, shared out evenly) through every layer, chunk by chunk.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Execute(int part)
    {
        PartBuffers buffers = _partBuffers[part]!;
        GemmBlocking blocking = GemmBlocking.Current;
        for (int i = 0; i < _layers.Length; i++)
        {
            if (_layers[i] is Dense dense) buffers.Weights(i).Pack(dense.Weights.Values, dense.InputSize, dense.OutputSize, dense.OutputSize, blocking);
        }

        int tiles = (_rows + DecisionRows - 1) / DecisionRows;
        int start = (int)((long)tiles * part / _parts) * DecisionRows;
        int end = Math.Min(_rows, (int)((long)tiles * (part + 1) / _parts) * DecisionRows);
        int bandTiles = (end - start + DecisionRows - 1) / DecisionRows;
        int chunks = (end - start + ChunkRows - 1) / ChunkRows;
        for (int chunk = 0; chunk < chunks; chunk++)
        {
            int from = start + bandTiles * chunk / chunks * DecisionRows;
            int to = Math.Min(end, start + bandTiles * (chunk + 1) / chunks * DecisionRows);
            if (from < to) RunChunk(from, to - from, buffers);
        }
    }

    /// <summary>Rows [<paramref name="row"/>, +<paramref name="rows"/>) through every layer, between the part's two scratch buffers.</summary>
    private void RunChunk(int row, int rows, PartBuffers buffers)
    {
        int last = _layers.Length - 1;
        float* x = _input + (nint)row * _layers[0].InputSize;
        int scratch = 0;
        for (int i = 0; i <= last; i++)
        {
            Layer layer = _layers[i];
            bool fused = layer is Dense && i < last && _layers[i + 1] is ActivationLayer { HasFusedForm: true };
            int end = fused ? i + 1 : i;
            float* y = end == last ? _output + (nint)row * layer.OutputSize : buffers.Scratch(scratch);
            if (layer is Dense dense)
            {
                var activation = fused ? (ActivationLayer)_layers[i + 1] : null;
                if (i == 0 && _sparseInput) FirstLayer(dense, x, y, rows, activation, buffers);
                else Affine(i, dense, x, y, rows, activation, buffers);
            }
            else
            {
                ((ActivationLayer)layer).Apply(new ReadOnlySpan<float>(x, rows * layer.InputSize), new Span<float>(y, rows * layer.OutputSize));
            }

            i = end;
            x = y;
            scratch ^= 1;
        }
    }

    /// <summary>
    /// The first layer over a chunk when the network reads sparse input: runs of decision groups sparse enough go through
    /// <see cref="SparseDenseGemm"/>, the others through the packed weights.
    /// </summary>
    private void FirstLayer(Dense dense, float* x, float* y, int rows, ActivationLayer? activation, PartBuffers buffers)
    {
        int k = dense.InputSize;
        NonzeroMask chunkMask = buffers.ChunkMask(k);
        chunkMask.TryBuild(new ReadOnlySpan<float>(x, rows * k), rows, k);
        for (int run = 0; run < rows;)
        {
            bool sparse = GroupIsSparse(chunkMask, run, rows);
            int runEnd = Math.Min(rows, run + DecisionRows);
            while (runEnd < rows && GroupIsSparse(chunkMask, runEnd, rows) == sparse) runEnd = Math.Min(rows, runEnd + DecisionRows);
            float* runX = x + (nint)run * k, runY = y + (nint)run * dense.OutputSize;
            if (!sparse)
            {
                Affine(0, dense, runX, runY, runEnd - run, activation, buffers);
            }
            else if (run == 0 && runEnd == rows)
            {
                Sparse(dense, chunkMask, x, y, rows, activation);
            }
            else
            {
                NonzeroMask runMask = buffers.RunMask(k);
                runMask.TryBuild(new ReadOnlySpan<float>(runX, (runEnd - run) * k), runEnd - run, k);
                Sparse(dense, runMask, runX, runY, runEnd - run, activation);
            }
            run = runEnd;
        }
    }

    /// <summary>Whether the group of rows from <paramref name="row"/> has at most <see cref="SparseDenseGemm.MaxDensity"/> nonzeros.</summary>
    private static bool GroupIsSparse(NonzeroMask mask, int row, int rows)
    {
        int end = Math.Min(rows, row + DecisionRows), nonzeros = 0;
        for (int r = row; r < end; r++)
        {
            foreach (ulong word in mask.RowBits(r)) nonzeros += BitOperations.PopCount(word);
        }
        return nonzeros <= SparseDenseGemm.MaxDensity * (end - row) * mask.Columns;
    }

    private static void Sparse(Dense dense, NonzeroMask mask, float* x, float* y, int rows, ActivationLayer? activation)
    {
        var output = new Span<float>(y, rows * dense.OutputSize);
        SparseDenseGemm.MultiplyAddBias(mask, new ReadOnlySpan<float>(x, rows * dense.InputSize), dense.Weights.Values, dense.OutputSize,
            dense.Bias.Values, output, activation?.Kind ?? Activation.Linear, activation?.FusedSlope ?? 0f,
            activation is null ? Span<float>.Empty : output, threads: 1);
    }

    /// <summary>One dense layer (and the activation after it, when given) over <paramref name="rows"/> rows, on this thread.</summary>
    private void Affine(int index, Dense dense, float* x, float* y, int rows, ActivationLayer? activation, PartBuffers buffers)
    {
        Activation kind = activation?.Kind ?? Activation.Linear;
        float slope = activation?.FusedSlope ?? 0f;
        int k = dense.InputSize, n = dense.OutputSize;
        GemmPackedB weights = buffers.Weights(index);
        if (weights.Serves(rows))
        {
            fixed (float* bias = _biases[index])
                Gemm.MultiplyAddBias(rows, x, k, weights, bias, y, n, kind, slope, activation is not null);
            return;
        }

        // A run of a few rows takes the small-rows path, which reads the weights as stored.
        var output = new Span<float>(y, rows * n);
        Gemm.MultiplyAddBias(Transpose.No, Transpose.No, rows, n, k, new ReadOnlySpan<float>(x, rows * k), k, dense.Weights.Values, n,
            dense.Bias.Values, output, n, kind, slope, activation is null ? Span<float>.Empty : output, threads: 1);
    }

    /// <summary>One part's packed weights, scratch rows (two buffers it alternates between) and input masks.</summary>
    private sealed class PartBuffers(int layers, int scratchWidth)
    {
        private readonly GemmPackedB?[] _weights = new GemmPackedB?[layers];
        private readonly float[][] _scratch =
        [
            GC.AllocateUninitializedArray<float>(ChunkRows * Math.Max(1, scratchWidth), pinned: true),
            GC.AllocateUninitializedArray<float>(ChunkRows * Math.Max(1, scratchWidth), pinned: true),
        ];

        private NonzeroMask? _chunkMask;
        private NonzeroMask? _runMask;

        /// <summary>Layer <paramref name="layer"/>'s weights as this part packed them.</summary>
        public GemmPackedB Weights(int layer) => _weights[layer] ??= new GemmPackedB();

        /// <summary>Scratch buffer 0 or 1, room for a chunk of the widest hidden layer (pinned: allocated on the pinned heap).</summary>
        public float* Scratch(int which) => (float*)Unsafe.AsPointer(ref _scratch[which][0]);

        /// <summary>A mask that takes any chunk, however dense: groups are judged from it.</summary>
        public NonzeroMask ChunkMask(int columns) => _chunkMask ??= new NonzeroMask(ChunkRows, columns, ChunkRows * columns);

        /// <summary>A second mask, for a sparse run inside a chunk that is not sparse throughout.</summary>
        public NonzeroMask RunMask(int columns) => _runMask ??= new NonzeroMask(ChunkRows, columns, ChunkRows * columns);
    }
}
