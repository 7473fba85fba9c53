using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Microsoft.ML.Autoencoders.Engine.Kernels;

/// <summary>
/// The direct convolution's weight gradient (the 256-bit kernels; the 512-bit ones are in DirectConvolution.Vector512.cs):
/// dW summed straight from the zero-padded input planes and dy's padded rows, one kernel row of taps per pass.
/// </summary>
internal static unsafe partial class DirectConvolution
{
    /// <summary>
    /// dW[f, c, ky, kx] += Σ_oy,ox dy[f, oy, ox] · padded[c, oy + ky, ox + kx]. <paramref name="gradientRows"/> holds dy
    /// with rows of <paramref name="gradientStride"/> floats and planes of <paramref name="gradientPlane"/>; every row is
    /// followed by zeros up to its width rounded up to 8 (16 with <paramref name="vector512"/>), so whole-vector loads past
    /// the output width add nothing. With <paramref name="vector512"/> the 512-bit kernels take the rows wider than 8, with
    /// other bits (see <see cref="AccumulateWeightGradient512"/>). Sums over <paramref name="images"/> images: the
    /// padded inputs <paramref name="imageStride"/> floats apart, their dy rows <paramref name="gradientImageStride"/>.
    /// </summary>
    /// <remarks>
    /// For 3-wide kernels (the common case) one pass over the rows serves a whole kernel row: 4 filters × 3 taps = 12
    /// accumulators, 4 loads of dy and 3 of the image per 12 FMAs, against 5 loads per 4 FMAs tap by tap. A lone filter
    /// (the last convolution of a decoder, 16 channels into 1) takes four channels at once instead, so it too keeps 12
    /// independent FMA chains rather than one chain per tap waiting on its own latency.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AccumulateWeightGradient(float* padded, int channels, int paddedHeight, int rowStride, float* gradientRows, int gradientStride,
        int gradientPlane, int filters, int kernelHeight, int kernelWidth, int outputWidth, int outputHeight, float* weightGradient, bool vector512,
        int images, int imageStride, int gradientImageStride)
    {
        int planeSize = paddedHeight * rowStride, filterStride = channels * kernelHeight * kernelWidth;
        for (int f0 = 0; f0 < filters; f0 += FilterBlock)
        {
            int block = Math.Min(FilterBlock, filters - f0);
            if (vector512 && AccumulateWeightGradient512(padded, channels, planeSize, rowStride, gradientRows, gradientStride, gradientPlane, f0, block, filters,
                    kernelHeight, kernelWidth, outputWidth, outputHeight, filterStride, weightGradient, images, imageStride, gradientImageStride))
                continue;
            // The 256-bit kernels sum image by image, as they did before groups of images: their passes are two registers or more.
            for (int n = 0; n < images; n++)
                AccumulateWeightGradient256(padded + (nint)n * imageStride, channels, planeSize, rowStride, gradientRows + (nint)n * gradientImageStride,
                    gradientStride, gradientPlane, f0, block, kernelHeight, kernelWidth, outputWidth, outputHeight, filterStride, weightGradient);
        }
    }

    /// <summary>One image's dW of filters [f0, f0 + block) with the 256-bit kernels.</summary>
    private static void AccumulateWeightGradient256(float* padded, int channels, int planeSize, int rowStride, float* gradientRows, int gradientStride,
        int gradientPlane, int f0, int block, int kernelHeight, int kernelWidth, int outputWidth, int outputHeight, int filterStride, float* weightGradient)
    {
        int taps = kernelHeight * kernelWidth, vectors = RoundUp(outputWidth, 8) / 8;
        float* g0 = gradientRows + (nint)f0 * gradientPlane;
        if (kernelWidth == 3 && block == FilterBlock)
        {
            for (int c = 0; c < channels; c++)
            for (int ky = 0; ky < kernelHeight; ky++)
                KernelRowFourFilters(padded + (nint)c * planeSize + (nint)ky * rowStride, rowStride, g0, gradientStride, gradientPlane, outputHeight, vectors,
                    weightGradient + (nint)f0 * filterStride + (c * kernelHeight + ky) * kernelWidth, filterStride);
            return;
        }
        for (int f = 0; f < block; f++)
        {
            float* gf = g0 + (nint)f * gradientPlane;
            float* dWf = weightGradient + (nint)(f0 + f) * filterStride;
            int c = 0;
            if (kernelWidth == 3)
            {
                for (; c + 4 <= channels; c += 4)
                for (int ky = 0; ky < kernelHeight; ky++)
                    KernelRowFourChannels(padded + (nint)c * planeSize + (nint)ky * rowStride, planeSize, rowStride, gf, gradientStride, outputHeight, vectors,
                        dWf + (c * kernelHeight + ky) * kernelWidth, taps);
            }
            for (; c < channels; c++)
                WeightGradientTaps(padded + (nint)c * planeSize, rowStride, gf, gradientStride, kernelHeight, kernelWidth, outputWidth, outputHeight,
                    dWf + c * taps);
        }
    }

    /// <summary>dW[ky, kx] += Σ_oy,ox dy[oy, ox] · plane[oy + ky, ox + kx] for one filter and one channel, tap by tap.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void WeightGradientTaps(float* plane, int rowStride, float* gradient, int gradientStride, int kernelHeight, int kernelWidth,
        int outputWidth, int outputHeight, float* dW)
    {
        int vectors = RoundUp(outputWidth, 8) / 8;
        for (int ky = 0; ky < kernelHeight; ky++)
        for (int kx = 0; kx < kernelWidth; kx++)
        {
            float* origin = plane + (nint)ky * rowStride + kx;
            // Two chains, even and odd rows, so the loop waits on the FMA latency half as often.
            Vector256<float> even = default, odd = default;
            int oy = 0;
            for (; oy + 1 < outputHeight; oy += 2)
            {
                float* row = origin + (nint)oy * rowStride;
                float* gy = gradient + (nint)oy * gradientStride;
                for (int v = 0; v < vectors; v++)
                {
                    even = Vector256.FusedMultiplyAdd(Vector256.Load(gy + v * 8), Vector256.Load(row + v * 8), even);
                    odd = Vector256.FusedMultiplyAdd(Vector256.Load(gy + gradientStride + v * 8), Vector256.Load(row + rowStride + v * 8), odd);
                }
            }
            for (; oy < outputHeight; oy++)
            {
                float* row = origin + (nint)oy * rowStride;
                float* gy = gradient + (nint)oy * gradientStride;
                for (int v = 0; v < vectors; v++) even = Vector256.FusedMultiplyAdd(Vector256.Load(gy + v * 8), Vector256.Load(row + v * 8), even);
            }
            dW[ky * kernelWidth + kx] += Vector256.Sum(even + odd);
        }
    }

    /// <summary>
    /// The 3-wide kernel row of one filter's weight gradient for four consecutive channels in one pass: 12 accumulators,
    /// one load of dy and twelve of the image per 12 FMAs. <paramref name="channelStride"/> is dW's distance between channels.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void KernelRowFourChannels(float* origin, int planeSize, int rowStride, float* gradient, int gradientStride, int outputHeight, int vectors,
        float* dW, int channelStride)
    {
        Vector256<float> a0 = default, a1 = default, a2 = default, b0 = default, b1 = default, b2 = default;
        Vector256<float> c0 = default, c1 = default, c2 = default, d0 = default, d1 = default, d2 = default;
        for (int oy = 0; oy < outputHeight; oy++)
        {
            float* row = origin + (nint)oy * rowStride;
            float* gy = gradient + (nint)oy * gradientStride;
            for (int v = 0; v < vectors; v++)
            {
                var g = Vector256.Load(gy + v * 8);
                float* x = row + v * 8;
                a0 = Vector256.FusedMultiplyAdd(g, Vector256.Load(x), a0);
                a1 = Vector256.FusedMultiplyAdd(g, Vector256.Load(x + 1), a1);
                a2 = Vector256.FusedMultiplyAdd(g, Vector256.Load(x + 2), a2);
                x += planeSize;
                b0 = Vector256.FusedMultiplyAdd(g, Vector256.Load(x), b0);
                b1 = Vector256.FusedMultiplyAdd(g, Vector256.Load(x + 1), b1);
                b2 = Vector256.FusedMultiplyAdd(g, Vector256.Load(x + 2), b2);
                x += planeSize;
                c0 = Vector256.FusedMultiplyAdd(g, Vector256.Load(x), c0);
                c1 = Vector256.FusedMultiplyAdd(g, Vector256.Load(x + 1), c1);
                c2 = Vector256.FusedMultiplyAdd(g, Vector256.Load(x + 2), c2);
                x += planeSize;
                d0 = Vector256.FusedMultiplyAdd(g, Vector256.Load(x), d0);
                d1 = Vector256.FusedMultiplyAdd(g, Vector256.Load(x + 1), d1);
                d2 = Vector256.FusedMultiplyAdd(g, Vector256.Load(x + 2), d2);
            }
        }
        dW[0] += Vector256.Sum(a0); dW[1] += Vector256.Sum(a1); dW[2] += Vector256.Sum(a2);
        dW += channelStride;
        dW[0] += Vector256.Sum(b0); dW[1] += Vector256.Sum(b1); dW[2] += Vector256.Sum(b2);
        dW += channelStride;
        dW[0] += Vector256.Sum(c0); dW[1] += Vector256.Sum(c1); dW[2] += Vector256.Sum(c2);
        dW += channelStride;
        dW[0] += Vector256.Sum(d0); dW[1] += Vector256.Sum(d1); dW[2] += Vector256.Sum(d2);
    }

    /// <summary>The 3-wide kernel row of four filters' weight gradients in one pass: 12 accumulators.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void KernelRowFourFilters(float* origin, int rowStride, float* g0, int gradientStride, int gradientPlane, int outputHeight, int vectors,
        float* dW, int filterStride)
    {
        Vector256<float> a0 = default, a1 = default, a2 = default, b0 = default, b1 = default, b2 = default;
        Vector256<float> c0 = default, c1 = default, c2 = default, d0 = default, d1 = default, d2 = default;
        for (int oy = 0; oy < outputHeight; oy++)
        {
            float* row = origin + (nint)oy * rowStride;
            float* gy = g0 + (nint)oy * gradientStride;
            for (int v = 0; v < vectors; v++)
            {
                var x0 = Vector256.Load(row + v * 8);
                var x1 = Vector256.Load(row + v * 8 + 1);
                var x2 = Vector256.Load(row + v * 8 + 2);
                var g = Vector256.Load(gy + v * 8);
                a0 = Vector256.FusedMultiplyAdd(g, x0, a0);
                a1 = Vector256.FusedMultiplyAdd(g, x1, a1);
                a2 = Vector256.FusedMultiplyAdd(g, x2, a2);
                g = Vector256.Load(gy + gradientPlane + v * 8);
                b0 = Vector256.FusedMultiplyAdd(g, x0, b0);
                b1 = Vector256.FusedMultiplyAdd(g, x1, b1);
                b2 = Vector256.FusedMultiplyAdd(g, x2, b2);
                g = Vector256.Load(gy + 2 * gradientPlane + v * 8);
                c0 = Vector256.FusedMultiplyAdd(g, x0, c0);
                c1 = Vector256.FusedMultiplyAdd(g, x1, c1);
                c2 = Vector256.FusedMultiplyAdd(g, x2, c2);
                g = Vector256.Load(gy + 3 * gradientPlane + v * 8);
                d0 = Vector256.FusedMultiplyAdd(g, x0, d0);
                d1 = Vector256.FusedMultiplyAdd(g, x1, d1);
                d2 = Vector256.FusedMultiplyAdd(g, x2, d2);
            }
        }
        dW[0] += Vector256.Sum(a0); dW[1] += Vector256.Sum(a1); dW[2] += Vector256.Sum(a2);
        dW += filterStride;
        dW[0] += Vector256.Sum(b0); dW[1] += Vector256.Sum(b1); dW[2] += Vector256.Sum(b2);
        dW += filterStride;
        dW[0] += Vector256.Sum(c0); dW[1] += Vector256.Sum(c1); dW[2] += Vector256.Sum(c2);
        dW += filterStride;
        dW[0] += Vector256.Sum(d0); dW[1] += Vector256.Sum(d1); dW[2] += Vector256.Sum(d2);
    }
}
