using Microsoft.ML.Autoencoders.Engine.Kernels;

namespace Microsoft.ML.Autoencoders.Engine.Tests.Kernels;

/// <summary>
/// <see cref="WorkerPool"/> runs every part of a job exactly once and returns only when all are done, also when jobs
/// with fewer parts than workers follow jobs with more: a worker that had no part in one job and wakes late must not take
/// the next job's part count for the old job's and run its part twice (the caller would then return while another
/// worker still runs). Four workers on this machine's cores wake late often enough for that to show.
/// </summary>
public class WorkerPoolTests
{
    private sealed class CountingJob : IWorkerPoolJob
    {
        public int[] Runs = new int[5];
        public int Running;

        public void Execute(int part)
        {
            Interlocked.Increment(ref Running);
            Interlocked.Increment(ref Runs[part]);
            Thread.SpinWait(50);
            Interlocked.Decrement(ref Running);
        }
    }

    [Fact]
    public void EveryPartRunsOnceAndIsDoneWhenRunReturns()
    {
        var pool = new WorkerPool(4);
        for (int round = 0; round < 5_000; round++)
        {
            int parts = round % 3 == 0 ? 5 : 1 + round % 4;
            var job = new CountingJob();
            pool.Run(job, parts);
            Assert.Equal(0, Volatile.Read(ref job.Running));
            for (int part = 0; part < parts; part++) Assert.Equal(1, job.Runs[part]);
            for (int part = parts; part < 5; part++) Assert.Equal(0, job.Runs[part]);
        }
    }
}
