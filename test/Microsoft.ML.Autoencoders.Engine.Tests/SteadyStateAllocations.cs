namespace Microsoft.ML.Autoencoders.Engine.Tests;

/// <summary>
/// Measures what a repeated piece of work allocates on the calling thread, in several windows. Work that allocates on
/// every call shows in every window; a one-time growth (the calling thread running a worker's share once because the
/// pool was busy with another test, and its packing workspace growing to fit) shows in one window only. So a test of
/// "the steady state allocates nothing" asks for the quietest window to be empty and the total to stay small.
/// </summary>
internal static class SteadyStateAllocations
{
    /// <summary>The bytes each of <paramref name="windows"/> windows of <paramref name="callsPerWindow"/> calls allocated.</summary>
    public static long[] Measure(Action<int> call, int callsPerWindow, int windows = 3)
    {
        long[] bytes = new long[windows];
        for (int w = 0; w < windows; w++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < callsPerWindow; i++) call(i);
            bytes[w] = GC.GetAllocatedBytesForCurrentThread() - before;
        }

        return bytes;
    }

    /// <summary>Fails unless one window allocated nothing and all of them together less than a one-time growth could.</summary>
    public static void AssertNone(long[] windows, string what)
    {
        string figures = string.Join(", ", windows);
        Assert.True(windows.Min() == 0, $"{what}: every window allocated ({figures} bytes).");
        Assert.True(windows.Sum() < 64 * 1024, $"{what}: more than a one-time workspace growth ({figures} bytes).");
    }
}
