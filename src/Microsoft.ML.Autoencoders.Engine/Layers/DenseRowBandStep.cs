using System.Numerics;
using Microsoft.ML.Autoencoders.Engine.Kernels;
using Microsoft.ML.Autoencoders.Engine.Tensors;

namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>
/// A dense layer (with the activation after it, when its epilogue has a fused form) in a row band: each part packs the
/// weights once per call (<see cref="GemmPackedB"/>) and every chunk's product reads them, the same bits as the blocked
/// GEMM that packs. As the first layer of a network that reads sparse input, each <see cref="RowBandStep.DecisionRows"/>
/// group of rows goes through <see cref="SparseDenseGemm"/> when that group alone is sparse enough, so whether a row is
/// read by its nonzeros cannot depend on where the bands and chunks are cut.
/// </summary>
/// <remarks>
/// The weights are packed on every call, never kept between calls: they are spans anyone may write (an optimizer step, a
/// load, a user), so a kept copy could only be trusted after comparing it with them, which reads as much as packing does.
/// </remarks>
internal sealed unsafe class DenseRowBandStep : RowBandStep
{
    private readonly Dense _dense;
    private readonly ActivationLayer? _activation;
    private readonly float[] _bias;
    private readonly GemmPackedB?[] _packedWeights = new GemmPackedB?[WorkerPool.Shared.MaxParallelism];
    private readonly NonzeroMask?[] _chunkMasks = new NonzeroMask?[WorkerPool.Shared.MaxParallelism];
    private readonly NonzeroMask?[] _runMasks = new NonzeroMask?[WorkerPool.Shared.MaxParallelism];

    /// <summary>The step for <paramref name="dense"/>, taking <paramref name="activation"/> into its epilogue when given.</summary>
    public DenseRowBandStep(Dense dense, ActivationLayer? activation)
    {
        _dense = dense;
        _activation = activation;
        _bias = GC.AllocateUninitializedArray<float>(dense.OutputSize, pinned: true);
    }

    public override int LayerCount => _activation is null ? 1 : 2;

    public override int OutputSize => _dense.OutputSize;

    public override void BeginCall() => _dense.Bias.Values.CopyTo(_bias);

    public override void PreparePart(int part)
    {
        (_packedWeights[part] ??= new GemmPackedB()).Pack(_dense.Weights.Values, _dense.InputSize, _dense.OutputSize, _dense.OutputSize, GemmBlocking.Current);
    }

    public override void Run(int part, float* x, float* y, int rows, bool sparseInput)
    {
        if (sparseInput) RunSparseInput(part, x, y, rows);
        else Affine(part, x, y, rows);
    }

    /// <summary>
    /// A part's mask with room for <paramref name="rows"/> rows of <paramref name="k"/> (always the layer's input width),
    /// made only when the input is read sparse, and made again only when a chunk is longer than any that part has had.
    /// </summary>
    private static NonzeroMask MaskFor(ref NonzeroMask? mask, int rows, int k)
    {
        if (mask is null || mask.MaxRows < rows) mask = new NonzeroMask(rows, k, rows * k);
        return mask;
    }

    /// <summary>Runs of decision groups sparse enough go through <see cref="SparseDenseGemm"/>, the others through the packed weights.</summary>
    private void RunSparseInput(int part, float* x, float* y, int rows)
    {
        int k = _dense.InputSize;
        NonzeroMask chunkMask = MaskFor(ref _chunkMasks[part], rows, k);
        chunkMask.TryBuild(new ReadOnlySpan<float>(x, rows * k), rows, k);
        for (int run = 0; run < rows;)
        {
            bool sparse = GroupIsSparse(chunkMask, run, rows);
            int runEnd = Math.Min(rows, run + DecisionRows);
            while (runEnd < rows && GroupIsSparse(chunkMask, runEnd, rows) == sparse) runEnd = Math.Min(rows, runEnd + DecisionRows);
            float* runX = x + (nint)run * k, runY = y + (nint)run * _dense.OutputSize;
            if (!sparse)
            {
                Affine(part, runX, runY, runEnd - run);
            }
            else if (run == 0 && runEnd == rows)
            {
                Sparse(chunkMask, x, y, rows);
            }
            else
            {
                // Sized for the whole chunk, which every run fits in: runs of other lengths then reuse it.
                NonzeroMask runMask = MaskFor(ref _runMasks[part], rows, k);
                runMask.TryBuild(new ReadOnlySpan<float>(runX, (runEnd - run) * k), runEnd - run, k);
                Sparse(runMask, runX, runY, runEnd - run);
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

    private void Sparse(NonzeroMask mask, float* x, float* y, int rows)
    {
        var output = new Span<float>(y, rows * _dense.OutputSize);
        SparseDenseGemm.MultiplyAddBias(mask, new ReadOnlySpan<float>(x, rows * _dense.InputSize), _dense.Weights.Values, _dense.OutputSize,
            _dense.Bias.Values, output, _activation?.Kind ?? Activation.Linear, _activation?.FusedSlope ?? 0f,
            _activation is null ? Span<float>.Empty : output, threads: 1);
    }

    /// <summary>The layer (and its activation, when fused) over <paramref name="rows"/> rows, on this thread.</summary>
    private void Affine(int part, float* x, float* y, int rows)
    {
        Activation kind = _activation?.Kind ?? Activation.Linear;
        float slope = _activation?.FusedSlope ?? 0f;
        int k = _dense.InputSize, n = _dense.OutputSize;
        GemmPackedB weights = _packedWeights[part]!;
        if (weights.Serves(rows))
        {
            fixed (float* bias = _bias)
                Gemm.MultiplyAddBias(rows, x, k, weights, bias, y, n, kind, slope, _activation is not null);
            return;
        }

        // A run of a few rows takes the small-rows path, which reads the weights as stored.
        var output = new Span<float>(y, rows * n);
        Gemm.MultiplyAddBias(Transpose.No, Transpose.No, rows, n, k, new ReadOnlySpan<float>(x, rows * k), k, _dense.Weights.Values, n,
            _dense.Bias.Values, output, n, kind, slope, _activation is null ? Span<float>.Empty : output, threads: 1);
    }
}
