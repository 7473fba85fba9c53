using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Microsoft.ML.Autoencoders.Engine.Kernels;

/// <summary>
/// The 512-bit weight gradient of whole 3×3 kernels in one pass down the image rows: two channels of a lone filter (a
/// decoder's last convolution, 16 channels into 1), or one channel of two filters (every other 3×3 layer wider than 8).
/// </summary>
/// <remarks>
/// Image row r meets dy row r − ky for each kernel row ky, so a pass that holds the last three dy rows in registers
/// uses each image vector three times. A lone filter's kernel-row pass (<see cref="KernelRowFourChannels512"/>) loaded
/// twelve image vectors and one of dy for twelve FMAs and waited on its loads (two a cycle against two FMAs); here a
/// row of two channels is six image loads and one of dy for eighteen FMAs. For two filters it is three image loads and
/// two of dy for eighteen, and each dy plane is read once per channel instead of once per kernel row: the eight-filter
/// kernel-row passes (<see cref="KernelRowEightFilters512"/>) read the 1→16 layer's sixteen 28×28 planes, which do not
/// stay in L1, three times. Measured on Zen 5 against those passes (6 alternating runs of the benchmark's layer
/// timings, backward over forward GFLOP/s): 1→16 on 28×28 about 1.05 → 1.15, 16→8 and 8→16 on 14×14 about 0.99 → 1.04.
/// The first two and last two rows pair with dy rows outside the plane, held as zeros (their products are 4 of every
/// Ho + 2 rows' work, where edge cases per row would cost more).
/// </remarks>
internal static unsafe partial class DirectConvolution
{
    /// <summary>
    /// dW[c, ky, kx] += Σ_n Σ_oy,ox dy[n, oy, ox] · padded[n, c, oy + ky, ox + kx] for one filter, channels c and c + 1
    /// (<paramref name="padded"/> at channel c, <paramref name="dW"/> at its kernel), over <paramref name="images"/> images.
    /// dy's rows must be followed by zeros up to their width rounded up to 16; the padded planes hold outputHeight + 2 rows.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void WholeKernelTwoChannels512(float* padded, int planeSize, int rowStride, float* gradient, int gradientStride, int outputHeight,
        int vectors, int images, int imageStride, int gradientImageStride, float* dW)
    {
        Vector512<float> p00 = default, p01 = default, p02 = default, p10 = default, p11 = default, p12 = default, p20 = default, p21 = default, p22 = default;
        Vector512<float> q00 = default, q01 = default, q02 = default, q10 = default, q11 = default, q12 = default, q20 = default, q21 = default, q22 = default;
        int imageRows = outputHeight + 2;
        for (int n = 0; n < images; n++)
        for (int v = 0; v < vectors; v++)
        {
            float* column = padded + (nint)n * imageStride + v * 16;
            float* gradientColumn = gradient + (nint)n * gradientImageStride + v * 16;
            // dy rows r − 1 and r − 2 (zeros above the plane).
            Vector512<float> above = default, twoAbove = default;
            for (int r = 0; r < imageRows; r++)
            {
                var g = r < outputHeight ? Vector512.Load(gradientColumn + (nint)r * gradientStride) : Vector512<float>.Zero;
                float* x = column + (nint)r * rowStride;
                var x0 = Vector512.Load(x);
                var x1 = Vector512.Load(x + 1);
                var x2 = Vector512.Load(x + 2);
                p00 = Vector512.FusedMultiplyAdd(g, x0, p00); p01 = Vector512.FusedMultiplyAdd(g, x1, p01); p02 = Vector512.FusedMultiplyAdd(g, x2, p02);
                p10 = Vector512.FusedMultiplyAdd(above, x0, p10); p11 = Vector512.FusedMultiplyAdd(above, x1, p11); p12 = Vector512.FusedMultiplyAdd(above, x2, p12);
                p20 = Vector512.FusedMultiplyAdd(twoAbove, x0, p20); p21 = Vector512.FusedMultiplyAdd(twoAbove, x1, p21); p22 = Vector512.FusedMultiplyAdd(twoAbove, x2, p22);
                x += planeSize;
                x0 = Vector512.Load(x);
                x1 = Vector512.Load(x + 1);
                x2 = Vector512.Load(x + 2);
                q00 = Vector512.FusedMultiplyAdd(g, x0, q00); q01 = Vector512.FusedMultiplyAdd(g, x1, q01); q02 = Vector512.FusedMultiplyAdd(g, x2, q02);
                q10 = Vector512.FusedMultiplyAdd(above, x0, q10); q11 = Vector512.FusedMultiplyAdd(above, x1, q11); q12 = Vector512.FusedMultiplyAdd(above, x2, q12);
                q20 = Vector512.FusedMultiplyAdd(twoAbove, x0, q20); q21 = Vector512.FusedMultiplyAdd(twoAbove, x1, q21); q22 = Vector512.FusedMultiplyAdd(twoAbove, x2, q22);
                twoAbove = above;
                above = g;
            }
        }
        // The two channels' kernels are 18 consecutive weights: four at a time, then the last two.
        (Vector128.Load(dW) + SumsOfFour(p00, p01, p02, p10)).Store(dW);
        (Vector128.Load(dW + 4) + SumsOfFour(p11, p12, p20, p21)).Store(dW + 4);
        (Vector128.Load(dW + 8) + SumsOfFour(p22, q00, q01, q02)).Store(dW + 8);
        (Vector128.Load(dW + 12) + SumsOfFour(q10, q11, q12, q20)).Store(dW + 12);
        dW[16] += Vector512.Sum(q21);
        dW[17] += Vector512.Sum(q22);
    }

    /// <summary>
    /// dW[f, c, ky, kx] += Σ_n Σ_oy,ox dy[n, f, oy, ox] · padded[n, c, oy + ky, ox + kx] for filters f and f + 1 and one
    /// channel (<paramref name="plane"/> at channel c, <paramref name="gradient"/> at filter f's plane, <paramref name="dW"/>
    /// at filter f's kernel of channel c): each image vector serves both filters' three kernel rows, and each dy plane is
    /// read once for the whole kernel instead of once per kernel row (the 1→16 layer's sixteen 28×28 planes do not stay in L1).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void WholeKernelTwoFilters512(float* plane, int rowStride, float* gradient, int gradientStride, int gradientPlane, int outputHeight,
        int vectors, int images, int imageStride, int gradientImageStride, float* dW, int filterStride)
    {
        Vector512<float> p00 = default, p01 = default, p02 = default, p10 = default, p11 = default, p12 = default, p20 = default, p21 = default, p22 = default;
        Vector512<float> q00 = default, q01 = default, q02 = default, q10 = default, q11 = default, q12 = default, q20 = default, q21 = default, q22 = default;
        int imageRows = outputHeight + 2;
        for (int n = 0; n < images; n++)
        for (int v = 0; v < vectors; v++)
        {
            float* column = plane + (nint)n * imageStride + v * 16;
            float* gradientColumn = gradient + (nint)n * gradientImageStride + v * 16;
            Vector512<float> aAbove = default, aTwoAbove = default, bAbove = default, bTwoAbove = default;
            for (int r = 0; r < imageRows; r++)
            {
                Vector512<float> a = default, b = default;
                if (r < outputHeight)
                {
                    a = Vector512.Load(gradientColumn + (nint)r * gradientStride);
                    b = Vector512.Load(gradientColumn + gradientPlane + (nint)r * gradientStride);
                }
                float* x = column + (nint)r * rowStride;
                var x0 = Vector512.Load(x);
                var x1 = Vector512.Load(x + 1);
                var x2 = Vector512.Load(x + 2);
                p00 = Vector512.FusedMultiplyAdd(a, x0, p00); p01 = Vector512.FusedMultiplyAdd(a, x1, p01); p02 = Vector512.FusedMultiplyAdd(a, x2, p02);
                p10 = Vector512.FusedMultiplyAdd(aAbove, x0, p10); p11 = Vector512.FusedMultiplyAdd(aAbove, x1, p11); p12 = Vector512.FusedMultiplyAdd(aAbove, x2, p12);
                p20 = Vector512.FusedMultiplyAdd(aTwoAbove, x0, p20); p21 = Vector512.FusedMultiplyAdd(aTwoAbove, x1, p21); p22 = Vector512.FusedMultiplyAdd(aTwoAbove, x2, p22);
                q00 = Vector512.FusedMultiplyAdd(b, x0, q00); q01 = Vector512.FusedMultiplyAdd(b, x1, q01); q02 = Vector512.FusedMultiplyAdd(b, x2, q02);
                q10 = Vector512.FusedMultiplyAdd(bAbove, x0, q10); q11 = Vector512.FusedMultiplyAdd(bAbove, x1, q11); q12 = Vector512.FusedMultiplyAdd(bAbove, x2, q12);
                q20 = Vector512.FusedMultiplyAdd(bTwoAbove, x0, q20); q21 = Vector512.FusedMultiplyAdd(bTwoAbove, x1, q21); q22 = Vector512.FusedMultiplyAdd(bTwoAbove, x2, q22);
                aTwoAbove = aAbove;
                aAbove = a;
                bTwoAbove = bAbove;
                bAbove = b;
            }
        }
        (Vector128.Load(dW) + SumsOfFour(p00, p01, p02, p10)).Store(dW);
        (Vector128.Load(dW + 4) + SumsOfFour(p11, p12, p20, p21)).Store(dW + 4);
        dW[8] += Vector512.Sum(p22);
        dW += filterStride;
        (Vector128.Load(dW) + SumsOfFour(q00, q01, q02, q10)).Store(dW);
        (Vector128.Load(dW + 4) + SumsOfFour(q11, q12, q20, q21)).Store(dW + 4);
        dW[8] += Vector512.Sum(q22);
    }
}
