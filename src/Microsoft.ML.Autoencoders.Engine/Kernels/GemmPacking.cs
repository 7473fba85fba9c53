using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Microsoft.ML.Autoencoders.Engine.Kernels;

/// <summary>
/// Copies a block of op(A) or op(B) into the lane-contiguous panels the micro-kernels stream through:
/// panel element (p, lane) sits at <c>dst[p·width + lane]</c>, lanes past the matrix edge are zero, so the
/// kernels never test for edges. Reading op(X) straight from X here is what makes the transposes free.
/// </summary>
internal static unsafe class GemmPacking
{
    /// <summary>
    /// Packs <paramref name="lanes"/> lanes by <paramref name="depth"/> steps into consecutive panels of
    /// <paramref name="width"/> lanes each (the last zero-padded); panel q starts at <c>dst + q·depth·width</c>.
    /// </summary>
    /// <param name="source">Element (lane 0, step 0) of the block.</param>
    /// <param name="ld">Leading dimension of the stored matrix.</param>
    /// <param name="lanesContiguous">
    /// True when lane l of step p is at <c>source[p·ld + l]</c> (B as stored, or Aᵀ); false when it is at
    /// <c>source[l·ld + p]</c> (A as stored, or Bᵀ), which needs a transpose while packing.
    /// </param>
    /// <param name="lanes">Lanes of a full panel: the micro-kernel's rows (for A) or columns (for B).</param>
    /// <param name="depth">Steps to pack (k of this block).</param>
    /// <param name="width">Rows (or columns) of the block; a last panel with fewer than <paramref name="lanes"/> is zero-padded.</param>
    /// <param name="dst">Where the panels go, one after another.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackBlock(float* source, nint ld, bool lanesContiguous, int lanes, int depth, int width, float* dst)
    {
        for (int first = 0; first < lanes; first += width)
        {
            int valid = Math.Min(width, lanes - first);
            float* panelSource = lanesContiguous ? source + first : source + first * ld;
            if (lanesContiguous) PackCopy(panelSource, ld, valid, depth, width, dst);
            else PackTransposed(panelSource, ld, valid, depth, width, dst);
            dst += (nint)depth * width;
        }
    }

    /// <summary>dst[p·width + l] = source[p·ld + l]: a row copy per step, zero-filled past <paramref name="valid"/>.</summary>
    // Not inlined into PackBlock, so marked like it: tier-0 packing would slow a process's first products.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackCopy(float* source, nint ld, int valid, int depth, int width, float* dst)
    {
        if (valid == width && width == 32 && Vector512.IsHardwareAccelerated)
        {
            for (int p = 0; p < depth; p++, source += ld, dst += 32)
            {
                Vector512.Load(source).Store(dst);
                Vector512.Load(source + 16).Store(dst + 16);
            }
        }
        else if (valid == width && width == 16 && Vector256.IsHardwareAccelerated)
        {
            for (int p = 0; p < depth; p++, source += ld, dst += 16)
            {
                Vector256.Load(source).Store(dst);
                Vector256.Load(source + 8).Store(dst + 8);
            }
        }
        else if (valid == width && width == 12 && Vector256.IsHardwareAccelerated)
        {
            for (int p = 0; p < depth; p++, source += ld, dst += 12)
            {
                Vector256.Load(source).Store(dst);
                Vector128.Load(source + 8).Store(dst + 8);
            }
        }
        else
        {
            for (int p = 0; p < depth; p++, source += ld, dst += width)
            {
                new ReadOnlySpan<float>(source, valid).CopyTo(new Span<float>(dst, valid));
                new Span<float>(dst + valid, width - valid).Clear();
            }
        }
    }

    /// <summary>
    /// dst[p·width + l] = source[l·ld + p]: transposes 8 lanes × 8 steps at a time in registers, so each
    /// source row is read with full-width loads rather than one float per cache line touch.
    /// </summary>
    // Not inlined into PackBlock, so marked like it: tier-0 packing would slow a process's first products.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackTransposed(float* source, nint ld, int valid, int depth, int width, float* dst)
    {
        int vectorDepth = Avx.IsSupported ? depth & ~7 : 0;
        for (int lane = 0; lane < width; lane += 8)
        {
            int chunkWidth = Math.Min(8, width - lane);
            int chunkValid = Math.Clamp(valid - lane, 0, chunkWidth);
            float* chunkSource = source + lane * ld;
            for (int p = 0; p < vectorDepth; p += 8)
            {
                Transpose8x8(chunkSource + p, ld, chunkValid, dst + p * width + lane, width, chunkWidth);
            }
        }

        // The depth tail (depth % 8 steps), or everything where AVX is missing.
        for (int p = vectorDepth; p < depth; p++)
        {
            float* row = dst + p * width;
            for (int lane = 0; lane < valid; lane++) row[lane] = source[lane * ld + p];
            for (int lane = valid; lane < width; lane++) row[lane] = 0;
        }
    }

