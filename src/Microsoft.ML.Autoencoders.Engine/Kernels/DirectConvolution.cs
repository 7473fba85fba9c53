using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Microsoft.ML.Autoencoders.Engine.Kernels;

/// <summary>
/// Stride-1 convolution computed straight from zero-padded image planes, with no im2col matrix: the kernel for the few
/// channels (1, 8, 16) of image autoencoders. There, im2col + GEMM spends its time building and reading a matrix
/// C·k² times the image (113k floats per 28×28 image for 16 channels into 1) for GEMMs too thin to reach the FMA peak
/// (1 to 16 rows). Here each output row chunk of 16 columns for 4 filters lives in 8 vector registers while the
/// kernel walks the channels and taps: each tap is 2 loads and 4 broadcasts for 8 FMAs.
/// </summary>
/// <remarks>
/// The same <see cref="Correlate"/> serves the input gradient: for stride 1, dL/dx is the correlation of dL/dy, padded by
/// kernel − 1 − padding, with the kernel flipped and its channel axes swapped (<see cref="FlipForInputGradient"/>).
/// Padded planes are laid out with a row stride wide enough that every vector load of a chunk stays inside the row's
/// own zeros, so partial chunks need no masks: their extra lanes are computed and dropped.
/// </remarks>
internal static unsafe partial class DirectConvolution
{
    /// <summary>Output columns per chunk: two 8-float vectors.</summary>
    public const int ChunkColumns = 16;

    private const int FilterBlock = 4;

    /// <summary>Output columns per row in the kernel for narrow rows: one 8-float vector.</summary>
    private const int NarrowColumns = 8;

    /// <summary>Whether <paramref name="g"/> can run here: stride 1, no dilation, padding within the kernel, and 256-bit vectors.</summary>
    public static bool Supports(in ConvGeometry g) =>
        Vector256.IsHardwareAccelerated && g.Stride == 1 && g.Dilation == 1
        && g.PadTop < g.KernelHeight && g.PadBottom < g.KernelHeight && g.PadLeft < g.KernelWidth && g.PadRight < g.KernelWidth;

    /// <summary>The row stride of padded planes whose correlation gives rows of <paramref name="outputWidth"/> (chunks never leave the row).</summary>
    public static int RowStride(int paddedWidth, int outputWidth, int kernelWidth) =>
        Math.Max(paddedWidth, RoundUp(outputWidth, ChunkColumns) + kernelWidth - 1);

    /// <summary><paramref name="value"/> rounded up to a multiple of <paramref name="multiple"/>.</summary>
    public static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;

