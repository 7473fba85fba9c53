using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

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
internal static unsafe class DirectConvolution
{
    /// <summary>Output columns per chunk: two 8-float vectors.</summary>
    public const int ChunkColumns = 16;

    private const int FilterBlock = 4;

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
    /// Copies <paramref name="channels"/> planes of height×width from <paramref name="source"/> into
    /// <paramref name="padded"/> at (<paramref name="top"/>, <paramref name="left"/>); the rest of the buffer is left as it
    /// is, so a buffer cleared once and reused for one geometry keeps its zero border.
    /// </summary>
    public static void CopyIntoPadded(float* source, int channels, int height, int width, float* padded, int paddedHeight, int rowStride, int top, int left)
    {
        for (int c = 0; c < channels; c++)
        {
            float* plane = padded + (nint)c * paddedHeight * rowStride + (nint)top * rowStride + left;
            for (int y = 0; y < height; y++)
                new ReadOnlySpan<float>(source + ((nint)c * height + y) * width, width).CopyTo(new Span<float>(plane + (nint)y * rowStride, width));
        }
    }

    /// <summary>
    /// output[f, oy, ox] (+)= bias[f] + Σ_c Σ_ky,kx weights[f, c, ky, kx] · padded[c, oy + ky, ox + kx], for outputs
    /// [<paramref name="filters"/>, outputHeight, outputWidth]; with <paramref name="accumulate"/> the result is added to
    /// what the output holds. <paramref name="bias"/> may be null.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Correlate(float* padded, int channels, int paddedHeight, int rowStride, float* weights, float* bias, int filters,
        int kernelHeight, int kernelWidth, float* output, int outputHeight, int outputWidth, bool accumulate)
    {
        int planeSize = paddedHeight * rowStride, taps = kernelHeight * kernelWidth, filterStride = channels * taps;
        float* chunk = stackalloc float[FilterBlock * ChunkColumns];
        for (int f0 = 0; f0 < filters; f0 += FilterBlock)
        {
            int block = Math.Min(FilterBlock, filters - f0);
            for (int oy = 0; oy < outputHeight; oy++)
            {
                for (int ox = 0; ox < outputWidth; ox += ChunkColumns)
                {
                    float* origin = padded + (nint)oy * rowStride + ox;
                    if (block == FilterBlock) FourFilters(origin, channels, planeSize, rowStride, weights + (nint)f0 * filterStride, filterStride, kernelHeight, kernelWidth, chunk);
                    else for (int f = 0; f < block; f++) OneFilter(origin, channels, planeSize, rowStride, weights + (nint)(f0 + f) * filterStride, kernelHeight, kernelWidth, chunk + f * ChunkColumns);

                    int valid = Math.Min(ChunkColumns, outputWidth - ox);
                    for (int f = 0; f < block; f++)
                    {
                        float* target = output + ((nint)(f0 + f) * outputHeight + oy) * outputWidth + ox;
                        float* computed = chunk + f * ChunkColumns;
                        float shift = bias == null ? 0f : bias[f0 + f];
                        if (accumulate) for (int i = 0; i < valid; i++) target[i] += computed[i] + shift;
                        else for (int i = 0; i < valid; i++) target[i] = computed[i] + shift;
                    }
                }
            }
        }
    }

    /// <summary>A 16-column chunk of one output row for four filters: 8 accumulators in registers across every channel and tap.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void FourFilters(float* origin, int channels, int planeSize, int rowStride, float* weights, int filterStride,
        int kernelHeight, int kernelWidth, float* chunk)
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
        a0.Store(chunk); a1.Store(chunk + 8);
        b0.Store(chunk + 16); b1.Store(chunk + 24);
        c0.Store(chunk + 32); c1.Store(chunk + 40);
        d0.Store(chunk + 48); d1.Store(chunk + 56);
    }

    /// <summary>The same chunk for one filter (the tail when the filters are not a multiple of four, e.g. one output channel).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void OneFilter(float* origin, int channels, int planeSize, int rowStride, float* weights, int kernelHeight, int kernelWidth, float* chunk)
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
        (a0 + e0).Store(chunk);
        (a1 + e1).Store(chunk + 8);
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

    /// <summary>
    /// dW[f, c, ky, kx] += Σ_oy,ox dy[f, oy, ox] · padded[c, oy + ky, ox + kx]. <paramref name="gradientRows"/> holds dy
    /// with rows of <paramref name="gradientStride"/> (a multiple of 8) whose tails past the output width are zero.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AccumulateWeightGradient(float* padded, int channels, int paddedHeight, int rowStride, float* gradientRows, int gradientStride,
        int filters, int kernelHeight, int kernelWidth, int outputHeight, float* weightGradient)
    {
        int planeSize = paddedHeight * rowStride, taps = kernelHeight * kernelWidth, vectors = gradientStride / 8;
        int gradientPlane = outputHeight * gradientStride;
        for (int f0 = 0; f0 < filters; f0 += FilterBlock)
        {
            int block = Math.Min(FilterBlock, filters - f0);
            float* g0 = gradientRows + (nint)f0 * gradientPlane;
            for (int c = 0; c < channels; c++)
            for (int ky = 0; ky < kernelHeight; ky++)
            for (int kx = 0; kx < kernelWidth; kx++)
            {
                float* origin = padded + (nint)c * planeSize + (nint)ky * rowStride + kx;
                int tap = (c * kernelHeight + ky) * kernelWidth + kx;
                if (block == FilterBlock)
                {
                    Vector256<float> a = default, b = default, d = default, e = default;
                    for (int oy = 0; oy < outputHeight; oy++)
                    {
                        float* row = origin + (nint)oy * rowStride;
                        float* gy = g0 + (nint)oy * gradientStride;
                        for (int v = 0; v < vectors; v++)
                        {
                            var x = Vector256.Load(row + v * 8);
                            a = Vector256.FusedMultiplyAdd(Vector256.Load(gy + v * 8), x, a);
                            b = Vector256.FusedMultiplyAdd(Vector256.Load(gy + gradientPlane + v * 8), x, b);
                            d = Vector256.FusedMultiplyAdd(Vector256.Load(gy + 2 * gradientPlane + v * 8), x, d);
                            e = Vector256.FusedMultiplyAdd(Vector256.Load(gy + 3 * gradientPlane + v * 8), x, e);
                        }
                    }
                    weightGradient[(nint)f0 * channels * taps + tap] += Vector256.Sum(a);
                    weightGradient[(nint)(f0 + 1) * channels * taps + tap] += Vector256.Sum(b);
                    weightGradient[(nint)(f0 + 2) * channels * taps + tap] += Vector256.Sum(d);
                    weightGradient[(nint)(f0 + 3) * channels * taps + tap] += Vector256.Sum(e);
                }
                else
                {
                    for (int f = 0; f < block; f++)
                    {
                        Vector256<float> a = default;
                        float* gf = g0 + (nint)f * gradientPlane;
                        for (int oy = 0; oy < outputHeight; oy++)
                        {
                            float* row = origin + (nint)oy * rowStride;
                            float* gy = gf + (nint)oy * gradientStride;
                            for (int v = 0; v < vectors; v++) a = Vector256.FusedMultiplyAdd(Vector256.Load(gy + v * 8), Vector256.Load(row + v * 8), a);
                        }
                        weightGradient[(nint)(f0 + f) * channels * taps + tap] += Vector256.Sum(a);
                    }
                }
            }
        }
    }
}
