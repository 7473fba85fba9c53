using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Microsoft.ML.Autoencoders.Engine.Hardware;

namespace Microsoft.ML.Autoencoders.Engine.Kernels;

/// <summary>
/// The direct convolution's 512-bit kernels, for cores with two full 512-bit FMA pipes (Zen 5 EPYC, Intel servers), where
/// a Vector512 FMA does twice the work of a Vector256 one in the same time. A 16-column chunk is one register here, so
/// with the same 16 accumulators a pass covers four output rows for four filters instead of two.
/// </summary>
/// <remarks>
/// The forward kernels add each output's products in the same order as the 256-bit kernels (channel, kernel row, kernel
/// column, one FMA chain), so forward outputs and input gradients have the same bits on either path; rows they do not
/// cover are left to the 256-bit kernels. The weight gradient's sums cannot keep their order: a 256-bit lane adds columns
/// j and j + 8 of a row into one chain where a 512-bit lane keeps them apart until the horizontal sum, so dW differs in
/// its last bits between the two paths. Which path runs is fixed by the CPU table (<see cref="PreferVector512"/>), never
/// by a timing, so every process on one machine computes the same bits, and the thread count does not enter the choice.
/// </remarks>
internal static unsafe partial class DirectConvolution
{
    /// <summary>Whether this machine can run the 512-bit kernels at all (AVX-512F, accelerated Vector512).</summary>
    public static bool Vector512Supported => Avx512F.IsSupported && Vector512.IsHardwareAccelerated;

    /// <summary>
    /// Whether layers use the 512-bit kernels by default: only where a core retires two 512-bit FMAs a cycle. On Zen 4 a
    /// 512-bit FMA is double-pumped over the 256-bit pipes and the 512-bit weight-gradient kernel measured slower.
    /// </summary>
    public static readonly bool PreferVector512 = Vector512Supported && CpuIdentity.Current.FmaBitsPerCycle >= 1024;

    /// <summary>Output rows per pass of <see cref="FourFiltersFourRows512"/>.</summary>
    private const int WideRows = 4;

    /// <summary>Output rows per pass of <see cref="OneFilterEightRows3x3x512"/>.</summary>
    private const int LoneFilterRows = 8;

    /// <summary>
    /// The rows of filters [f0, f0 + block) that the 512-bit kernels take, four (or eight for a
    /// lone 3×3 filter) at a time; returns the first row left for the 256-bit kernels. Rows of at most 8 columns go two
    /// to a register (<see cref="NarrowRows512"/>): one row to a 16-lane register would compute twice what it keeps.
    /// </summary>
    private static int CorrelateRows512(float* padded, int channels, int planeSize, int rowStride, float* weights, float* bias, int f0, int block,
        int filters, int filterStride, int kernelHeight, int kernelWidth, float* output, int outputHeight, int outputWidth, bool accumulate, bool relu)
    {
        int outputPlane = outputHeight * outputWidth, oy = 0;
        if (outputWidth <= NarrowColumns) return NarrowRows512(padded, channels, planeSize, rowStride, weights, bias, f0, block, filters, filterStride,
            kernelHeight, kernelWidth, output, outputHeight, outputWidth, accumulate, relu);
        bool fourFilters = block == FilterBlock, lone3x3 = !fourFilters && kernelHeight == 3 && kernelWidth == 3;
        if (!fourFilters && !lone3x3) return oy;
        int rows = fourFilters ? WideRows : LoneFilterRows;
        for (; oy < outputHeight; oy += rows)
        {
            // Two rows left over from fours (14 = 3·4 + 2) still take one pass of eight 512-bit accumulators, half the
            // FMAs of the 256-bit pass over the same rows; a lone row or a lone filter's last rows go to the 256-bit kernels.
            if (oy + rows > outputHeight)
            {
                if (!fourFilters || oy + 2 > outputHeight) break;
                rows = 2;
            }
            for (int ox = 0; ox < outputWidth; ox += ChunkColumns)
            {
                float* origin = padded + (nint)oy * rowStride + ox;
                int offset = oy * outputWidth + ox;
                int valid = Math.Min(ChunkColumns, outputWidth - ox);
                int room = outputWidth <= ChunkColumns ? outputPlane - offset : valid;
                var store = new ChunkStore(outputPlane, outputWidth, valid, room, bias == null ? null : bias + f0, accumulate, relu);
                float* target = output + (nint)f0 * outputPlane + offset;
                float* w = weights + (nint)f0 * filterStride;
                if (rows == 2) FourFiltersTwoRows512(origin, channels, planeSize, rowStride, w, filterStride, kernelHeight, kernelWidth, target, store);
                else if (fourFilters) FourFiltersFourRows512(origin, channels, planeSize, rowStride, w, filterStride, kernelHeight, kernelWidth, target, store);
                else for (int f = 0; f < block; f++) OneFilterEightRows3x3x512(origin, channels, planeSize, rowStride, w + (nint)f * filterStride, target, f, store);
            }
        }
        return oy;
    }