    /// <summary>
    /// Loads <paramref name="rows"/> (≤ 8) source rows of 8 floats, zero for the missing ones, transposes
    /// the 8 × 8 block and writes <paramref name="columns"/> (≤ 8) floats of each transposed row.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(float* source, nint ld, int rows, float* dst, nint dstStride, int columns)
    {
        Debug.Assert(columns is > 0 and <= 8);
        Vector256<float> r0 = rows > 0 ? Vector256.Load(source) : default;
        Vector256<float> r1 = rows > 1 ? Vector256.Load(source + ld) : default;
        Vector256<float> r2 = rows > 2 ? Vector256.Load(source + 2 * ld) : default;
        Vector256<float> r3 = rows > 3 ? Vector256.Load(source + 3 * ld) : default;
        Vector256<float> r4 = rows > 4 ? Vector256.Load(source + 4 * ld) : default;
        Vector256<float> r5 = rows > 5 ? Vector256.Load(source + 5 * ld) : default;
        Vector256<float> r6 = rows > 6 ? Vector256.Load(source + 6 * ld) : default;
        Vector256<float> r7 = rows > 7 ? Vector256.Load(source + 7 * ld) : default;

        // Interleave pairs of rows, then pairs of pairs, then swap 128-bit halves: the classic 3-stage transpose.
        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
        Vector256<float> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5);
        Vector256<float> t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
        Vector256<float> s0 = Avx.Shuffle(t0, t2, 0x44), s1 = Avx.Shuffle(t0, t2, 0xEE);
        Vector256<float> s2 = Avx.Shuffle(t1, t3, 0x44), s3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> s4 = Avx.Shuffle(t4, t6, 0x44), s5 = Avx.Shuffle(t4, t6, 0xEE);
        Vector256<float> s6 = Avx.Shuffle(t5, t7, 0x44), s7 = Avx.Shuffle(t5, t7, 0xEE);

        Vector256<float> o0 = Avx.Permute2x128(s0, s4, 0x20), o1 = Avx.Permute2x128(s1, s5, 0x20);
        Vector256<float> o2 = Avx.Permute2x128(s2, s6, 0x20), o3 = Avx.Permute2x128(s3, s7, 0x20);
        Vector256<float> o4 = Avx.Permute2x128(s0, s4, 0x31), o5 = Avx.Permute2x128(s1, s5, 0x31);
        Vector256<float> o6 = Avx.Permute2x128(s2, s6, 0x31), o7 = Avx.Permute2x128(s3, s7, 0x31);
        if (columns == 8)
        {
            o0.Store(dst);
            o1.Store(dst + dstStride);
            o2.Store(dst + 2 * dstStride);
            o3.Store(dst + 3 * dstStride);
            o4.Store(dst + 4 * dstStride);
            o5.Store(dst + 5 * dstStride);
            o6.Store(dst + 6 * dstStride);
            o7.Store(dst + 7 * dstStride);
        }
        else
        {
            // A narrower last chunk (width 12 = 8 + 4, width 6): a full store would run into the next step's row.
            StorePrefix(o0, dst, columns);
            StorePrefix(o1, dst + dstStride, columns);
            StorePrefix(o2, dst + 2 * dstStride, columns);
            StorePrefix(o3, dst + 3 * dstStride, columns);
            StorePrefix(o4, dst + 4 * dstStride, columns);
            StorePrefix(o5, dst + 5 * dstStride, columns);
            StorePrefix(o6, dst + 6 * dstStride, columns);
            StorePrefix(o7, dst + 7 * dstStride, columns);
        }
    }

    /// <summary>Stores the first <paramref name="count"/> (&lt; 8) lanes of <paramref name="value"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StorePrefix(Vector256<float> value, float* dst, int count)
    {
        if (count == 4)
        {
            value.GetLower().Store(dst);
            return;
        }
        for (int i = 0; i < count; i++) dst[i] = value.GetElement(i);
    }
}
