namespace Microsoft.ML.Autoencoders.Engine.Kernels;

/// <summary>
/// Two independent products at once, each whole on its own thread: a dense layer's backward pass needs its weight
/// gradient and its input gradient, which share no output. Splitting each product over two threads makes both threads
/// pack the operand they share and meet at a barrier twice; one product per thread does neither (MNIST's output layer:
/// two 103-MFLOP products, 990–1,005 µs split against 977–983 µs paired in a per-phase harness). Each product runs
/// single-threaded either way, and a GEMM's bits do not depend on its thread count, so the results are those of calling
/// them one after the other.
/// </summary>
internal static class GemmPair
{
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
    /// The same, and then <paramref name="followUp"/> over elements [0, <paramref name="followUpCount"/>) on the thread
    /// that computed <paramref name="second"/>, while its output is still in that core's cache: the gradient of an
    /// activation applied to the input gradient it multiplies.
    /// </summary>
    public static void Run<TFollowUp>(in GemmOperands first, in GemmOperands second, TFollowUp followUp, int followUpCount)
        where TFollowUp : struct, IRangeKernel
        => Job<TFollowUp>.Run(first, second, followUp, followUpCount);

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

        private GemmOperands _first, _second;
        private TFollowUp _followUp;
        private int _followUpCount;

        public static void Run(in GemmOperands first, in GemmOperands second, TFollowUp followUp, int followUpCount)
        {
            Job<TFollowUp> job = t_current ??= new Job<TFollowUp>();
            job._first = first;
            job._second = second;
            job._followUp = followUp;
            job._followUpCount = followUpCount;
            try
            {
                WorkerPool.Shared.Run(job, 2);
            }
            finally
            {
                job._followUp = default;
            }
        }

        public void Execute(int part)
        {
            if (part == 0)
            {
                Gemm.Multiply(_first);
                return;
            }

            Gemm.Multiply(_second);
            if (_followUpCount > 0) _followUp.Execute(0, _followUpCount);
        }
    }
}