    /// <summary>
    /// Rows of at most 8 columns for eight filters at a time, four rows a pass (<see cref="EightFiltersFourNarrowRows512"/>):
    /// the 7×7, 4×4 and 8×8 layers of the Keras-blog network, whose 256-bit pass does half the work per FMA. The caller
    /// steps four filters at a time, so for the second four of a pair this only reports the rows already done. Returns
    /// the first row left to the 256-bit kernels (0 where there are not eight filters).
    /// </summary>
    private static int NarrowRows512(float* padded, int channels, int planeSize, int rowStride, float* weights, float* bias, int f0, int block,
        int filters, int filterStride, int kernelHeight, int kernelWidth, float* output, int outputHeight, int outputWidth, bool accumulate, bool relu)
    {
        if (block != FilterBlock) return 0;
        int pairStart = f0 - f0 % (2 * FilterBlock);
        if (pairStart + 2 * FilterBlock > filters) return 0;
        int rows = outputHeight / WideRows * WideRows;
        if (f0 != pairStart) return rows;
        int outputPlane = outputHeight * outputWidth;
        for (int oy = 0; oy < rows; oy += WideRows)
        {
            int offset = oy * outputWidth;
            var store = new ChunkStore(outputPlane, outputWidth, outputWidth, outputPlane - offset, bias == null ? null : bias + f0, accumulate, relu);
            EightFiltersFourNarrowRows512(padded + (nint)oy * rowStride, channels, planeSize, rowStride, weights + (nint)f0 * filterStride, filterStride,
                kernelHeight, kernelWidth, output + (nint)f0 * outputPlane + offset, store);
        }
        return rows;
    }

