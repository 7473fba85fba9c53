using System.Runtime.CompilerServices;

namespace Microsoft.ML.Autoencoders.Engine.Kernels;

/// <summary>
/// Shares one GEMM among the threads of the <see cref="WorkerPool"/>: C cut into <see cref="GemmBands"/>, each part
/// starting on its own run of bands and taking the others' leftovers when done (<see cref="ChunkSchedule"/>), so a part
/// on a slower core does less. One instance per calling thread is reused, so a call allocates nothing.
/// </summary>
internal sealed class GemmParallelJob : IWorkerPoolJob
{
    [ThreadStatic]
    private static GemmParallelJob? t_current;

    private readonly ChunkSchedule _schedule = new(WorkerPool.Shared.MaxParallelism);
    private GemmBands _bands;
    private GemmEpilogue _epilogue;

    /// <summary>Runs <paramref name="operands"/> on up to <paramref name="parts"/> threads and waits for it.</summary>
    /// <param name="operands">The product, with its buffers pinned by the caller.</param>
    /// <param name="blocking">The micro-kernel and block sizes every band uses.</param>
    /// <param name="parts">How many threads share it, when the pool is free.</param>
    /// <param name="epilogue">Applied to each band's rectangle as soon as it is computed, while it is in cache.</param>
    public static void Run(in GemmOperands operands, GemmBlocking blocking, int parts, in GemmEpilogue epilogue = default)
    {
        GemmParallelJob job = t_current ??= new GemmParallelJob();
        job._bands = new GemmBands(operands, blocking, parts, GemmBands.MaxPerPart);
        job._epilogue = epilogue;
        job._schedule.Split(job._bands.Count, job._bands.Parts);
        try
        {
            WorkerPool.Shared.Run(job, job._bands.Parts);
        }
        finally
        {
            job._bands = default;
            job._epilogue = default;
        }
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public unsafe void Execute(int part)
    {
        while (_schedule.TryTake(part, out int band))
        {
            var (rowStart, rowEnd, columnStart, columnEnd) = _bands.Compute(band);
            if (!_epilogue.IsEmpty && rowStart < rowEnd && columnStart < columnEnd)
                _epilogue.Apply(_bands.Operands.C, _bands.Operands.Ldc, rowStart, rowEnd, columnStart, columnEnd);
        }
    }
}
