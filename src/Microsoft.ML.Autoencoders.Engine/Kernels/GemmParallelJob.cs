using System.Runtime.CompilerServices;

namespace Microsoft.ML.Autoencoders.Engine.Kernels;

/// <summary>
/// Splits one GEMM into rectangles of C for <see cref="WorkerPool"/>: bands of whole tiles along the
/// larger of M and N, so each thread packs its own share of the larger operand and only the smaller
/// operand's packing is repeated. One instance per calling thread is reused, so a call allocates nothing.
/// </summary>
internal sealed unsafe class GemmParallelJob : IWorkerPoolJob
{
    [ThreadStatic]
    private static GemmParallelJob? t_current;

    private GemmOperands _operands;
    private GemmBlocking? _blocking;
    private int _parts;
    private bool _splitRows;
    private bool _smallRows;
    private GemmEpilogue _epilogue;

    /// <summary>Runs <paramref name="operands"/> on up to <paramref name="parts"/> threads and waits for it.</summary>
    /// <param name="operands">The product, with its buffers pinned by the caller.</param>
    /// <param name="blocking">The micro-kernel and block sizes every part uses.</param>
    /// <param name="parts">How many bands to cut; each runs on its own thread when the pool is free.</param>
    /// <param name="smallRows">Use <see cref="GemmSmallRows"/> (split by columns) instead of the blocked path.</param>
    /// <param name="epilogue">Applied by each part to its own rectangle as soon as it is computed, while it is in cache.</param>
    public static void Run(in GemmOperands operands, GemmBlocking blocking, int parts, bool smallRows, in GemmEpilogue epilogue = default)
    {
        GemmParallelJob job = t_current ??= new GemmParallelJob();
        job._operands = operands;
        job._blocking = blocking;
        job._parts = parts;
        job._smallRows = smallRows;
        job._epilogue = epilogue;
        job._splitRows = !smallRows && SplitRows(operands);
        try
        {
            WorkerPool.Shared.Run(job, parts);
        }
        finally
        {
            job._blocking = null;
            job._epilogue = default;
        }
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Execute(int part)
    {
        GemmBlocking blocking = _blocking!;
        GemmMicroKernel kernel = blocking.Kernel;
        int rowStart = 0, rowEnd = _operands.M, columnStart = 0, columnEnd = _operands.N;
        if (_smallRows)
        {
            (columnStart, columnEnd) = Band(_operands.N, GemmMicroKernelAvx512.Columns, part);
            if (columnStart < columnEnd) GemmSmallRows.Compute(_operands, blocking, columnStart, columnEnd);
        }
        else if (_splitRows)
        {
            (rowStart, rowEnd) = Band(_operands.M, kernel.Rows, part);
            if (rowStart < rowEnd) GemmBlockedProduct.Compute(_operands, blocking, rowStart, rowEnd, 0, _operands.N);
        }
        else
        {
            (columnStart, columnEnd) = Band(_operands.N, kernel.Columns, part);
            if (columnStart < columnEnd) GemmBlockedProduct.Compute(_operands, blocking, 0, _operands.M, columnStart, columnEnd);
        }

        if (!_epilogue.IsEmpty && rowStart < rowEnd) _epilogue.Apply(_operands.C, _operands.Ldc, rowStart, rowEnd, columnStart, columnEnd);
    }

    /// <summary>Whether the blocked path splits C into row bands (else column bands): along the larger dimension.</summary>
    public static bool SplitRows(in GemmOperands operands) => operands.M > operands.N;

    /// <summary>Part <paramref name="part"/>'s share of <paramref name="length"/>, cut on multiples of <paramref name="tile"/>.</summary>
    private (int Start, int End) Band(int length, int tile, int part)
    {
        int tiles = (length + tile - 1) / tile;
        int start = (int)((long)tiles * part / _parts) * tile;
        int end = (int)((long)tiles * (part + 1) / _parts) * tile;
        return (Math.Min(start, length), Math.Min(end, length));
    }
}
