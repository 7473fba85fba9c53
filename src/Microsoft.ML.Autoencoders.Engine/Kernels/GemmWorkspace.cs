using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Microsoft.ML.Autoencoders.Engine.Kernels;

/// <summary>
/// The packing buffers of one thread, kept for the thread's lifetime so a steady stream of GEMMs
/// allocates nothing. Buffers are pinned arrays (freed with the thread, unlike native memory) whose
/// start is rounded up to a 64-byte cache line so packed panels never straddle lines needlessly.
/// </summary>
internal sealed unsafe class GemmWorkspace
{
    private const int CacheLineFloats = 16;

    [ThreadStatic]
    private static GemmWorkspace? t_current;

    private float[]? _packedA;
    private float[]? _packedB;
    private float[]? _edgeTile;

    /// <summary>The calling thread's workspace.</summary>
    public static GemmWorkspace Current => t_current ??= new GemmWorkspace();

    /// <summary>A buffer of at least <paramref name="floats"/> for the packed A block.</summary>
    public float* PackedA(int floats) => Ensure(ref _packedA, floats);

    /// <summary>A buffer of at least <paramref name="floats"/> for the packed B block.</summary>
    public float* PackedB(int floats) => Ensure(ref _packedB, floats);

    /// <summary>A buffer of at least <paramref name="floats"/> where edge tiles are computed before a partial write-back.</summary>
    public float* EdgeTile(int floats) => Ensure(ref _edgeTile, floats);

    private static float* Ensure(ref float[]? buffer, int floats)
    {
        if (buffer is null || buffer.Length < floats + CacheLineFloats)
        {
            // Grow geometrically-ish: shapes in one model differ, and re-allocating on every larger shape would churn.
            int size = Math.Max(floats, buffer is null ? 0 : buffer.Length + buffer.Length / 2) + CacheLineFloats;
            buffer = GC.AllocateUninitializedArray<float>(size, pinned: true);
        }

        nint address = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(buffer));
        return (float*)((address + 63) & ~(nint)63);
    }
}
