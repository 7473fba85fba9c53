using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Microsoft.ML.Autoencoders.Engine.Kernels;

/// <summary>A piece of work split into numbered parts that may run on different threads.</summary>
internal interface IWorkerPoolJob
{
    /// <summary>Runs part <paramref name="part"/>; parts must not depend on one another.</summary>
    void Execute(int part);
}

/// <summary>
/// Persistent worker threads for the engine's parallel kernels. A training step issues thousands of
/// GEMMs of tens of microseconds each, so starting tasks per call (Parallel.For) would cost as much as the
/// work: here workers spin briefly for the next job before sleeping, and the caller runs part 0 itself.
/// </summary>
internal sealed class WorkerPool
{
    /// <summary>How long an idle worker keeps polling before it blocks; covers the gaps between a step's GEMMs.</summary>
    private static readonly long s_spinTicks = Stopwatch.Frequency / 5000; // 200 µs

    private readonly object _runLock = new();
    private readonly object _sleepGate = new();
    private readonly Thread[] _workers;
    private IWorkerPoolJob? _job;
    private int _pending;
    // The job's number and how many parts it has, in one word: (number << PartBits) | parts. A worker reads the two together,
    // so one that wakes late, after the caller has finished a job it had no part in and published the next, cannot take
    // the next job's part count for the old job's and run its part twice (which would let the caller return while another
    // worker still writes into the caller's buffers).
    private long _ticket;
    private const int PartBits = 16;
    private int _sleepers;
    private Exception? _failure;

    /// <summary>A pool of <paramref name="workerCount"/> workers (<see cref="Shared"/> is the process's; tests make their own).</summary>
    internal WorkerPool(int workerCount)
    {
        if (workerCount + 1 >= 1 << PartBits) throw new ArgumentOutOfRangeException(nameof(workerCount), workerCount, "Too many workers for a ticket's part count.");
        _workers = new Thread[workerCount];
        for (int i = 0; i < workerCount; i++)
        {
            int part = i + 1;
            _workers[i] = new Thread(() => WorkerLoop(part))
            {
                IsBackground = true,
                Name = $"Autoencoders GEMM worker {part}",
            };
            _workers[i].Start();
        }
    }

    /// <summary>The process-wide pool: one thread per processor besides the caller's.</summary>
    public static WorkerPool Shared => LazyShared.Instance;

    /// <summary>Most parts that run at the same time (workers plus the calling thread).</summary>
    public int MaxParallelism => _workers.Length + 1;

    /// <summary>
    /// Runs parts 0 .. <paramref name="parts"/>-1 of <paramref name="job"/> and returns when all are done.
    /// If another thread is using the pool (or a worker calls in), the parts run one after another on the
    /// caller instead; jobs must give the same result either way.
    /// </summary>
    // Fully optimized from the first call: tiered start-up code here would slow a process's first GEMMs for a second or more.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Run(IWorkerPoolJob job, int parts)
    {
        if (parts <= 1 || parts > MaxParallelism || !Monitor.TryEnter(_runLock))
        {
            for (int part = 0; part < parts; part++) job.Execute(part);
            return;
        }

        try
        {
            _job = job;
            _failure = null;
            Volatile.Write(ref _pending, parts - 1);
            Interlocked.Exchange(ref _ticket, (((_ticket >> PartBits) + 1) << PartBits) | (uint)parts);
            if (Volatile.Read(ref _sleepers) > 0)
            {
                lock (_sleepGate) Monitor.PulseAll(_sleepGate);
            }

            job.Execute(0);

            var spinner = new SpinWait();
            while (Volatile.Read(ref _pending) > 0) spinner.SpinOnce(sleep1Threshold: -1);
            _job = null;
            if (_failure is { } failure) throw new AggregateException(failure);
        }
        finally
        {
            Monitor.Exit(_runLock);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void WorkerLoop(int part)
    {
        long seen = 0; // the ticket of the last job this worker saw
        while (true)
        {
            seen = WaitForNextJob(seen);
            if (part < (int)(seen & ((1 << PartBits) - 1)))
            {
                try
                {
                    _job!.Execute(part);
                }
                catch (Exception e)
                {
                    _failure = e;
                }

                Interlocked.Decrement(ref _pending);
            }
        }
    }

    /// <summary>Spins while jobs are likely to follow quickly, then sleeps until <see cref="Run"/> pulses.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private long WaitForNextJob(long seen)
    {
        long start = Stopwatch.GetTimestamp();
        while (Stopwatch.GetTimestamp() - start < s_spinTicks)
        {
            long current = Volatile.Read(ref _ticket);
            if (current != seen) return current;
            Thread.SpinWait(20);
        }

        lock (_sleepGate)
        {
            // Announce the sleep before the final check: Run publishes the ticket before reading the count,
            // so either it sees this sleeper and pulses, or this check sees its ticket.
            Interlocked.Increment(ref _sleepers);
            long current;
            while ((current = Interlocked.Read(ref _ticket)) == seen) Monitor.Wait(_sleepGate);
            Interlocked.Decrement(ref _sleepers);
            return current;
        }
    }

    /// <summary>Creates the threads on first use only, so programs that never go parallel never start them.</summary>
    private static class LazyShared
    {
        public static readonly WorkerPool Instance = new(Math.Max(0, Environment.ProcessorCount - 1));
    }
}
