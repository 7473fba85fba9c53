using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Microsoft.ML.Autoencoders.Engine.Kernels;

/// <summary>
/// The backward pass's one pass over an image's output gradient: dy, masked by a ReLU above where there is one, goes
/// straight into the zero-padded planes that the weight and input gradients read, and each plane's sum into the bias
/// gradient on the way. Done apart (the ReLU's gradient pass into a buffer, a library sum per plane, then the copy),
/// these read and wrote dy three times, and the calls cost more than the work: the rows are 4 to 28 floats.
/// </summary>
internal static unsafe partial class DirectConvolution
{
    /// <summary>
    /// For each of <paramref name="filters"/> height×width planes of <paramref name="gradient"/>: writes the plane at
    /// (<paramref name="top"/>, <paramref name="left"/>) of a padded plane of <paramref name="paddedHeight"/> rows of
    /// <paramref name="rowStride"/> floats, each value kept only where <paramref name="reluOutput"/> (the ReLU's output
    /// above, same layout as the gradient; null for none) is above zero, and adds the plane's written sum to
    /// <paramref name="biasGradient"/>[f]. Only that interior is written, each row with zeros after it up to its width
    /// rounded up to 8: the borders must already hold zeros. Every row must leave room for its width rounded up to 8
    /// after <paramref name="left"/> (the padded layouts here leave 16).
    /// </summary>
    /// <remarks>
    /// The borders are the caller's: a layer's planes are zero from their allocation and nothing but this writes them,
    /// always at the same place, so their zeros outlive every image. Clearing them again per image wrote most of the
    /// planes twice (rows are 14 to 28 wide in rows of 32) and cost as much as the copy itself.
    /// The mask is the ReLU layer's own select (y &gt; 0 ? dy : 0), so the planes hold the bits its gradient pass
    /// wrote. Each plane's sum is one fixed chain of 8-lane adds, row by row, then one horizontal sum, so the bias
    /// gradient of an image does not depend on the thread that forms it.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void FormPaddedGradient(float* gradient, float* reluOutput, int filters, int height, int width, float* padded, int paddedHeight,
        int rowStride, int top, int left, float* biasGradient)
    {
        int whole = width / 8 * 8, rest = width - whole;
        // Loads past the row's width read zeros (a masked load faults on nothing): the row's end, or the buffer's.
        var tailMask = Vector256.LessThan(Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7), Vector256.Create(rest)).AsSingle();
        int planeSize = paddedHeight * rowStride;
        for (int f = 0; f < filters; f++)
        {
            float* plane = padded + (nint)f * planeSize;
            float* source = gradient + (nint)f * height * width;
            float* mask = reluOutput == null ? null : reluOutput + (nint)f * height * width;
            var sum = Vector256<float>.Zero;
            for (int y = 0; y < height; y++)
            {
                float* target = plane + (nint)(top + y) * rowStride + left;
                float* values = source + (nint)y * width;
                float* above = mask == null ? null : mask + (nint)y * width;
                int i = 0;
                for (; i < whole; i += 8)
                {
                    var v = Vector256.Load(values + i);
                    if (above != null) v = Vector256.ConditionalSelect(Vector256.GreaterThan(Vector256.Load(above + i), Vector256<float>.Zero), v, Vector256<float>.Zero);
                    sum += v;
                    v.Store(target + i);
                }
                if (rest > 0)
                {
                    // The masked lanes load as zeros and stay zeros through the select, so the whole vector can be stored.
                    var v = LoadTail(values + i, rest, tailMask);
                    if (above != null) v = Vector256.ConditionalSelect(Vector256.GreaterThan(LoadTail(above + i, rest, tailMask), Vector256<float>.Zero), v, Vector256<float>.Zero);
                    sum += v;
                    v.Store(target + i);
                }
            }
            biasGradient[f] += Vector256.Sum(sum);
        }
    }
}
