using Microsoft.ML.Autoencoders.Engine.Kernels;

namespace Microsoft.ML.Autoencoders.Engine.Tests.Kernels;

/// <summary>
/// <see cref="ChunkSchedule"/> hands every chunk to exactly one part: a part takes its own run from the front, then the
/// others' from the back, and parts racing on real threads never take a chunk twice or lose one.
/// </summary>
public class ChunkScheduleTests
{
    [Fact]
    public void APartTakesItsOwnRunInOrderThenTheOthersFromTheBack()
    {
        var schedule = new ChunkSchedule(3);
        schedule.Split(9, 3); // runs [0, 3), [3, 6), [6, 9)

        var taken = new List<int>();
        while (schedule.TryTake(1, out int chunk)) taken.Add(chunk);

        // Its own run first, front to back; then part 2's from its back, then part 0's.
        Assert.Equal([3, 4, 5, 8, 7, 6, 2, 1, 0], taken);
        Assert.False(schedule.TryTake(0, out _));
    }

    [Fact]
    public void OwnersAndThievesShareARunWithoutOverlap()
    {
        var schedule = new ChunkSchedule(2);
        schedule.Split(6, 2); // [0, 3) and [3, 6)
        Assert.True(schedule.TryTake(1, out int own));
        Assert.Equal(3, own);
        Assert.True(schedule.TryTake(1, out own));
        Assert.True(schedule.TryTake(1, out own));
        Assert.Equal(5, own);
        // Part 1 is done with its run and takes part 0's last chunk while part 0 takes its first.
        Assert.True(schedule.TryTake(1, out int stolen));
        Assert.Equal(2, stolen);
        Assert.True(schedule.TryTake(0, out int first));
        Assert.Equal(0, first);
        Assert.True(schedule.TryTake(0, out int second));
        Assert.Equal(1, second);
        Assert.False(schedule.TryTake(0, out _));
        Assert.False(schedule.TryTake(1, out _));
    }

    [Fact]
    public void UnevenRunsAndEmptyRunsAreServed()
    {
        var schedule = new ChunkSchedule(2);
        schedule.SetParts(2);
        schedule.SetRun(0, 0, 0);
        schedule.SetRun(1, 0, 4);
        var taken = new List<int>();
        while (schedule.TryTake(0, out int chunk)) taken.Add(chunk);
        Assert.Equal([3, 2, 1, 0], taken);

        // Fewer chunks than parts: some runs are empty, every chunk is still handed out once.
        schedule.Split(1, 2);
        Assert.True(schedule.TryTake(0, out int only) || schedule.TryTake(1, out only));
        Assert.Equal(0, only);
        Assert.False(schedule.TryTake(0, out _));
        Assert.False(schedule.TryTake(1, out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => schedule.Split(4, 3));
    }

    [Theory]
    [InlineData(2, 1000)]
    [InlineData(4, 997)]
    [InlineData(3, 2)]
    public void RacingPartsTakeEveryChunkExactlyOnce(int parts, int chunks)
    {
        var schedule = new ChunkSchedule(parts);
        for (int round = 0; round < 50; round++)
        {
            schedule.Split(chunks, parts);
            var takenBy = new int[chunks];
            using var start = new Barrier(parts);
            var threads = Enumerable.Range(0, parts).Select(part => new Thread(() =>
            {
                start.SignalAndWait();
                while (schedule.TryTake(part, out int chunk)) Interlocked.Increment(ref takenBy[chunk]);
            })).ToArray();
            foreach (var thread in threads) thread.Start();
            foreach (var thread in threads) thread.Join();
            Assert.All(takenBy, count => Assert.Equal(1, count));
        }
    }
}