    /// <summary>
    /// Writes <paramref name="channels"/> padded planes: each height×width plane of <paramref name="source"/> at
    /// (<paramref name="top"/>, <paramref name="left"/>), zeros everywhere else. Every row, border rows included, is
    /// written with inline vector stores, since these rows are short (4 to 48 floats) and a library call per row cost
    /// more than the copying; a row's ragged end is one masked load where the row has room for a whole vector after it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void CopyIntoPadded(float* source, int channels, int height, int width, float* padded, int paddedHeight, int rowStride, int top, int left)
    {
        int whole = width / 8 * 8, rest = width - whole;
        var tailMask = Vector256.LessThan(Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7), Vector256.Create(rest)).AsSingle();
        bool wholeTail = left + whole + 8 <= rowStride;
        for (int c = 0; c < channels; c++)
        {
            float* plane = padded + (nint)c * paddedHeight * rowStride;
            for (int y = 0; y < top; y++) ClearRow(plane + (nint)y * rowStride, rowStride);
            for (int y = 0; y < height; y++)
            {
                float* row = plane + (nint)(top + y) * rowStride;
                float* values = source + ((nint)c * height + y) * width;
                // Zeros first over the whole row, then the values over them.
                ClearRow(row, rowStride);
                float* target = row + left;
                for (int i = 0; i < whole; i += 8) Vector256.Load(values + i).Store(target + i);
                if (rest == 0) continue;
                // The masked lanes load as zeros, so the whole vector can be stored where the row has room for it.
                if (wholeTail) LoadTail(values + whole, rest, tailMask).Store(target + whole);
                else for (int i = whole; i < width; i++) target[i] = values[i];
            }
            for (int y = top + height; y < paddedHeight; y++) ClearRow(plane + (nint)y * rowStride, rowStride);
        }
    }

    /// <summary>The first <paramref name="count"/> (1 to 7) floats at <paramref name="source"/> and zeros after them, without reading past them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> LoadTail(float* source, int count, Vector256<float> mask)
    {
        // No stackalloc in the fallback: a method with one is never inlined, and this runs once per row.
        if (Avx.IsSupported) return Avx.MaskLoad(source, mask);
        return Vector256.Create(source[0], count > 1 ? source[1] : 0f, count > 2 ? source[2] : 0f, count > 3 ? source[3] : 0f,
            count > 4 ? source[4] : 0f, count > 5 ? source[5] : 0f, count > 6 ? source[6] : 0f, count > 7 ? source[7] : 0f);
    }

    /// <summary>row[0, <paramref name="length"/>) = 0 with inline stores: a library call per short row costs more than the row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void ClearRow(float* row, int length)
    {
        int j = 0;
        for (; j + 8 <= length; j += 8) Vector256<float>.Zero.Store(row + j);
        if (j == length) return;
        // The ragged end as one store over the row's last 8 floats (overlapping zeros already written), not a scalar loop.
        if (length >= 8) Vector256<float>.Zero.Store(row + length - 8);
        else for (; j < length; j++) row[j] = 0f;
    }

    /// <summary>
    /// output[f, oy, ox] (+)= bias[f] + Σ_c Σ_ky,kx weights[f, c, ky, kx] · padded[c, oy + ky, ox + kx], for outputs
    /// [<paramref name="filters"/>, outputHeight, outputWidth]; with <paramref name="accumulate"/> the result is added to
    /// what the output holds. <paramref name="bias"/> may be null. With <paramref name="vector512"/> the 512-bit kernels take
    /// the rows they cover (<see cref="PreferVector512"/>); the outputs have the same bits either way. With
    /// <paramref name="relu"/> each output is max(value, 0) as it leaves the registers, the same operation as the ReLU pass
    /// it saves (an image's whole output read and written again).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Correlate(float* padded, int channels, int paddedHeight, int rowStride, float* weights, float* bias, int filters,
        int kernelHeight, int kernelWidth, float* output, int outputHeight, int outputWidth, bool accumulate, bool vector512, bool relu = false)
    {
        // The fused ReLU acts on a finished output (bias added); added into an existing output it would clip the wrong sum.
        if (relu && accumulate) throw new ArgumentException("A fused ReLU needs the output written, not added to.", nameof(relu));
        int planeSize = paddedHeight * rowStride, taps = kernelHeight * kernelWidth, filterStride = channels * taps;
        int outputPlane = outputHeight * outputWidth;
        for (int f0 = 0; f0 < filters; f0 += FilterBlock)
        {
            int block = Math.Min(FilterBlock, filters - f0);
            int oy = vector512 ? CorrelateRows512(padded, channels, planeSize, rowStride, weights, bias, f0, block, filters, filterStride, kernelHeight, kernelWidth,
                output, outputHeight, outputWidth, accumulate, relu) : 0;
            if (block == FilterBlock && outputWidth <= NarrowColumns)
            {
                // Rows of at most 8 (the 7×7, 4×4 and 8×8 layers of the Keras-blog network) waste half or more of a
                // 16-column chunk: four rows of one 8-float vector each instead.
                for (; oy + 4 <= outputHeight; oy += 4)
                {
                    int offset = oy * outputWidth;
                    var store = new ChunkStore(outputPlane, outputWidth, outputWidth, outputPlane - offset, bias == null ? null : bias + f0, accumulate, relu);
                    FourFiltersFourNarrowRows(padded + (nint)oy * rowStride, channels, planeSize, rowStride, weights + (nint)f0 * filterStride, filterStride,
                        kernelHeight, kernelWidth, output + (nint)f0 * outputPlane + offset, store);
                }
            }
            for (int rows; oy < outputHeight; oy += rows)
            {
                // Four filters take two output rows at once (16 accumulators: enough independent FMA chains to cover the
                // FMA latency on two pipes, and each weight broadcast serves four FMAs instead of two).
                rows = block == FilterBlock ? (oy + 1 < outputHeight ? 2 : 1)
                    : kernelHeight == 3 && kernelWidth == 3 && oy + 4 <= outputHeight ? 4 : 1;
                for (int ox = 0; ox < outputWidth; ox += ChunkColumns)
                {
                    float* origin = padded + (nint)oy * rowStride + ox;
                    int offset = oy * outputWidth + ox;
                    // Spare room for a whole-chunk store only where the rows below are written later: rows of one chunk.
                    int valid = Math.Min(ChunkColumns, outputWidth - ox);
                    int room = outputWidth <= ChunkColumns ? outputPlane - offset : valid;
                    var store = new ChunkStore(outputPlane, outputWidth, valid, room, bias == null ? null : bias + f0, accumulate, relu);
                    float* target = output + (nint)f0 * outputPlane + offset;
                    float* w = weights + (nint)f0 * filterStride;
                    if (rows == 2) FourFiltersTwoRows(origin, channels, planeSize, rowStride, w, filterStride, kernelHeight, kernelWidth, target, store);
                    else if (block == FilterBlock) FourFilters(origin, channels, planeSize, rowStride, w, filterStride, kernelHeight, kernelWidth, target, store);
                    else if (rows == 4) for (int f = 0; f < block; f++) OneFilterFourRows3x3(origin, channels, planeSize, rowStride, w + (nint)f * filterStride, target, f, store);
                    else for (int f = 0; f < block; f++) OneFilter(origin, channels, planeSize, rowStride, w + (nint)f * filterStride, kernelHeight, kernelWidth, target, f, store);
                }
            }
        }
    }

    /// <summary>
    /// Where a kernel's finished accumulators go: filter f's values of the chunk's first row start at target + f·plane,
    /// the second row's one output row further; the bias is added, and with accumulate the output's values too.
    /// </summary>
    /// <remarks>
    /// Most rows here are one partial chunk (14, 7 or 4 wide). Such a chunk is still written whole when the plane has room:
    /// the extra values land on the rows below, which are computed after it and overwrite them (so a chunk's first row is
    /// always stored before its second). Only near the end of a plane, in rows of several chunks, or when adding into the
    /// output are the stores masked, because masked stores cost many cycles on some cores. The stores come straight from
    /// the registers: a round trip through a stack buffer cost as much as the FMAs for a single input channel.
    /// </remarks>
    private readonly unsafe struct ChunkStore(int plane, int rowWidth, int valid, int room, float* bias, bool accumulate, bool relu)
    {
        /// <summary>Stores filter <paramref name="filter"/>'s chunk of output row <paramref name="row"/> (0 or 1 within the chunk).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Put(float* target, int filter, int row, Vector256<float> low, Vector256<float> high)
        {
            float* t = target + (nint)filter * plane + row * rowWidth;
            int spare = rowWidth <= ChunkColumns ? room - row * rowWidth : valid;
            var shift = Vector256.Create(bias == null ? 0f : bias[filter]);
            low += shift;
            high += shift;
            if (relu)
            {
                low = Vector256.Max(low, Vector256<float>.Zero);
                high = Vector256.Max(high, Vector256<float>.Zero);
            }
            if (valid == ChunkColumns || (!accumulate && spare >= ChunkColumns))
            {
                if (accumulate)
                {
                    low += Vector256.Load(t);
                    high += Vector256.Load(t + 8);
                }
                low.Store(t);
                high.Store(t + 8);
            }
            else if (Avx.IsSupported)
            {
                StoreChunkHalf(t, low, valid, accumulate);
                if (valid > 8) StoreChunkHalf(t + 8, high, valid - 8, accumulate);
            }
            else
            {
                for (int i = 0; i < valid; i++)
                {
                    float value = i < 8 ? low.GetElement(i) : high.GetElement(i - 8);
                    t[i] = accumulate ? t[i] + value : value;
                }
            }
        }

        /// <summary>The same for a 16-column chunk held in one 512-bit register (whole rows below spill as with two halves).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Put(float* target, int filter, int row, Vector512<float> values)
        {
            float* t = target + (nint)filter * plane + row * rowWidth;
            int spare = rowWidth <= ChunkColumns ? room - row * rowWidth : valid;
            if (valid == ChunkColumns || (!accumulate && spare >= ChunkColumns))
            {
                values += Vector512.Create(bias == null ? 0f : bias[filter]);
                if (relu) values = Vector512.Max(values, Vector512<float>.Zero);
                if (accumulate) values += Vector512.Load(t);
                values.Store(t);
            }
            else
            {
                // An AVX-512 masked store is one instruction; two AVX masked stores cost many cycles each on AMD cores.
                values += Vector512.Create(bias == null ? 0f : bias[filter]);
                if (relu) values = Vector512.Max(values, Vector512<float>.Zero);
                var mask = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(valid)).AsSingle();
                if (accumulate) values += Avx512F.MaskLoad(t, mask, Vector512<float>.Zero);
                Avx512F.MaskStore(t, mask, values);
            }
        }

        /// <summary>The same for a row of at most 8 values held in one vector (rows of one chunk, so spare room spills below).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void PutNarrow(float* target, int filter, int row, Vector256<float> values)
        {
            float* t = target + (nint)filter * plane + row * rowWidth;
            int spare = room - row * rowWidth;
            values += Vector256.Create(bias == null ? 0f : bias[filter]);
            if (relu) values = Vector256.Max(values, Vector256<float>.Zero);
            if (valid == NarrowColumns || (!accumulate && spare >= NarrowColumns))
            {
                if (accumulate) values += Vector256.Load(t);
                values.Store(t);
            }
            else if (Avx.IsSupported) StoreChunkHalf(t, values, valid, accumulate);
            else
            {
                for (int i = 0; i < valid; i++) t[i] = accumulate ? t[i] + values.GetElement(i) : values.GetElement(i);
            }
        }
    }

    /// <summary>Stores (or adds) the first <paramref name="count"/> lanes of <paramref name="values"/> at <paramref name="target"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreChunkHalf(float* target, Vector256<float> values, int count, bool accumulate)
    {
        if (count >= 8)
        {
            if (accumulate) values += Vector256.Load(target);
            values.Store(target);
            return;
        }
        var mask = Vector256.LessThan(Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7), Vector256.Create(count)).AsSingle();
        if (accumulate) values += Avx.MaskLoad(target, mask);
        Avx.MaskStore(target, mask, values);
    }

    /// <summary>A 16-column chunk of one output row for four filters: 8 accumulators in registers across every channel and tap.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void FourFilters(float* origin, int channels, int planeSize, int rowStride, float* weights, int filterStride,
        int kernelHeight, int kernelWidth, float* target, in ChunkStore store)
    {
        Vector256<float> a0 = default, a1 = default, b0 = default, b1 = default, c0 = default, c1 = default, d0 = default, d1 = default;
        float* w = weights;
        for (int c = 0; c < channels; c++)
        {
            for (int ky = 0; ky < kernelHeight; ky++)
            {
                float* row = origin + (nint)c * planeSize + (nint)ky * rowStride;
                for (int kx = 0; kx < kernelWidth; kx++, w++)
                {
                    var x0 = Vector256.Load(row + kx);
                    var x1 = Vector256.Load(row + kx + 8);
                    var wa = Vector256.Create(w[0]);
                    a0 = Vector256.FusedMultiplyAdd(wa, x0, a0);
                    a1 = Vector256.FusedMultiplyAdd(wa, x1, a1);
                    var wb = Vector256.Create(w[filterStride]);
                    b0 = Vector256.FusedMultiplyAdd(wb, x0, b0);
                    b1 = Vector256.FusedMultiplyAdd(wb, x1, b1);
                    var wc = Vector256.Create(w[2 * filterStride]);
                    c0 = Vector256.FusedMultiplyAdd(wc, x0, c0);
                    c1 = Vector256.FusedMultiplyAdd(wc, x1, c1);
                    var wd = Vector256.Create(w[3 * filterStride]);
                    d0 = Vector256.FusedMultiplyAdd(wd, x0, d0);
                    d1 = Vector256.FusedMultiplyAdd(wd, x1, d1);
                }
            }
        }
        store.Put(target, 0, 0, a0, a1);
        store.Put(target, 1, 0, b0, b1);
        store.Put(target, 2, 0, c0, c1);
        store.Put(target, 3, 0, d0, d1);
    }

    /// <summary>
    /// Two output rows of a 16-column chunk for four filters: 16 accumulators. The rows share every weight broadcast;
    /// the second row's input is the first's moved down one row, so each tap loads four vectors for sixteen FMAs.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void FourFiltersTwoRows(float* origin, int channels, int planeSize, int rowStride, float* weights, int filterStride,
        int kernelHeight, int kernelWidth, float* target, in ChunkStore store)
    {
        Vector256<float> a0 = default, a1 = default, b0 = default, b1 = default, c0 = default, c1 = default, d0 = default, d1 = default;
        Vector256<float> e0 = default, e1 = default, g0 = default, g1 = default, h0 = default, h1 = default, i0 = default, i1 = default;
        float* w = weights;
        for (int c = 0; c < channels; c++)
        {
            for (int ky = 0; ky < kernelHeight; ky++)
            {
                float* row = origin + (nint)c * planeSize + (nint)ky * rowStride;
                float* next = row + rowStride;
                for (int kx = 0; kx < kernelWidth; kx++, w++)
                {
                    var x0 = Vector256.Load(row + kx);
                    var x1 = Vector256.Load(row + kx + 8);
                    var y0 = Vector256.Load(next + kx);
                    var y1 = Vector256.Load(next + kx + 8);
                    var wa = Vector256.Create(w[0]);
                    a0 = Vector256.FusedMultiplyAdd(wa, x0, a0);
                    a1 = Vector256.FusedMultiplyAdd(wa, x1, a1);
                    e0 = Vector256.FusedMultiplyAdd(wa, y0, e0);
                    e1 = Vector256.FusedMultiplyAdd(wa, y1, e1);
                    var wb = Vector256.Create(w[filterStride]);
                    b0 = Vector256.FusedMultiplyAdd(wb, x0, b0);
                    b1 = Vector256.FusedMultiplyAdd(wb, x1, b1);
                    g0 = Vector256.FusedMultiplyAdd(wb, y0, g0);
                    g1 = Vector256.FusedMultiplyAdd(wb, y1, g1);
                    var wc = Vector256.Create(w[2 * filterStride]);
                    c0 = Vector256.FusedMultiplyAdd(wc, x0, c0);
                    c1 = Vector256.FusedMultiplyAdd(wc, x1, c1);
                    h0 = Vector256.FusedMultiplyAdd(wc, y0, h0);
                    h1 = Vector256.FusedMultiplyAdd(wc, y1, h1);
                    var wd = Vector256.Create(w[3 * filterStride]);
                    d0 = Vector256.FusedMultiplyAdd(wd, x0, d0);
                    d1 = Vector256.FusedMultiplyAdd(wd, x1, d1);
                    i0 = Vector256.FusedMultiplyAdd(wd, y0, i0);
                    i1 = Vector256.FusedMultiplyAdd(wd, y1, i1);
                }
            }
        }
        store.Put(target, 0, 0, a0, a1);
        store.Put(target, 1, 0, b0, b1);
        store.Put(target, 2, 0, c0, c1);
        store.Put(target, 3, 0, d0, d1);
        store.Put(target, 0, 1, e0, e1);
        store.Put(target, 1, 1, g0, g1);
        store.Put(target, 2, 1, h0, h1);
        store.Put(target, 3, 1, i0, i1);
    }

    /// <summary>
    /// Four output rows of at most 8 columns for four filters: 16 accumulators of one vector each. Each tap loads one
    /// vector per row and broadcasts four weights for sixteen FMAs, the same ratio as <see cref="FourFiltersTwoRows"/>
    /// without computing the half of a 16-column chunk that a narrow row would throw away.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void FourFiltersFourNarrowRows(float* origin, int channels, int planeSize, int rowStride, float* weights, int filterStride,
        int kernelHeight, int kernelWidth, float* target, in ChunkStore store)
    {
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default, b0 = default, b1 = default, b2 = default, b3 = default;
        Vector256<float> c0 = default, c1 = default, c2 = default, c3 = default, d0 = default, d1 = default, d2 = default, d3 = default;
        float* w = weights;
        for (int c = 0; c < channels; c++)
        {
            for (int ky = 0; ky < kernelHeight; ky++)
            {
                float* row = origin + (nint)c * planeSize + (nint)ky * rowStride;
                for (int kx = 0; kx < kernelWidth; kx++, w++)
                {
                    var x0 = Vector256.Load(row + kx);
                    var x1 = Vector256.Load(row + rowStride + kx);
                    var x2 = Vector256.Load(row + 2 * rowStride + kx);
                    var x3 = Vector256.Load(row + 3 * rowStride + kx);
                    var wa = Vector256.Create(w[0]);
                    a0 = Vector256.FusedMultiplyAdd(wa, x0, a0);
                    a1 = Vector256.FusedMultiplyAdd(wa, x1, a1);
                    a2 = Vector256.FusedMultiplyAdd(wa, x2, a2);
                    a3 = Vector256.FusedMultiplyAdd(wa, x3, a3);
                    var wb = Vector256.Create(w[filterStride]);
                    b0 = Vector256.FusedMultiplyAdd(wb, x0, b0);
                    b1 = Vector256.FusedMultiplyAdd(wb, x1, b1);
                    b2 = Vector256.FusedMultiplyAdd(wb, x2, b2);
                    b3 = Vector256.FusedMultiplyAdd(wb, x3, b3);
                    var wc = Vector256.Create(w[2 * filterStride]);
                    c0 = Vector256.FusedMultiplyAdd(wc, x0, c0);
                    c1 = Vector256.FusedMultiplyAdd(wc, x1, c1);
                    c2 = Vector256.FusedMultiplyAdd(wc, x2, c2);
                    c3 = Vector256.FusedMultiplyAdd(wc, x3, c3);
                    var wd = Vector256.Create(w[3 * filterStride]);
                    d0 = Vector256.FusedMultiplyAdd(wd, x0, d0);
                    d1 = Vector256.FusedMultiplyAdd(wd, x1, d1);
                    d2 = Vector256.FusedMultiplyAdd(wd, x2, d2);
                    d3 = Vector256.FusedMultiplyAdd(wd, x3, d3);
                }
            }
        }
        // Row by row within each filter, so a whole-vector store that spills into the next row is overwritten after it.
        store.PutNarrow(target, 0, 0, a0); store.PutNarrow(target, 0, 1, a1); store.PutNarrow(target, 0, 2, a2); store.PutNarrow(target, 0, 3, a3);
        store.PutNarrow(target, 1, 0, b0); store.PutNarrow(target, 1, 1, b1); store.PutNarrow(target, 1, 2, b2); store.PutNarrow(target, 1, 3, b3);
        store.PutNarrow(target, 2, 0, c0); store.PutNarrow(target, 2, 1, c1); store.PutNarrow(target, 2, 2, c2); store.PutNarrow(target, 2, 3, c3);
        store.PutNarrow(target, 3, 0, d0); store.PutNarrow(target, 3, 1, d1); store.PutNarrow(target, 3, 2, d2); store.PutNarrow(target, 3, 3, d3);
    }

    /// <summary>
    /// Four output rows of a 16-column chunk for one filter of a 3×3 kernel (a decoder's last layer, 16 channels into 1):
    /// the nine weights of a channel stay in registers, and each input row is loaded once per column shift and used for
    /// every output row it reaches (up to three), where <see cref="OneFilter"/> loads two vectors for every two FMAs.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void OneFilterFourRows3x3(float* origin, int channels, int planeSize, int rowStride, float* weights, float* target, int filter,
        in ChunkStore store)
    {
        Vector256<float> r0l = default, r0h = default, r1l = default, r1h = default, r2l = default, r2h = default, r3l = default, r3h = default;
        float* w = weights;
        for (int c = 0; c < channels; c++, w += 9)
        {
            float* plane = origin + (nint)c * planeSize;
            Vector256<float> w00 = Vector256.Create(w[0]), w01 = Vector256.Create(w[1]), w02 = Vector256.Create(w[2]);
            Vector256<float> w10 = Vector256.Create(w[3]), w11 = Vector256.Create(w[4]), w12 = Vector256.Create(w[5]);
            Vector256<float> w20 = Vector256.Create(w[6]), w21 = Vector256.Create(w[7]), w22 = Vector256.Create(w[8]);
            Vector256<float> x0, x1;
            // Input row i, column shift kx, reaches output row i − ky with weight (ky, kx), for the ky that land in 0..3.
                x0 = Vector256.Load(plane + 0 * (nint)rowStride + 0); x1 = Vector256.Load(plane + 0 * (nint)rowStride + 8);
                r0l = Vector256.FusedMultiplyAdd(w00, x0, r0l); r0h = Vector256.FusedMultiplyAdd(w00, x1, r0h);
                x0 = Vector256.Load(plane + 0 * (nint)rowStride + 1); x1 = Vector256.Load(plane + 0 * (nint)rowStride + 9);
                r0l = Vector256.FusedMultiplyAdd(w01, x0, r0l); r0h = Vector256.FusedMultiplyAdd(w01, x1, r0h);
                x0 = Vector256.Load(plane + 0 * (nint)rowStride + 2); x1 = Vector256.Load(plane + 0 * (nint)rowStride + 10);
                r0l = Vector256.FusedMultiplyAdd(w02, x0, r0l); r0h = Vector256.FusedMultiplyAdd(w02, x1, r0h);
                x0 = Vector256.Load(plane + 1 * (nint)rowStride + 0); x1 = Vector256.Load(plane + 1 * (nint)rowStride + 8);
                r1l = Vector256.FusedMultiplyAdd(w00, x0, r1l); r1h = Vector256.FusedMultiplyAdd(w00, x1, r1h);
                r0l = Vector256.FusedMultiplyAdd(w10, x0, r0l); r0h = Vector256.FusedMultiplyAdd(w10, x1, r0h);
                x0 = Vector256.Load(plane + 1 * (nint)rowStride + 1); x1 = Vector256.Load(plane + 1 * (nint)rowStride + 9);
                r1l = Vector256.FusedMultiplyAdd(w01, x0, r1l); r1h = Vector256.FusedMultiplyAdd(w01, x1, r1h);
                r0l = Vector256.FusedMultiplyAdd(w11, x0, r0l); r0h = Vector256.FusedMultiplyAdd(w11, x1, r0h);
                x0 = Vector256.Load(plane + 1 * (nint)rowStride + 2); x1 = Vector256.Load(plane + 1 * (nint)rowStride + 10);
                r1l = Vector256.FusedMultiplyAdd(w02, x0, r1l); r1h = Vector256.FusedMultiplyAdd(w02, x1, r1h);
                r0l = Vector256.FusedMultiplyAdd(w12, x0, r0l); r0h = Vector256.FusedMultiplyAdd(w12, x1, r0h);
                x0 = Vector256.Load(plane + 2 * (nint)rowStride + 0); x1 = Vector256.Load(plane + 2 * (nint)rowStride + 8);
                r2l = Vector256.FusedMultiplyAdd(w00, x0, r2l); r2h = Vector256.FusedMultiplyAdd(w00, x1, r2h);
                r1l = Vector256.FusedMultiplyAdd(w10, x0, r1l); r1h = Vector256.FusedMultiplyAdd(w10, x1, r1h);
                r0l = Vector256.FusedMultiplyAdd(w20, x0, r0l); r0h = Vector256.FusedMultiplyAdd(w20, x1, r0h);
                x0 = Vector256.Load(plane + 2 * (nint)rowStride + 1); x1 = Vector256.Load(plane + 2 * (nint)rowStride + 9);
                r2l = Vector256.FusedMultiplyAdd(w01, x0, r2l); r2h = Vector256.FusedMultiplyAdd(w01, x1, r2h);
                r1l = Vector256.FusedMultiplyAdd(w11, x0, r1l); r1h = Vector256.FusedMultiplyAdd(w11, x1, r1h);
                r0l = Vector256.FusedMultiplyAdd(w21, x0, r0l); r0h = Vector256.FusedMultiplyAdd(w21, x1, r0h);
                x0 = Vector256.Load(plane + 2 * (nint)rowStride + 2); x1 = Vector256.Load(plane + 2 * (nint)rowStride + 10);
                r2l = Vector256.FusedMultiplyAdd(w02, x0, r2l); r2h = Vector256.FusedMultiplyAdd(w02, x1, r2h);
                r1l = Vector256.FusedMultiplyAdd(w12, x0, r1l); r1h = Vector256.FusedMultiplyAdd(w12, x1, r1h);
                r0l = Vector256.FusedMultiplyAdd(w22, x0, r0l); r0h = Vector256.FusedMultiplyAdd(w22, x1, r0h);
                x0 = Vector256.Load(plane + 3 * (nint)rowStride + 0); x1 = Vector256.Load(plane + 3 * (nint)rowStride + 8);
                r3l = Vector256.FusedMultiplyAdd(w00, x0, r3l); r3h = Vector256.FusedMultiplyAdd(w00, x1, r3h);
                r2l = Vector256.FusedMultiplyAdd(w10, x0, r2l); r2h = Vector256.FusedMultiplyAdd(w10, x1, r2h);
                r1l = Vector256.FusedMultiplyAdd(w20, x0, r1l); r1h = Vector256.FusedMultiplyAdd(w20, x1, r1h);
                x0 = Vector256.Load(plane + 3 * (nint)rowStride + 1); x1 = Vector256.Load(plane + 3 * (nint)rowStride + 9);
                r3l = Vector256.FusedMultiplyAdd(w01, x0, r3l); r3h = Vector256.FusedMultiplyAdd(w01, x1, r3h);
                r2l = Vector256.FusedMultiplyAdd(w11, x0, r2l); r2h = Vector256.FusedMultiplyAdd(w11, x1, r2h);
                r1l = Vector256.FusedMultiplyAdd(w21, x0, r1l); r1h = Vector256.FusedMultiplyAdd(w21, x1, r1h);
                x0 = Vector256.Load(plane + 3 * (nint)rowStride + 2); x1 = Vector256.Load(plane + 3 * (nint)rowStride + 10);
                r3l = Vector256.FusedMultiplyAdd(w02, x0, r3l); r3h = Vector256.FusedMultiplyAdd(w02, x1, r3h);
                r2l = Vector256.FusedMultiplyAdd(w12, x0, r2l); r2h = Vector256.FusedMultiplyAdd(w12, x1, r2h);
                r1l = Vector256.FusedMultiplyAdd(w22, x0, r1l); r1h = Vector256.FusedMultiplyAdd(w22, x1, r1h);
                x0 = Vector256.Load(plane + 4 * (nint)rowStride + 0); x1 = Vector256.Load(plane + 4 * (nint)rowStride + 8);
                r3l = Vector256.FusedMultiplyAdd(w10, x0, r3l); r3h = Vector256.FusedMultiplyAdd(w10, x1, r3h);
                r2l = Vector256.FusedMultiplyAdd(w20, x0, r2l); r2h = Vector256.FusedMultiplyAdd(w20, x1, r2h);
                x0 = Vector256.Load(plane + 4 * (nint)rowStride + 1); x1 = Vector256.Load(plane + 4 * (nint)rowStride + 9);
                r3l = Vector256.FusedMultiplyAdd(w11, x0, r3l); r3h = Vector256.FusedMultiplyAdd(w11, x1, r3h);
                r2l = Vector256.FusedMultiplyAdd(w21, x0, r2l); r2h = Vector256.FusedMultiplyAdd(w21, x1, r2h);
                x0 = Vector256.Load(plane + 4 * (nint)rowStride + 2); x1 = Vector256.Load(plane + 4 * (nint)rowStride + 10);
                r3l = Vector256.FusedMultiplyAdd(w12, x0, r3l); r3h = Vector256.FusedMultiplyAdd(w12, x1, r3h);
                r2l = Vector256.FusedMultiplyAdd(w22, x0, r2l); r2h = Vector256.FusedMultiplyAdd(w22, x1, r2h);
                x0 = Vector256.Load(plane + 5 * (nint)rowStride + 0); x1 = Vector256.Load(plane + 5 * (nint)rowStride + 8);
                r3l = Vector256.FusedMultiplyAdd(w20, x0, r3l); r3h = Vector256.FusedMultiplyAdd(w20, x1, r3h);
                x0 = Vector256.Load(plane + 5 * (nint)rowStride + 1); x1 = Vector256.Load(plane + 5 * (nint)rowStride + 9);
                r3l = Vector256.FusedMultiplyAdd(w21, x0, r3l); r3h = Vector256.FusedMultiplyAdd(w21, x1, r3h);
                x0 = Vector256.Load(plane + 5 * (nint)rowStride + 2); x1 = Vector256.Load(plane + 5 * (nint)rowStride + 10);
                r3l = Vector256.FusedMultiplyAdd(w22, x0, r3l); r3h = Vector256.FusedMultiplyAdd(w22, x1, r3h);
        }
        store.Put(target, filter, 0, r0l, r0h);
        store.Put(target, filter, 1, r1l, r1h);
        store.Put(target, filter, 2, r2l, r2h);
        store.Put(target, filter, 3, r3l, r3h);
    }

    /// <summary>The same chunk for one filter (the tail when the filters are not a multiple of four, e.g. one output channel).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void OneFilter(float* origin, int channels, int planeSize, int rowStride, float* weights, int kernelHeight, int kernelWidth,
        float* target, int filter, in ChunkStore store)
    {
        // Two chains per vector: one FMA chain per accumulator would wait on its own latency four times per tap.
        Vector256<float> a0 = default, a1 = default, e0 = default, e1 = default;
        float* w = weights;
        for (int c = 0; c < channels; c++)
        {
            float* plane = origin + (nint)c * planeSize;
            for (int ky = 0; ky < kernelHeight; ky++)
            {
                float* row = plane + (nint)ky * rowStride;
                int kx = 0;
                for (; kx + 1 < kernelWidth; kx += 2, w += 2)
                {
                    var wa = Vector256.Create(w[0]);
                    a0 = Vector256.FusedMultiplyAdd(wa, Vector256.Load(row + kx), a0);
                    a1 = Vector256.FusedMultiplyAdd(wa, Vector256.Load(row + kx + 8), a1);
                    var wb = Vector256.Create(w[1]);
                    e0 = Vector256.FusedMultiplyAdd(wb, Vector256.Load(row + kx + 1), e0);
                    e1 = Vector256.FusedMultiplyAdd(wb, Vector256.Load(row + kx + 9), e1);
                }
                if (kx < kernelWidth)
                {
                    var wa = Vector256.Create(w[0]);
                    a0 = Vector256.FusedMultiplyAdd(wa, Vector256.Load(row + kx), a0);
                    a1 = Vector256.FusedMultiplyAdd(wa, Vector256.Load(row + kx + 8), a1);
                    w++;
                }
            }
        }
        store.Put(target, filter, 0, a0 + e0, a1 + e1);
    }

    /// <summary>
    /// The kernel the input gradient correlates with: flipped[c, f, ky, kx] = weights[f, c, kh − 1 − ky, kw − 1 − kx].
    /// </summary>
    public static void FlipForInputGradient(ReadOnlySpan<float> weights, int filters, int channels, int kernelHeight, int kernelWidth, Span<float> flipped)
    {
        int taps = kernelHeight * kernelWidth;
        for (int f = 0; f < filters; f++)
            for (int c = 0; c < channels; c++)
                for (int ky = 0; ky < kernelHeight; ky++)
                    for (int kx = 0; kx < kernelWidth; kx++)
                        flipped[(c * filters + f) * taps + (kernelHeight - 1 - ky) * kernelWidth + (kernelWidth - 1 - kx)] =
                            weights[(f * channels + c) * taps + ky * kernelWidth + kx];
    }
}
