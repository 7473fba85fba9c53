namespace Microsoft.ML.Autoencoders.Engine.Kernels;

/// <summary>
/// Two independent products at once, each whole on its own thread: a dense layer's backward pass needs its weight
/// gradient and its input gradient, which share no output. Splitting each product over two threads makes both threads
/// pack the operand they share and meet at a barrier twice; one product per thread does neither (MNIST's output layer:
/// two 103-MFLOP products, 990–1,005 µs split against 977–983 µs paired in a per-phase harness). Each product runs single-threaded either way,
/// and a GEMM's bits do not depend on its thread count, so the results are those of calling them one after the other.
/// </summary>
internal sealed unsafe class GemmPair : IWorkerPoolJob
{
    [ThreadStatic]
    private static GemmPair? t_current;

    private GemmOperands _first, _second;

    /// <summary>
    /// True when pairing is the better use of <paramref name="threads"/>: exactly two threads to hand out, and both
    /// products big enough to pay for a worker's wake-up.
    /// </summary>
    public static bool Pays(int threads, long firstMultiplyAdds, long secondMultiplyAdds) =>
        Math.Min(threads, WorkerPool.Shared.MaxParallelism) == 2
        && Math.Min(firstMultiplyAdds, secondMultiplyAdds) >= Gemm.MinWorkPerThread;

    /// <summary>Runs <paramref name="first"/> and <paramref name="second"/> (pointers pinned by the caller) and waits for both.</summary>
    public static void Run(in GemmOperands first, in GemmOperands second)
    {
        GemmPair job = t_current ??= new GemmPair();
        job._first = first;
        job._second = second;
        WorkerPool.Shared.Run(job, 2);
    }

    /// <inheritdoc/>
    public void Execute(int part) => Gemm.Multiply(part == 0 ? _first : _second);
}
