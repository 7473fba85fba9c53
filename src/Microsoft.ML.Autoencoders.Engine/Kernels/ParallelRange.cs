namespace Microsoft.ML.Autoencoders.Engine.Kernels;

/// <summary>An element-wise piece of work over a range of indices, run by <see cref="ParallelRange"/>.</summary>
internal interface IRangeKernel
{
    /// <summary>Processes indices [<paramref name="start"/>, <paramref name="end"/>); ranges never overlap.</summary>
    void Execute(int start, int end);
}

/// <summary>
/// Splits an element-wise pass (an activation's backward, a loss) over the <see cref="WorkerPool"/>: between the
/// GEMMs of a training step these passes would otherwise leave the second core spinning. Ranges are cut on multiples
/// of <see cref="Grain"/>, so a kernel that sums in blocks of that size sees the same blocks whatever the split.
/// </summary>
internal static class ParallelRange
{
    /// <summary>Ranges start on multiples of this (a cache line of floats times 16: also a loss block).</summary>
    public const int Grain = 1024;

    /// <summary>Below this many elements per extra thread, waking a worker costs more than the pass it shares.</summary>
    private const int MinPerThread = 32 * 1024;

    /// <summary>The number of parts <see cref="Run"/> uses for <paramref name="count"/> elements.</summary>
    public static int Parts(int count, int threads, int minPerThread = MinPerThread) =>
        Math.Clamp(Math.Min(threads, count / minPerThread), 1, WorkerPool.Shared.MaxParallelism);

    /// <summary>
    /// Runs <paramref name="kernel"/> over [0, <paramref name="count"/>) on up to <paramref name="threads"/> threads, in
    /// ranges cut on multiples of <paramref name="grain"/>, each at least <paramref name="minPerThread"/> long (units that
    /// are not elements, e.g. rows, pass their own).
    /// </summary>
    public static void Run<TKernel>(int count, int threads, TKernel kernel, int grain = Grain, int minPerThread = MinPerThread)
        where TKernel : struct, IRangeKernel
    {
        int parts = Parts(count, threads, minPerThread);
        if (parts == 1)
        {
            kernel.Execute(0, count);
            return;
        }

        Job<TKernel>.Run(kernel, count, parts, grain);
    }

    /// <summary>Part <paramref name="part"/>'s range, cut on <paramref name="grain"/>.</summary>
    public static (int Start, int End) Range(int count, int part, int parts, int grain = Grain)
    {
        int grains = (count + grain - 1) / grain;
        int start = (int)((long)grains * part / parts) * grain, end = (int)((long)grains * (part + 1) / parts) * grain;
        return (Math.Min(start, count), Math.Min(end, count));
    }

    /// <summary>
    /// Which of <paramref name="parts"/> parts starts at <paramref name="start"/> when <paramref name="count"/> items are cut
    /// with grain 1 (part p starts at ⌊count·p / parts⌋): a kernel's range tells it which per-part buffers are its own.
    /// </summary>
    public static int PartStartingAt(int start, int count, int parts) => (int)(((long)start * parts + count - 1) / count);

    /// <summary>The pool's handle on a kernel; one per kernel type and calling thread, so a pass allocates nothing.</summary>
    private sealed class Job<TKernel> : IWorkerPoolJob where TKernel : struct, IRangeKernel
    {
        [ThreadStatic]
        private static Job<TKernel>? t_current;

        private TKernel _kernel;
        private int _count, _parts, _grain;

        public static void Run(TKernel kernel, int count, int parts, int grain)
        {
            Job<TKernel> job = t_current ??= new Job<TKernel>();
            job._kernel = kernel;
            job._count = count;
            job._parts = parts;
            job._grain = grain;
            try
            {
                WorkerPool.Shared.Run(job, parts);
            }
            finally
            {
                job._kernel = default;
            }
        }

        public void Execute(int part)
        {
            (int start, int end) = Range(_count, part, _parts, _grain);
            if (start < end) _kernel.Execute(start, end);
        }
    }
}
