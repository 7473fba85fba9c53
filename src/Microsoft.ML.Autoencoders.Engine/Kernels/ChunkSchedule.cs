namespace Microsoft.ML.Autoencoders.Engine.Kernels;

/// <summary>
/// Hands the chunks of one <see cref="WorkerPool"/> job to its parts so that a part on a slower core does less of the
/// work instead of making the others wait for it. Each part owns a run of consecutive chunks and takes them from the
/// front; a part whose run is empty takes the last chunk left in another part's run. On two equal cores every part
/// does its own run, in order, as a static split would; when one core is slowed (a virtual machine's core sharing its
/// physical core with another tenant, a hybrid CPU's efficiency core, an interrupt storm) the fast one finishes its run
/// and then eats the slow one's from the back.
/// </summary>
/// <remarks>
/// <para>
/// Why: on the 2-core machines this engine is measured on, a core ran its FMA loop at 0.66 of the other's for seconds at
/// a time while the other was unaffected (an FMA loop pinned to each core side by side, 2026-12-05), and a product split
/// in halves then waits for its slower half: the sparse first layer's halves took 109 and 151 µs.
/// </para>
/// <para>
/// Which part computes a chunk changes no result: the jobs that use a schedule compute each output element inside one
/// chunk, in an order fixed by the chunk alone. A run's two ends live in one 64-bit word, changed by compare-and-swap,
/// so the owner taking from the front and a thief taking from the back can never both take the last chunk.
/// </para>
/// </remarks>
internal sealed class ChunkSchedule
{
    /// <summary>
    /// Most chunks a part's run is cut into where chunks cost something each (a GEMM band repacks, a sparse chunk rereads
    /// B): a head and two tails.
    /// </summary>
    public const int MostChunksPerPart = 3;

    /// <summary>
    /// A tail's share of its part's work. On two cores, one at 0.66 of the other's speed, the fast one should do 60 % of
    /// the work, 10 % of the total more than its half, which is 20 % of the slow one's share: one or two tails of a fifth.
    /// </summary>
    public const double TailShare = 0.2;

    /// <summary>Longs between two parts' runs: 128 bytes, so two cores updating their own runs never share a cache line.</summary>
    private const int Stride = 16;

    private readonly long[] _runs;
    private int _parts;

    /// <summary>A schedule for up to <paramref name="maxParts"/> parts.</summary>
    public ChunkSchedule(int maxParts)
    {
        _runs = new long[(Math.Max(1, maxParts) + 1) * Stride];
    }

    /// <summary>The number of parts set by the last <see cref="Split"/> or <see cref="SetParts"/>.</summary>
    public int Parts => _parts;

    /// <summary>Gives part p the chunks [⌊chunks·p / parts⌋, ⌊chunks·(p + 1) / parts⌋). Call before the job starts.</summary>
    public void Split(int chunks, int parts)
    {
        SetParts(parts);
        for (int part = 0; part < parts; part++)
            SetRun(part, (int)((long)chunks * part / parts), (int)((long)chunks * (part + 1) / parts));
    }

    /// <summary>Sets the number of parts; each part's run must then be set with <see cref="SetRun"/>.</summary>
    public void SetParts(int parts)
    {
        if (parts < 1 || (parts + 1) * Stride > _runs.Length)
            throw new ArgumentOutOfRangeException(nameof(parts), parts, "More parts than this schedule was made for.");
        _parts = parts;
    }

    /// <summary>Gives part <paramref name="part"/> the chunks [<paramref name="start"/>, <paramref name="end"/>).</summary>
    public void SetRun(int part, int start, int end) => _runs[(part + 1) * Stride] = Pack(start, Math.Max(start, end));

    /// <summary>
    /// The next chunk for <paramref name="part"/>: the front of its own run, else the back of the first other run that has
    /// one left. False once every run is empty.
    /// </summary>
    public bool TryTake(int part, out int chunk)
    {
        if (TryTakeEnd(part, fromFront: true, out chunk)) return true;
        for (int step = 1; step < _parts; step++)
        {
            if (TryTakeEnd((part + step) % _parts, fromFront: false, out chunk)) return true;
        }

        return false;
    }

    /// <summary>Takes the first (<paramref name="fromFront"/>) or the last chunk left in <paramref name="part"/>'s run.</summary>
    private bool TryTakeEnd(int part, bool fromFront, out int chunk)
    {
        ref long run = ref _runs[(part + 1) * Stride];
        while (true)
        {
            long seen = Volatile.Read(ref run);
            var (front, back) = Unpack(seen);
            if (front >= back) break;
            long taken = fromFront ? Pack(front + 1, back) : Pack(front, back - 1);
            if (Interlocked.CompareExchange(ref run, taken, seen) == seen)
            {
                chunk = fromFront ? front : back - 1;
                return true;
            }
        }

        chunk = -1;
        return false;
    }

    private static long Pack(int front, int back) => ((long)front << 32) | (uint)back;

    private static (int Front, int Back) Unpack(long run) => ((int)(run >> 32), (int)run);
}