    /// <summary>
    /// Four output rows of at most 8 columns for eight filters: two rows to a register (rows 0 and 1 in one, 2 and 3 in
    /// the other), 16 accumulators. Each tap loads the four rows once and broadcasts eight weights for sixteen 512-bit
    /// FMAs, where <see cref="FourFiltersFourNarrowRows"/> needs two passes of sixteen 256-bit ones. Each lane's FMA chain
    /// runs over channel, kernel row and column as there, so the outputs have its bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void EightFiltersFourNarrowRows512(float* origin, int channels, int planeSize, int rowStride, float* weights, int filterStride,
        int kernelHeight, int kernelWidth, float* target, in ChunkStore store)
    {
        Vector512<float> a01 = default, a23 = default, b01 = default, b23 = default, c01 = default, c23 = default, d01 = default, d23 = default;
        Vector512<float> e01 = default, e23 = default, g01 = default, g23 = default, h01 = default, h23 = default, i01 = default, i23 = default;
        float* w = weights;
        for (int c = 0; c < channels; c++)
        {
            for (int ky = 0; ky < kernelHeight; ky++)
            {
                float* row = origin + (nint)c * planeSize + (nint)ky * rowStride;
                for (int kx = 0; kx < kernelWidth; kx++, w++)
                {
                    var x01 = Vector512.Create(Vector256.Load(row + kx), Vector256.Load(row + rowStride + kx));
                    var x23 = Vector512.Create(Vector256.Load(row + 2 * rowStride + kx), Vector256.Load(row + 3 * rowStride + kx));
                    var weight = Vector512.Create(w[0]);
                    a01 = Vector512.FusedMultiplyAdd(weight, x01, a01); a23 = Vector512.FusedMultiplyAdd(weight, x23, a23);
                    weight = Vector512.Create(w[filterStride]);
                    b01 = Vector512.FusedMultiplyAdd(weight, x01, b01); b23 = Vector512.FusedMultiplyAdd(weight, x23, b23);
                    weight = Vector512.Create(w[2 * filterStride]);
                    c01 = Vector512.FusedMultiplyAdd(weight, x01, c01); c23 = Vector512.FusedMultiplyAdd(weight, x23, c23);
                    weight = Vector512.Create(w[3 * filterStride]);
                    d01 = Vector512.FusedMultiplyAdd(weight, x01, d01); d23 = Vector512.FusedMultiplyAdd(weight, x23, d23);
                    weight = Vector512.Create(w[4 * filterStride]);
                    e01 = Vector512.FusedMultiplyAdd(weight, x01, e01); e23 = Vector512.FusedMultiplyAdd(weight, x23, e23);
                    weight = Vector512.Create(w[5 * filterStride]);
                    g01 = Vector512.FusedMultiplyAdd(weight, x01, g01); g23 = Vector512.FusedMultiplyAdd(weight, x23, g23);
                    weight = Vector512.Create(w[6 * filterStride]);
                    h01 = Vector512.FusedMultiplyAdd(weight, x01, h01); h23 = Vector512.FusedMultiplyAdd(weight, x23, h23);
                    weight = Vector512.Create(w[7 * filterStride]);
                    i01 = Vector512.FusedMultiplyAdd(weight, x01, i01); i23 = Vector512.FusedMultiplyAdd(weight, x23, i23);
                }
            }
        }
        // Row by row within each filter, so a whole-vector store that spills into the next row is overwritten after it.
        PutFourNarrowRows(store, target, 0, a01, a23); PutFourNarrowRows(store, target, 1, b01, b23);
        PutFourNarrowRows(store, target, 2, c01, c23); PutFourNarrowRows(store, target, 3, d01, d23);
        PutFourNarrowRows(store, target, 4, e01, e23); PutFourNarrowRows(store, target, 5, g01, g23);
        PutFourNarrowRows(store, target, 6, h01, h23); PutFourNarrowRows(store, target, 7, i01, i23);
    }

    /// <summary>Stores filter <paramref name="filter"/>'s four narrow rows held two to a register, in row order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PutFourNarrowRows(in ChunkStore store, float* target, int filter, Vector512<float> rows01, Vector512<float> rows23)
    {
        store.PutNarrow(target, filter, 0, rows01.GetLower());
        store.PutNarrow(target, filter, 1, rows01.GetUpper());
        store.PutNarrow(target, filter, 2, rows23.GetLower());
        store.PutNarrow(target, filter, 3, rows23.GetUpper());
    }

    /// <summary>
    /// Four output rows of a 16-column chunk for four filters: 16 one-register accumulators. Each tap loads four rows and
    /// broadcasts four weights for sixteen FMAs (the 256-bit <see cref="FourFiltersTwoRows"/> needs the same eight loads
    /// for half the columns). Each output's FMA chain runs over channel, kernel row and column as there.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void FourFiltersFourRows512(float* origin, int channels, int planeSize, int rowStride, float* weights, int filterStride,
        int kernelHeight, int kernelWidth, float* target, in ChunkStore store)
    {
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, b0 = default, b1 = default, b2 = default, b3 = default;
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default, d0 = default, d1 = default, d2 = default, d3 = default;
        float* w = weights;
        for (int c = 0; c < channels; c++)
        {
            for (int ky = 0; ky < kernelHeight; ky++)
            {
                float* row = origin + (nint)c * planeSize + (nint)ky * rowStride;
                for (int kx = 0; kx < kernelWidth; kx++, w++)
                {
                    var x0 = Vector512.Load(row + kx);
                    var x1 = Vector512.Load(row + rowStride + kx);
                    var x2 = Vector512.Load(row + 2 * rowStride + kx);
                    var x3 = Vector512.Load(row + 3 * rowStride + kx);
                    var wa = Vector512.Create(w[0]);
                    a0 = Vector512.FusedMultiplyAdd(wa, x0, a0);
                    a1 = Vector512.FusedMultiplyAdd(wa, x1, a1);
                    a2 = Vector512.FusedMultiplyAdd(wa, x2, a2);
                    a3 = Vector512.FusedMultiplyAdd(wa, x3, a3);
                    var wb = Vector512.Create(w[filterStride]);
                    b0 = Vector512.FusedMultiplyAdd(wb, x0, b0);
                    b1 = Vector512.FusedMultiplyAdd(wb, x1, b1);
                    b2 = Vector512.FusedMultiplyAdd(wb, x2, b2);
                    b3 = Vector512.FusedMultiplyAdd(wb, x3, b3);
                    var wc = Vector512.Create(w[2 * filterStride]);
                    c0 = Vector512.FusedMultiplyAdd(wc, x0, c0);
                    c1 = Vector512.FusedMultiplyAdd(wc, x1, c1);
                    c2 = Vector512.FusedMultiplyAdd(wc, x2, c2);
                    c3 = Vector512.FusedMultiplyAdd(wc, x3, c3);
                    var wd = Vector512.Create(w[3 * filterStride]);
                    d0 = Vector512.FusedMultiplyAdd(wd, x0, d0);
                    d1 = Vector512.FusedMultiplyAdd(wd, x1, d1);
                    d2 = Vector512.FusedMultiplyAdd(wd, x2, d2);
                    d3 = Vector512.FusedMultiplyAdd(wd, x3, d3);
                }
            }
        }
        // Row by row within each filter, so a whole-chunk store that spills into the next row is overwritten after it.
        store.Put(target, 0, 0, a0); store.Put(target, 0, 1, a1); store.Put(target, 0, 2, a2); store.Put(target, 0, 3, a3);
        store.Put(target, 1, 0, b0); store.Put(target, 1, 1, b1); store.Put(target, 1, 2, b2); store.Put(target, 1, 3, b3);
        store.Put(target, 2, 0, c0); store.Put(target, 2, 1, c1); store.Put(target, 2, 2, c2); store.Put(target, 2, 3, c3);
        store.Put(target, 3, 0, d0); store.Put(target, 3, 1, d1); store.Put(target, 3, 2, d2); store.Put(target, 3, 3, d3);
    }

    /// <summary>Two output rows of a 16-column chunk for four filters: the rows <see cref="FourFiltersFourRows512"/> leaves.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void FourFiltersTwoRows512(float* origin, int channels, int planeSize, int rowStride, float* weights, int filterStride,
        int kernelHeight, int kernelWidth, float* target, in ChunkStore store)
    {
        Vector512<float> a0 = default, a1 = default, b0 = default, b1 = default, c0 = default, c1 = default, d0 = default, d1 = default;
        float* w = weights;
        for (int c = 0; c < channels; c++)
        {
            for (int ky = 0; ky < kernelHeight; ky++)
            {
                float* row = origin + (nint)c * planeSize + (nint)ky * rowStride;
                for (int kx = 0; kx < kernelWidth; kx++, w++)
                {
                    var x0 = Vector512.Load(row + kx);
                    var x1 = Vector512.Load(row + rowStride + kx);
                    var wa = Vector512.Create(w[0]);
                    a0 = Vector512.FusedMultiplyAdd(wa, x0, a0);
                    a1 = Vector512.FusedMultiplyAdd(wa, x1, a1);
                    var wb = Vector512.Create(w[filterStride]);
                    b0 = Vector512.FusedMultiplyAdd(wb, x0, b0);
                    b1 = Vector512.FusedMultiplyAdd(wb, x1, b1);
                    var wc = Vector512.Create(w[2 * filterStride]);
                    c0 = Vector512.FusedMultiplyAdd(wc, x0, c0);
                    c1 = Vector512.FusedMultiplyAdd(wc, x1, c1);
                    var wd = Vector512.Create(w[3 * filterStride]);
                    d0 = Vector512.FusedMultiplyAdd(wd, x0, d0);
                    d1 = Vector512.FusedMultiplyAdd(wd, x1, d1);
                }
            }
        }
        store.Put(target, 0, 0, a0); store.Put(target, 0, 1, a1);
        store.Put(target, 1, 0, b0); store.Put(target, 1, 1, b1);
        store.Put(target, 2, 0, c0); store.Put(target, 2, 1, c1);
        store.Put(target, 3, 0, d0); store.Put(target, 3, 1, d1);
    }

    /// <summary>
    /// Eight output rows of a 16-column chunk for one filter of a 3×3 kernel (a decoder's last layer, 16 channels into
    /// 1): eight accumulators, enough independent chains for two pipes, where four rows of one register each would wait
    /// on the FMA latency. Each of the ten input rows is loaded once per column shift and used for every output row it
    /// reaches, in kernel-row order, so each output's chain is the one of <see cref="OneFilterFourRows3x3"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void OneFilterEightRows3x3x512(float* origin, int channels, int planeSize, int rowStride, float* weights, float* target, int filter,
        in ChunkStore store)
    {
        Vector512<float> r0 = default, r1 = default, r2 = default, r3 = default, r4 = default, r5 = default, r6 = default, r7 = default;
        float* w = weights;
        for (int c = 0; c < channels; c++, w += 9)
        {
            float* plane = origin + (nint)c * planeSize;
            Vector512<float> w00 = Vector512.Create(w[0]), w01 = Vector512.Create(w[1]), w02 = Vector512.Create(w[2]);
            Vector512<float> w10 = Vector512.Create(w[3]), w11 = Vector512.Create(w[4]), w12 = Vector512.Create(w[5]);
            Vector512<float> w20 = Vector512.Create(w[6]), w21 = Vector512.Create(w[7]), w22 = Vector512.Create(w[8]);
            Vector512<float> x;
            // Input row i, column shift kx, reaches output row i − ky with weight (ky, kx), for the ky that land in 0..7.
            x = Vector512.Load(plane + 0 * (nint)rowStride + 0);
            r0 = Vector512.FusedMultiplyAdd(w00, x, r0);
            x = Vector512.Load(plane + 0 * (nint)rowStride + 1);
            r0 = Vector512.FusedMultiplyAdd(w01, x, r0);
            x = Vector512.Load(plane + 0 * (nint)rowStride + 2);
            r0 = Vector512.FusedMultiplyAdd(w02, x, r0);
            x = Vector512.Load(plane + 1 * (nint)rowStride + 0);
            r0 = Vector512.FusedMultiplyAdd(w10, x, r0); r1 = Vector512.FusedMultiplyAdd(w00, x, r1);
            x = Vector512.Load(plane + 1 * (nint)rowStride + 1);
            r0 = Vector512.FusedMultiplyAdd(w11, x, r0); r1 = Vector512.FusedMultiplyAdd(w01, x, r1);
            x = Vector512.Load(plane + 1 * (nint)rowStride + 2);
            r0 = Vector512.FusedMultiplyAdd(w12, x, r0); r1 = Vector512.FusedMultiplyAdd(w02, x, r1);
            x = Vector512.Load(plane + 2 * (nint)rowStride + 0);
            r0 = Vector512.FusedMultiplyAdd(w20, x, r0); r1 = Vector512.FusedMultiplyAdd(w10, x, r1); r2 = Vector512.FusedMultiplyAdd(w00, x, r2);
            x = Vector512.Load(plane + 2 * (nint)rowStride + 1);
            r0 = Vector512.FusedMultiplyAdd(w21, x, r0); r1 = Vector512.FusedMultiplyAdd(w11, x, r1); r2 = Vector512.FusedMultiplyAdd(w01, x, r2);
            x = Vector512.Load(plane + 2 * (nint)rowStride + 2);
            r0 = Vector512.FusedMultiplyAdd(w22, x, r0); r1 = Vector512.FusedMultiplyAdd(w12, x, r1); r2 = Vector512.FusedMultiplyAdd(w02, x, r2);
            x = Vector512.Load(plane + 3 * (nint)rowStride + 0);
            r1 = Vector512.FusedMultiplyAdd(w20, x, r1); r2 = Vector512.FusedMultiplyAdd(w10, x, r2); r3 = Vector512.FusedMultiplyAdd(w00, x, r3);
            x = Vector512.Load(plane + 3 * (nint)rowStride + 1);
            r1 = Vector512.FusedMultiplyAdd(w21, x, r1); r2 = Vector512.FusedMultiplyAdd(w11, x, r2); r3 = Vector512.FusedMultiplyAdd(w01, x, r3);
            x = Vector512.Load(plane + 3 * (nint)rowStride + 2);
            r1 = Vector512.FusedMultiplyAdd(w22, x, r1); r2 = Vector512.FusedMultiplyAdd(w12, x, r2); r3 = Vector512.FusedMultiplyAdd(w02, x, r3);
            x = Vector512.Load(plane + 4 * (nint)rowStride + 0);
            r2 = Vector512.FusedMultiplyAdd(w20, x, r2); r3 = Vector512.FusedMultiplyAdd(w10, x, r3); r4 = Vector512.FusedMultiplyAdd(w00, x, r4);
            x = Vector512.Load(plane + 4 * (nint)rowStride + 1);
            r2 = Vector512.FusedMultiplyAdd(w21, x, r2); r3 = Vector512.FusedMultiplyAdd(w11, x, r3); r4 = Vector512.FusedMultiplyAdd(w01, x, r4);
            x = Vector512.Load(plane + 4 * (nint)rowStride + 2);
            r2 = Vector512.FusedMultiplyAdd(w22, x, r2); r3 = Vector512.FusedMultiplyAdd(w12, x, r3); r4 = Vector512.FusedMultiplyAdd(w02, x, r4);
            x = Vector512.Load(plane + 5 * (nint)rowStride + 0);
            r3 = Vector512.FusedMultiplyAdd(w20, x, r3); r4 = Vector512.FusedMultiplyAdd(w10, x, r4); r5 = Vector512.FusedMultiplyAdd(w00, x, r5);
            x = Vector512.Load(plane + 5 * (nint)rowStride + 1);
            r3 = Vector512.FusedMultiplyAdd(w21, x, r3); r4 = Vector512.FusedMultiplyAdd(w11, x, r4); r5 = Vector512.FusedMultiplyAdd(w01, x, r5);
            x = Vector512.Load(plane + 5 * (nint)rowStride + 2);
            r3 = Vector512.FusedMultiplyAdd(w22, x, r3); r4 = Vector512.FusedMultiplyAdd(w12, x, r4); r5 = Vector512.FusedMultiplyAdd(w02, x, r5);
            x = Vector512.Load(plane + 6 * (nint)rowStride + 0);
            r4 = Vector512.FusedMultiplyAdd(w20, x, r4); r5 = Vector512.FusedMultiplyAdd(w10, x, r5); r6 = Vector512.FusedMultiplyAdd(w00, x, r6);
            x = Vector512.Load(plane + 6 * (nint)rowStride + 1);
            r4 = Vector512.FusedMultiplyAdd(w21, x, r4); r5 = Vector512.FusedMultiplyAdd(w11, x, r5); r6 = Vector512.FusedMultiplyAdd(w01, x, r6);
            x = Vector512.Load(plane + 6 * (nint)rowStride + 2);
            r4 = Vector512.FusedMultiplyAdd(w22, x, r4); r5 = Vector512.FusedMultiplyAdd(w12, x, r5); r6 = Vector512.FusedMultiplyAdd(w02, x, r6);
            x = Vector512.Load(plane + 7 * (nint)rowStride + 0);
            r5 = Vector512.FusedMultiplyAdd(w20, x, r5); r6 = Vector512.FusedMultiplyAdd(w10, x, r6); r7 = Vector512.FusedMultiplyAdd(w00, x, r7);
            x = Vector512.Load(plane + 7 * (nint)rowStride + 1);
            r5 = Vector512.FusedMultiplyAdd(w21, x, r5); r6 = Vector512.FusedMultiplyAdd(w11, x, r6); r7 = Vector512.FusedMultiplyAdd(w01, x, r7);
            x = Vector512.Load(plane + 7 * (nint)rowStride + 2);
            r5 = Vector512.FusedMultiplyAdd(w22, x, r5); r6 = Vector512.FusedMultiplyAdd(w12, x, r6); r7 = Vector512.FusedMultiplyAdd(w02, x, r7);
            x = Vector512.Load(plane + 8 * (nint)rowStride + 0);
            r6 = Vector512.FusedMultiplyAdd(w20, x, r6); r7 = Vector512.FusedMultiplyAdd(w10, x, r7);
            x = Vector512.Load(plane + 8 * (nint)rowStride + 1);
            r6 = Vector512.FusedMultiplyAdd(w21, x, r6); r7 = Vector512.FusedMultiplyAdd(w11, x, r7);
            x = Vector512.Load(plane + 8 * (nint)rowStride + 2);
            r6 = Vector512.FusedMultiplyAdd(w22, x, r6); r7 = Vector512.FusedMultiplyAdd(w12, x, r7);
            x = Vector512.Load(plane + 9 * (nint)rowStride + 0);
            r7 = Vector512.FusedMultiplyAdd(w20, x, r7);
            x = Vector512.Load(plane + 9 * (nint)rowStride + 1);
            r7 = Vector512.FusedMultiplyAdd(w21, x, r7);
            x = Vector512.Load(plane + 9 * (nint)rowStride + 2);
            r7 = Vector512.FusedMultiplyAdd(w22, x, r7);
        }
        store.Put(target, filter, 0, r0); store.Put(target, filter, 1, r1); store.Put(target, filter, 2, r2); store.Put(target, filter, 3, r3);
        store.Put(target, filter, 4, r4); store.Put(target, filter, 5, r5); store.Put(target, filter, 6, r6); store.Put(target, filter, 7, r7);
    }

    /// <summary>Row registers a weight-gradient pass should cover before its horizontal sums: a 28×28 plane's 28 rows of two.</summary>
    private const int WeightGradientPassRegisters = 56;

    /// <summary>Most images a weight-gradient pass runs over (<see cref="WeightGradientImagesPerPass"/>).</summary>
    private const int MaxWeightGradientImages = 4;

    /// <summary>
    /// How many images a caller of <see cref="AccumulateWeightGradient"/> should hand it at once for planes of
    /// <paramref name="outputHeight"/>×<paramref name="outputWidth"/>: enough that a 512-bit kernel-row pass covers about
    /// <see cref="WeightGradientPassRegisters"/> row registers before its horizontal sums, at most four. A 14×14 plane
    /// takes four (its passes were 14 registers, and the sums a quarter of the time); a 28×28 plane one, since its
    /// passes are long already and a group of its planes would not stay in L1 across a pass's three kernel rows.
    /// </summary>
    public static int WeightGradientImagesPerPass(int outputHeight, int outputWidth)
    {
        int registers = outputHeight * (RoundUp(outputWidth, ChunkColumns) / ChunkColumns);
        return Math.Clamp((WeightGradientPassRegisters + registers - 1) / registers, 1, MaxWeightGradientImages);
    }

    /// <summary>
    /// The 512-bit weight gradient of a 3-wide kernel row for rows wider than 8 (16 columns a register; rows of at most 8
    /// stay with the 256-bit kernels, which would otherwise add a register of zeros). Returns false where it does not
    /// apply. dy's rows must be followed by zeros up to their width rounded up to 16. Each pass runs over all
    /// <paramref name="images"/> images (<paramref name="imageStride"/> and <paramref name="gradientImageStride"/> floats
    /// apart) before its horizontal sums.
    /// </summary>
    /// <remarks>
    /// Not the 256-bit kernels' bits: their lanes each sum columns j and j + 8 of every row in one chain, these keep them
    /// apart until <see cref="AddKernelRowSums"/>. The sums of a group of images are one fixed sequence of operations, and
    /// the groups and the threads' parts are summed in a fixed order, so the result depends on how the batch is cut into
    /// parts and groups, never on timing.
    /// Where the rows are one register (14 rows of the 16→8 and 8→16 layers: a few hundred FMAs a pass), the 18 or 24
    /// horizontal sums ending a pass cost about a quarter of it; over a group of images each pass ends with them once.
    /// </remarks>
    private static bool AccumulateWeightGradient512(float* padded, int channels, int planeSize, int rowStride, float* gradientRows, int gradientStride,
        int gradientPlane, int f0, int block, int filters, int kernelHeight, int kernelWidth, int outputWidth, int outputHeight, int filterStride, float* weightGradient,
        int images, int imageStride, int gradientImageStride)
    {
        if (kernelWidth != 3 || outputWidth <= NarrowColumns) return false;
        int taps = kernelHeight * kernelWidth, vectors = RoundUp(outputWidth, ChunkColumns) / ChunkColumns;
        float* g0 = gradientRows + (nint)f0 * gradientPlane;
        if (block == FilterBlock && kernelHeight == 3)
        {
            // Whole 3×3 kernels, two filters a pass (WholeKernelTwoFilters512); the kernel-row passes below take other heights.
            for (int c = 0; c < channels; c++)
            for (int f = 0; f < block; f += 2)
                WholeKernelTwoFilters512(padded + (nint)c * planeSize, rowStride, g0 + (nint)f * gradientPlane, gradientStride, gradientPlane, outputHeight,
                    vectors, images, imageStride, gradientImageStride, weightGradient + (nint)(f0 + f) * filterStride + c * taps, filterStride);
            return true;
        }
        if (block == FilterBlock)
        {
            // Eight filters a pass where there are eight: the image row's three loads serve 24 FMAs instead of 12. The
            // caller steps four filters at a time, so the second four of a pair are already done.
            if (f0 % (2 * FilterBlock) == FilterBlock) return true;
            if (f0 + 2 * FilterBlock <= filters)
            {
                for (int c = 0; c < channels; c++)
                for (int ky = 0; ky < kernelHeight; ky++)
                    KernelRowEightFilters512(padded + (nint)c * planeSize + (nint)ky * rowStride, rowStride, g0, gradientStride, gradientPlane, outputHeight,
                        vectors, images, imageStride, gradientImageStride, weightGradient + (nint)f0 * filterStride + (c * kernelHeight + ky) * kernelWidth, filterStride);
                return true;
            }
            for (int c = 0; c < channels; c++)
            for (int ky = 0; ky < kernelHeight; ky++)
                KernelRowFourFilters512(padded + (nint)c * planeSize + (nint)ky * rowStride, rowStride, g0, gradientStride, gradientPlane, outputHeight, vectors,
                    images, imageStride, gradientImageStride, weightGradient + (nint)f0 * filterStride + (c * kernelHeight + ky) * kernelWidth, filterStride);
            return true;
        }
        if (kernelHeight == 3 && channels >= 2)
        {
            // A 3×3 kernel whole in one pass, two channels at a time (WholeKernelTwoChannels512): not load-bound like the kernel rows.
            for (int f = 0; f < block; f++)
            {
                float* gf = g0 + (nint)f * gradientPlane;
                float* dWf = weightGradient + (nint)(f0 + f) * filterStride;
                int c = 0;
                for (; c + 2 <= channels; c += 2)
                    WholeKernelTwoChannels512(padded + (nint)c * planeSize, planeSize, rowStride, gf, gradientStride, outputHeight, vectors, images, imageStride,
                        gradientImageStride, dWf + c * taps);
                for (; c < channels; c++)
                for (int n = 0; n < images; n++)
                    WeightGradientTaps(padded + (nint)n * imageStride + (nint)c * planeSize, rowStride, gf + (nint)n * gradientImageStride, gradientStride,
                        kernelHeight, kernelWidth, outputWidth, outputHeight, dWf + c * taps);
            }
            return true;
        }
        if (channels < 4) return false;
        for (int f = 0; f < block; f++)
        {
            float* gf = g0 + (nint)f * gradientPlane;
            float* dWf = weightGradient + (nint)(f0 + f) * filterStride;
            int c = 0;
            for (; c + 4 <= channels; c += 4)
            for (int ky = 0; ky < kernelHeight; ky++)
                KernelRowFourChannels512(padded + (nint)c * planeSize + (nint)ky * rowStride, planeSize, rowStride, gf, gradientStride, outputHeight, vectors,
                    images, imageStride, gradientImageStride, dWf + (c * kernelHeight + ky) * kernelWidth, taps);
            for (; c < channels; c++)
            for (int n = 0; n < images; n++)
                WeightGradientTaps(padded + (nint)n * imageStride + (nint)c * planeSize, rowStride, gf + (nint)n * gradientImageStride, gradientStride,
                    kernelHeight, kernelWidth, outputWidth, outputHeight, dWf + c * taps);
        }
        return true;
    }

    /// <summary>The 512-bit <see cref="KernelRowFourChannels"/>: 12 accumulators of 16 columns, over each image in turn.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void KernelRowFourChannels512(float* origin, int planeSize, int rowStride, float* gradient, int gradientStride, int outputHeight, int vectors,
        int images, int imageStride, int gradientImageStride, float* dW, int channelStride)
    {
        Vector512<float> a0 = default, a1 = default, a2 = default, b0 = default, b1 = default, b2 = default;
        Vector512<float> c0 = default, c1 = default, c2 = default, d0 = default, d1 = default, d2 = default;
        for (int n = 0; n < images; n++)
        for (int oy = 0; oy < outputHeight; oy++)
        {
            float* row = origin + (nint)n * imageStride + (nint)oy * rowStride;
            float* gy = gradient + (nint)n * gradientImageStride + (nint)oy * gradientStride;
            for (int v = 0; v < vectors; v++)
            {
                var g = Vector512.Load(gy + v * 16);
                float* x = row + v * 16;
                a0 = Vector512.FusedMultiplyAdd(g, Vector512.Load(x), a0);
                a1 = Vector512.FusedMultiplyAdd(g, Vector512.Load(x + 1), a1);
                a2 = Vector512.FusedMultiplyAdd(g, Vector512.Load(x + 2), a2);
                x += planeSize;
                b0 = Vector512.FusedMultiplyAdd(g, Vector512.Load(x), b0);
                b1 = Vector512.FusedMultiplyAdd(g, Vector512.Load(x + 1), b1);
                b2 = Vector512.FusedMultiplyAdd(g, Vector512.Load(x + 2), b2);
                x += planeSize;
                c0 = Vector512.FusedMultiplyAdd(g, Vector512.Load(x), c0);
                c1 = Vector512.FusedMultiplyAdd(g, Vector512.Load(x + 1), c1);
                c2 = Vector512.FusedMultiplyAdd(g, Vector512.Load(x + 2), c2);
                x += planeSize;
                d0 = Vector512.FusedMultiplyAdd(g, Vector512.Load(x), d0);
                d1 = Vector512.FusedMultiplyAdd(g, Vector512.Load(x + 1), d1);
                d2 = Vector512.FusedMultiplyAdd(g, Vector512.Load(x + 2), d2);
            }
        }
        AddKernelRowSums(dW, channelStride, a0, a1, a2, b0, b1, b2, c0, c1, c2, d0, d1, d2);
    }

    /// <summary>Eight filters' 3-wide kernel row in one pass over each image in turn: 24 accumulators of 16 columns, three image loads per 24 FMAs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void KernelRowEightFilters512(float* origin, int rowStride, float* g0, int gradientStride, int gradientPlane, int outputHeight, int vectors,
        int images, int imageStride, int gradientImageStride, float* dW, int filterStride)
    {
        Vector512<float> a0 = default, a1 = default, a2 = default, b0 = default, b1 = default, b2 = default;
        Vector512<float> c0 = default, c1 = default, c2 = default, d0 = default, d1 = default, d2 = default;
        Vector512<float> e0 = default, e1 = default, e2 = default, h0 = default, h1 = default, h2 = default;
        Vector512<float> i0 = default, i1 = default, i2 = default, j0 = default, j1 = default, j2 = default;
        for (int n = 0; n < images; n++)
        for (int oy = 0; oy < outputHeight; oy++)
        {
            float* row = origin + (nint)n * imageStride + (nint)oy * rowStride;
            float* gy = g0 + (nint)n * gradientImageStride + (nint)oy * gradientStride;
            for (int v = 0; v < vectors; v++)
            {
                var x0 = Vector512.Load(row + v * 16);
                var x1 = Vector512.Load(row + v * 16 + 1);
                var x2 = Vector512.Load(row + v * 16 + 2);
                float* gv = gy + v * 16;
                var g = Vector512.Load(gv);
                a0 = Vector512.FusedMultiplyAdd(g, x0, a0); a1 = Vector512.FusedMultiplyAdd(g, x1, a1); a2 = Vector512.FusedMultiplyAdd(g, x2, a2);
                g = Vector512.Load(gv + gradientPlane);
                b0 = Vector512.FusedMultiplyAdd(g, x0, b0); b1 = Vector512.FusedMultiplyAdd(g, x1, b1); b2 = Vector512.FusedMultiplyAdd(g, x2, b2);
                g = Vector512.Load(gv + 2 * gradientPlane);
                c0 = Vector512.FusedMultiplyAdd(g, x0, c0); c1 = Vector512.FusedMultiplyAdd(g, x1, c1); c2 = Vector512.FusedMultiplyAdd(g, x2, c2);
                g = Vector512.Load(gv + 3 * gradientPlane);
                d0 = Vector512.FusedMultiplyAdd(g, x0, d0); d1 = Vector512.FusedMultiplyAdd(g, x1, d1); d2 = Vector512.FusedMultiplyAdd(g, x2, d2);
                g = Vector512.Load(gv + 4 * gradientPlane);
                e0 = Vector512.FusedMultiplyAdd(g, x0, e0); e1 = Vector512.FusedMultiplyAdd(g, x1, e1); e2 = Vector512.FusedMultiplyAdd(g, x2, e2);
                g = Vector512.Load(gv + 5 * gradientPlane);
                h0 = Vector512.FusedMultiplyAdd(g, x0, h0); h1 = Vector512.FusedMultiplyAdd(g, x1, h1); h2 = Vector512.FusedMultiplyAdd(g, x2, h2);
                g = Vector512.Load(gv + 6 * gradientPlane);
                i0 = Vector512.FusedMultiplyAdd(g, x0, i0); i1 = Vector512.FusedMultiplyAdd(g, x1, i1); i2 = Vector512.FusedMultiplyAdd(g, x2, i2);
                g = Vector512.Load(gv + 7 * gradientPlane);
                j0 = Vector512.FusedMultiplyAdd(g, x0, j0); j1 = Vector512.FusedMultiplyAdd(g, x1, j1); j2 = Vector512.FusedMultiplyAdd(g, x2, j2);
            }
        }
        AddKernelRowSums(dW, filterStride, a0, a1, a2, b0, b1, b2, c0, c1, c2, d0, d1, d2);
        AddKernelRowSums(dW + 4 * (nint)filterStride, filterStride, e0, e1, e2, h0, h1, h2, i0, i1, i2, j0, j1, j2);
    }

    /// <summary>The 512-bit <see cref="KernelRowFourFilters"/>: 12 accumulators of 16 columns, over each image in turn.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void KernelRowFourFilters512(float* origin, int rowStride, float* g0, int gradientStride, int gradientPlane, int outputHeight, int vectors,
        int images, int imageStride, int gradientImageStride, float* dW, int filterStride)
    {
        Vector512<float> a0 = default, a1 = default, a2 = default, b0 = default, b1 = default, b2 = default;
        Vector512<float> c0 = default, c1 = default, c2 = default, d0 = default, d1 = default, d2 = default;
        for (int n = 0; n < images; n++)
        for (int oy = 0; oy < outputHeight; oy++)
        {
            float* row = origin + (nint)n * imageStride + (nint)oy * rowStride;
            float* gy = g0 + (nint)n * gradientImageStride + (nint)oy * gradientStride;
            for (int v = 0; v < vectors; v++)
            {
                var x0 = Vector512.Load(row + v * 16);
                var x1 = Vector512.Load(row + v * 16 + 1);
                var x2 = Vector512.Load(row + v * 16 + 2);
                var g = Vector512.Load(gy + v * 16);
                a0 = Vector512.FusedMultiplyAdd(g, x0, a0);
                a1 = Vector512.FusedMultiplyAdd(g, x1, a1);
                a2 = Vector512.FusedMultiplyAdd(g, x2, a2);
                g = Vector512.Load(gy + gradientPlane + v * 16);
                b0 = Vector512.FusedMultiplyAdd(g, x0, b0);
                b1 = Vector512.FusedMultiplyAdd(g, x1, b1);
                b2 = Vector512.FusedMultiplyAdd(g, x2, b2);
                g = Vector512.Load(gy + 2 * gradientPlane + v * 16);
                c0 = Vector512.FusedMultiplyAdd(g, x0, c0);
                c1 = Vector512.FusedMultiplyAdd(g, x1, c1);
                c2 = Vector512.FusedMultiplyAdd(g, x2, c2);
                g = Vector512.Load(gy + 3 * gradientPlane + v * 16);
                d0 = Vector512.FusedMultiplyAdd(g, x0, d0);
                d1 = Vector512.FusedMultiplyAdd(g, x1, d1);
                d2 = Vector512.FusedMultiplyAdd(g, x2, d2);
            }
        }
        AddKernelRowSums(dW, filterStride, a0, a1, a2, b0, b1, b2, c0, c1, c2, d0, d1, d2);
    }

    /// <summary>
    /// dW[k] += Σ lanes of a_k, dW[stride + k] += Σ b_k, … for k = 0, 1, 2: the twelve horizontal sums of a kernel-row
    /// pass, four at a time. One <see cref="Vector512.Sum{T}"/> per accumulator cost about a quarter of the 16→8 and 8→16
    /// layers' backward on Zen 5 (those passes are short: 14 rows of one register); here each accumulator is folded to 8
    /// lanes and three horizontal adds give four sums. The order is fixed, so the bits do not depend on anything but the inputs.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddKernelRowSums(float* dW, int stride, Vector512<float> a0, Vector512<float> a1, Vector512<float> a2,
        Vector512<float> b0, Vector512<float> b1, Vector512<float> b2, Vector512<float> c0, Vector512<float> c1, Vector512<float> c2,
        Vector512<float> d0, Vector512<float> d1, Vector512<float> d2)
    {
        var first = SumsOfFour(a0, a1, a2, b0);
        var second = SumsOfFour(b1, b2, c0, c1);
        var third = SumsOfFour(c2, d0, d1, d2);
        dW[0] += first.GetElement(0); dW[1] += first.GetElement(1); dW[2] += first.GetElement(2);
        dW += stride;
        dW[0] += first.GetElement(3); dW[1] += second.GetElement(0); dW[2] += second.GetElement(1);
        dW += stride;
        dW[0] += second.GetElement(2); dW[1] += second.GetElement(3); dW[2] += third.GetElement(0);
        dW += stride;
        dW[0] += third.GetElement(1); dW[1] += third.GetElement(2); dW[2] += third.GetElement(3);
    }

    /// <summary>The sums of the lanes of <paramref name="a"/>, <paramref name="b"/>, <paramref name="c"/>, <paramref name="d"/>, in that order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> SumsOfFour(Vector512<float> a, Vector512<float> b, Vector512<float> c, Vector512<float> d)
    {
        var ab = Avx.HorizontalAdd(a.GetLower() + a.GetUpper(), b.GetLower() + b.GetUpper());
        var cd = Avx.HorizontalAdd(c.GetLower() + c.GetUpper(), d.GetLower() + d.GetUpper());
        var all = Avx.HorizontalAdd(ab, cd); // per 128-bit half: a, b, c, d
        return all.GetLower() + all.GetUpper();
    }
}
