namespace Microsoft.ML.Autoencoders.Engine.Kernels;

/// <summary>
/// Two independent products at once, each mostly on its own thread: a dense layer's backward pass needs its weight
/// gradient and its input gradient, which share no output. Splitting each product over two threads makes both threads
/// pack the operand they share and meet at a barrier twice; one product per thread does neither (MNIST's output layer:
/// two 103-MFLOP products, 990–1,005 µs split against 977–983 µs paired in a per-phase harness). Each product is cut
/// into <see cref="GemmBands"/>, a head and at least one tail; the first thread owns the first product's, the second the
/// second's, and a thread that finishes its own takes the other's tails (<see cref="ChunkSchedule"/>), so whichever core
/// is slower does less. A weight gradient, whose Aᵀ every band packs again, gets one tail (a fifth of it) and pays for one
/// more packing of Aᵀ; a product read in place gets two. A GEMM's bits do not depend on how it is cut, so the results are
/// those of calling the two one after the other.
/// </summary>
internal static class GemmPair
{
    /// <summary>
    /// Bands per product (fewer when the tails' repeated packing would cost too much: <see cref="GemmBands"/>): a head and
    /// tails, which are what a faster thread takes over from a slower one.
    /// </summary>
    private const int BandsPerProduct = GemmBands.MaxPerPart;

    /// <summary>
    /// True when pairing is the better use of <paramref name="threads"/>: exactly two threads to hand out, and both
    /// products big enough to pay for a worker's wake-up.
    /// </summary>
    public static bool Pays(int threads, long firstMultiplyAdds, long secondMultiplyAdds) =>
        Math.Min(threads, WorkerPool.Shared.MaxParallelism) == 2
        && Math.Min(firstMultiplyAdds, secondMultiplyAdds) >= Gemm.MinWorkPerThread;

    /// <summary>Runs <paramref name="first"/> and <paramref name="second"/> (pointers pinned by the caller) and waits for both.</summary>
    public static void Run(in GemmOperands first, in GemmOperands second) => Run(first, second, default(NoFollowUp), 0);

    /// <summary>
    /// The same, and then <paramref name="followUp"/> over the elements of <paramref name="second"/>'s C (which must be
    /// stored without gaps: ldc = N, <paramref name="followUpCount"/> = M·N), band by band on the thread that computed
    /// each band, while it is still in that core's cache: the gradient of an activation applied to the input gradient it
    /// multiplies. An element-wise follow-up gives the same bits on any cut.
    /// </summary>
    public static void Run<TFollowUp>(in GemmOperands first, in GemmOperands second, TFollowUp followUp, int followUpCount)
        where TFollowUp : struct, IRangeKernel
    {
        if (followUpCount > 0 && (second.Ldc != second.N || followUpCount != (long)second.M * second.N))
            throw new ArgumentException("A follow-up runs over the whole of the second product's C, stored without gaps.", nameof(followUpCount));
        Job<TFollowUp>.Run(first, second, followUp, followUpCount > 0);
    }

    private readonly struct NoFollowUp : IRangeKernel
    {
        public void Execute(int start, int end)
        {
        }
    }

    /// <summary>The pool's handle on a pair; one per follow-up type and calling thread, so a call allocates nothing.</summary>
    private sealed class Job<TFollowUp> : IWorkerPoolJob where TFollowUp : struct, IRangeKernel
    {
        [ThreadStatic]
        private static Job<TFollowUp>? t_current;

        private readonly ChunkSchedule _schedule = new(2);
        private GemmBands _first, _second;
        private TFollowUp _followUp;
        private bool _hasFollowUp;

        public static void Run(in GemmOperands first, in GemmOperands second, TFollowUp followUp, bool hasFollowUp)
        {
            Job<TFollowUp> job = t_current ??= new Job<TFollowUp>();
            GemmBlocking blocking = GemmBlocking.Current;
            job._first = new GemmBands(first, blocking, parts: 1, BandsPerProduct, minPerPart: 2);
            job._second = new GemmBands(second, blocking, parts: 1, BandsPerProduct, minPerPart: 2);
            job._followUp = followUp;
            job._hasFollowUp = hasFollowUp;
            job._schedule.SetParts(2);
            job._schedule.SetRun(0, 0, job._first.Count);
            job._schedule.SetRun(1, job._first.Count, job._first.Count + job._second.Count);
            try
            {
                WorkerPool.Shared.Run(job, 2);
            }
            finally
            {
                job._first = job._second = default;
                job._followUp = default;
            }
        }

        public void Execute(int part)
        {
            while (_schedule.TryTake(part, out int band))
            {
                if (band < _first.Count)
                {
                    _first.Compute(band);
                    continue;
                }

                var (rowStart, rowEnd, columnStart, columnEnd) = _second.Compute(band - _first.Count);
                if (!_hasFollowUp) continue;
                int n = _second.Operands.N;
                if (columnStart == 0 && columnEnd == n) _followUp.Execute(rowStart * n, rowEnd * n);
                else
                {
                    for (int row = rowStart; row < rowEnd; row++) _followUp.Execute(row * n + columnStart, row * n + columnEnd);
                }
            }
        }
    }
}
