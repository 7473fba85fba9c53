using System.Runtime.CompilerServices;

namespace Microsoft.ML.Autoencoders.Engine.Kernels;

/// <summary>
/// Splits one GEMM into rectangles of C for <see cref="WorkerPool"/>: bands of whole tiles along the
/// larger of M and N, so each thread packs its own share of the larger operand and only the smaller
/// operand's packing is repeated. One instance per calling thread is reused, so a call allocates nothing.
/// </summary>
internal sealed class GemmParallelJob : IWorkerPoolJob
{
    [ThreadStatic]
    private static GemmParallelJob? t_current;

    private GemmOperands _operands;
    private GemmMicroKernel? _kernel;
    private int _parts;
    private bool _splitRows;
    private bool _smallRows;

    /// <summary>Runs <paramref name="operands"/> on up to <paramref name="parts"/> threads and waits for it.</summary>
    /// <param name="smallRows">Use <see cref="GemmSmallRows"/> (split by columns) instead of the blocked path.</param>
    public static void Run(in GemmOperands operands, GemmMicroKernel kernel, int parts, bool smallRows)
    {
        GemmParallelJob job = t_current ??= new GemmParallelJob();
        job._operands = operands;
        job._kernel = kernel;
        job._parts = parts;
        job._smallRows = smallRows;
        job._splitRows = !smallRows && SplitRows(operands);
        try
        {
            WorkerPool.Shared.Run(job, parts);
        }
        finally
        {
            job._kernel = null;
        }
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Execute(int part)
    {
        GemmMicroKernel kernel = _kernel!;
        if (_smallRows)
        {
            (int start, int end) = Band(_operands.N, GemmMicroKernelAvx512.Columns, part);
            if (start < end) GemmSmallRows.Compute(_operands, start, end);
        }
        else if (_splitRows)
        {
            (int start, int end) = Band(_operands.M, kernel.Rows, part);
            if (start < end) GemmBlockedProduct.Compute(_operands, kernel, start, end, 0, _operands.N);
        }
        else
        {
            (int start, int end) = Band(_operands.N, kernel.Columns, part);
            if (start < end) GemmBlockedProduct.Compute(_operands, kernel, 0, _operands.M, start, end);
        }
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
