using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Microsoft.ML.Autoencoders.Engine.Export;
using Microsoft.ML.Autoencoders.Engine.Kernels;

namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>
/// Max pooling over rows [C, H, W] with a square window and stride, optionally in ceil mode (a last, partial window
/// covers the leftover rows and columns, as PyTorch's ceil_mode and ONNX's ceil_mode do). Forward keeps the position of
/// each window's maximum in the scratch, so backward routes each gradient to exactly that input.
/// </summary>
public sealed class MaxPool2d : Layer
{
    /// <summary>Creates the layer; <paramref name="geometry"/> carries the window, stride and any ceil-mode overhang as bottom/right padding.</summary>
    public MaxPool2d(ConvGeometry geometry, bool ceilMode)
    {
        if (geometry.OutputHeight <= 0 || geometry.OutputWidth <= 0) throw new ArgumentException("The window does not fit the input.", nameof(geometry));
        FloatPositions.RequireExact((long)geometry.Channels * geometry.Height * geometry.Width, "max_pool2d", nameof(geometry));
        Geometry = geometry;
        CeilMode = ceilMode;
    }

    /// <summary>Input shape, window and stride; the padding is the ceil mode's overhang at the bottom and right.</summary>
    public ConvGeometry Geometry { get; }

    /// <summary>True when a partial last window is kept.</summary>
    public bool CeilMode { get; }

    /// <inheritdoc/>
    public override int InputSize => Geometry.Channels * Geometry.Height * Geometry.Width;

    /// <inheritdoc/>
    public override int OutputSize => Geometry.Channels * Geometry.OutputPositions;

    /// <summary>The index (within the image) of each output's maximum, stored as a float (exact below 2^24, which the constructor requires).</summary>
    public override int ScratchSizePerSample => OutputSize;

    /// <summary>Written over image by image: 2×2 stride-2 windows write each input's gradient or 0 directly; other windows clear the image's gradient right before routing its maxima into it.</summary>
    internal override bool CanOverwriteInputGradient => true;

    /// <summary>Image by image, with no state but each image's scratch: joins the chains around convolutions.</summary>
    internal override SampleParallelism SampleParallelism => SampleParallelism.Allowed;

    /// <summary>Images are split over the threads; each output keeps the index of its maximum (the first, or a NaN) for backward.</summary>
    public override unsafe void Forward(ReadOnlySpan<float> x, Span<float> y, Span<float> scratch, int batch, in LayerContext context)
    {
        fixed (float* px = x)
        fixed (float* py = y)
        fixed (float* pArgmax = scratch)
        {
            ParallelRange.Run(batch, context.Threads, new ForwardImages(this, px, py, pArgmax), grain: 1, minPerThread: 8);
        }
    }

    private readonly unsafe struct ForwardImages(MaxPool2d layer, float* x, float* y, float* argmax) : IRangeKernel
    {
        public void Execute(int start, int end)
        {
            var g = layer.Geometry;
            bool twoByTwo = g.KernelHeight == 2 && g.KernelWidth == 2 && g.Stride == 2;
            for (int n = start; n < end; n++)
            {
                float* image = x + (nint)n * layer.InputSize;
                float* output = y + (nint)n * layer.OutputSize;
                float* indices = argmax + (nint)n * layer.OutputSize;
                if (twoByTwo) PoolTwoByTwo(g, image, output, indices);
                else PoolAnyWindow(g, image, output, indices);
            }
        }
    }

    /// <summary>
    /// The common 2×2, stride-2 window, written without data-dependent branches: on the ReLU outputs a pool sees, which
    /// of four values wins is close to random, and a branch per comparison mispredicted often enough to make pooling
    /// cost as much as the convolution before it. A ceil-mode window past the edge reads its last row or column twice,
    /// which picks the same maximum and index.
    /// </summary>
    private static unsafe void PoolTwoByTwo(in ConvGeometry g, float* image, float* output, float* indices)
    {
        int ho = g.OutputHeight, wo = g.OutputWidth, plane = g.Height * g.Width, o = 0;
        // Whole pairs of columns: eight outputs at a time from two 16-float loads per row.
        int vectorOutputs = Vector256.IsHardwareAccelerated ? Math.Min(wo, g.Width / 2) / 8 * 8 : 0;
        // A ragged end of a row at least eight windows wide, all inside the image, is one more vector of eight windows
        // ending at the row's end: the windows it shares with the last whole vector get the same values and indices again.
        // (14 outputs from 28 columns would otherwise run 6 of every 14 windows through the scalar path.)
        bool overlappingTail = vectorOutputs >= 8 && vectorOutputs < wo && 2 * wo <= g.Width;
        // Rows of 4 to 7 windows (14 columns → 7 in the Keras-blog network's second pool, 7 → 4 in ceil mode in its third):
        // one vector of eight windows a row, the ones past the row's end spilling into the next row's outputs, which that
        // row then writes over. A ceil-mode window overhanging the right edge is then redone alone (it reads its last
        // column twice). Scalar, these rows mispredicted their selects so often that the 8×14×14 pool cost 16 ns a window,
        // three times the whole 28×28 pool before it. A row whose vector would read past the image or write past its
        // outputs (the next image may belong to another thread), or whose window overhangs the bottom, stays scalar.
        bool spillingRows = Vector256.IsHardwareAccelerated && wo >= 4 && wo < 8 && 2 * wo <= g.Width + 1;
        int imageSize = g.Channels * plane, outputsPerImage = g.Channels * ho * wo;
        for (int c = 0; c < g.Channels; c++)
        {
            for (int oy = 0; oy < ho; oy++, o += wo)
            {
                int y0 = 2 * oy, y1 = Math.Min(y0 + 1, g.Height - 1);
                int row0 = c * plane + y0 * g.Width, row1 = c * plane + y1 * g.Width;
                if (spillingRows && y0 + 1 < g.Height && row1 + 16 <= imageSize && o + 8 <= outputsPerImage)
                {
                    PoolEight(image, row0, row1, 0, output + o, indices + o);
                    if (2 * wo > g.Width) PoolOne(image, row0, row1, 2 * (wo - 1), g.Width - 1, output + o + wo - 1, indices + o + wo - 1);
                    continue;
                }
                for (int ox = 0; ox < vectorOutputs; ox += 8) PoolEight(image, row0, row1, 2 * ox, output + o + ox, indices + o + ox);
                if (overlappingTail)
                {
                    PoolEight(image, row0, row1, 2 * (wo - 8), output + o + wo - 8, indices + o + wo - 8);
                    continue;
                }
                for (int ox = vectorOutputs; ox < wo; ox++)
                {
                    int x0 = 2 * ox;
                    PoolOne(image, row0, row1, x0, Math.Min(x0 + 1, g.Width - 1), output + o + ox, indices + o + ox);
                }
            }
        }
    }

    /// <summary>
    /// Eight 2×2 windows starting at column <paramref name="x"/> of rows <paramref name="row0"/> and <paramref name="row1"/>:
    /// the even and odd columns of each row are split apart, and the four candidates compared with selects in the same
    /// order as <see cref="Take"/> (top-left, top-right, bottom-left, bottom-right), so ties and NaNs resolve the same way.
    /// Indices are kept as floats (exact below 2²⁴), as the scratch stores them.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void PoolEight(float* image, int row0, int row1, int x, float* output, float* indices)
    {
        var evenThenOdd = Vector256.Create(0, 2, 4, 6, 1, 3, 5, 7);
        var twice = Vector256.Create(0f, 2f, 4f, 6f, 8f, 10f, 12f, 14f);
        var a = Vector256.Shuffle(Vector256.Load(image + row0 + x), evenThenOdd);
        var b = Vector256.Shuffle(Vector256.Load(image + row0 + x + 8), evenThenOdd);
        var d = Vector256.Shuffle(Vector256.Load(image + row1 + x), evenThenOdd);
        var e = Vector256.Shuffle(Vector256.Load(image + row1 + x + 8), evenThenOdd);
        var topLeft = Vector256.Create(a.GetLower(), b.GetLower());
        var topRight = Vector256.Create(a.GetUpper(), b.GetUpper());
        var bottomLeft = Vector256.Create(d.GetLower(), e.GetLower());
        var bottomRight = Vector256.Create(d.GetUpper(), e.GetUpper());
        var topIndex = Vector256.Create((float)(row0 + x)) + twice;
        var bottomIndex = Vector256.Create((float)(row1 + x)) + twice;

        var max = topLeft;
        var best = topIndex;
        Select(topRight, topIndex + Vector256<float>.One, ref max, ref best);
        Select(bottomLeft, bottomIndex, ref max, ref best);
        Select(bottomRight, bottomIndex + Vector256<float>.One, ref max, ref best);
        max.Store(output);
        best.Store(indices);
    }

    /// <summary>One 2×2 window (columns <paramref name="x0"/> and <paramref name="x1"/>, which may be the same at a ceil-mode edge).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void PoolOne(float* image, int row0, int row1, int x0, int x1, float* output, float* index)
    {
        int best = row0 + x0;
        float max = image[best];
        Take(image, row0 + x1, ref max, ref best);
        Take(image, row1 + x0, ref max, ref best);
        Take(image, row1 + x1, ref max, ref best);
        *output = max;
        *index = best;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Select(Vector256<float> value, Vector256<float> index, ref Vector256<float> max, ref Vector256<float> best)
    {
        var wins = Vector256.GreaterThan(value, max) | ~Vector256.Equals(value, value);
        max = Vector256.ConditionalSelect(wins, value, max);
        best = Vector256.ConditionalSelect(wins, index, best);
    }

    /// <summary>max, best ← image[at], at when it is larger or NaN (so a NaN propagates, as in PyTorch); selects, not branches.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Take(float* image, int at, ref float max, ref int best)
    {
        float value = image[at];
        bool wins = value > max || float.IsNaN(value);
        max = wins ? value : max;
        best = wins ? at : best;
    }

    private static unsafe void PoolAnyWindow(in ConvGeometry g, float* image, float* output, float* indices)
    {
        int ho = g.OutputHeight, wo = g.OutputWidth, plane = g.Height * g.Width, o = 0;
        for (int c = 0; c < g.Channels; c++)
        {
            for (int oy = 0; oy < ho; oy++)
            {
                int y0 = oy * g.Stride, y1 = Math.Min(y0 + g.KernelHeight, g.Height);
                for (int ox = 0; ox < wo; ox++, o++)
                {
                    int x0 = ox * g.Stride, x1 = Math.Min(x0 + g.KernelWidth, g.Width);
                    int best = c * plane + y0 * g.Width + x0;
                    float max = image[best];
                    for (int yy = y0; yy < y1; yy++)
                        for (int xx = x0; xx < x1; xx++) Take(image, c * plane + yy * g.Width + xx, ref max, ref best);
                    output[o] = max;
                    indices[o] = best;
                }
            }
        }
    }

    /// <summary>Images are split over the threads: each routes its outputs' gradients to the inputs that won.</summary>
    public override unsafe void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx,
        ReadOnlySpan<float> scratch, int batch, in LayerContext context)
    {
        if (dx.IsEmpty) return;
        fixed (float* pdy = dy)
        fixed (float* pdx = dx)
        fixed (float* pArgmax = scratch)
        {
            ParallelRange.Run(batch, context.Threads, new BackwardImages(this, pdy, pdx, pArgmax, context.OverwriteInputGradient), grain: 1, minPerThread: 8);
        }
    }

    private readonly unsafe struct BackwardImages(MaxPool2d layer, float* dy, float* dx, float* argmax, bool overwrite) : IRangeKernel
    {
        public void Execute(int start, int end)
        {
            var g = layer.Geometry;
            // Adding into dx stays a scatter: only the winners change, so an input's -0 stays -0 as before. Rows of fewer
            // than five windows do too: at four a row (the 7 → 4 pool) one vector store per input row did less than the
            // clear and scatter it replaced (16.8-17.1 against 14.1 µs a batch of 128 on Zen 5), and narrower rows would
            // go window by window.
            bool writeTiles = overwrite && g.KernelHeight == 2 && g.KernelWidth == 2 && g.Stride == 2 && g.OutputWidth >= 5
                && Avx.IsSupported;
            int inputSize = layer.InputSize, outputSize = layer.OutputSize;
            for (int n = start; n < end; n++)
            {
                float* image = dx + (nint)n * inputSize;
                float* gradient = dy + (nint)n * outputSize;
                float* indices = argmax + (nint)n * outputSize;
                if (writeTiles)
                {
                    RouteTwoByTwo(g, gradient, indices, image);
                    continue;
                }
                Scatter(gradient, indices, image, inputSize, outputSize, overwrite);
            }
        }
    }

    /// <summary>
    /// dx[index] += gradient for each output of one image, after clearing dx when it is written over. A method of its own:
    /// inlined beside <see cref="RouteTwoByTwo"/>, this loop took half as long again (21 against 14 µs for the 7×7 pool).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static unsafe void Scatter(float* gradient, float* indices, float* dx, int inputSize, int outputSize, bool overwrite)
    {
        if (overwrite) new Span<float>(dx, inputSize).Clear();
        for (int o = 0; o < outputSize; o++) dx[(int)indices[o]] += gradient[o];
    }

    /// <summary>
    /// Writes one image's dx for 2×2, stride-2 windows, which tile the input: every input belongs to at most one window,
    /// so its gradient is that window's when its index won, else 0, and dx can be written row by row instead of cleared
    /// and scattered into (the scatter, a load-add-store per output, cost as much as the clear). The layout follows
    /// <see cref="PoolTwoByTwo"/>: eight windows at a time, an overlapping last vector for a ragged row of at least eight,
    /// and rows of 5 to 7 windows as one vector whose spill past the row's end is written over by the rows after it.
    /// Each value is 0 + gradient, as the clear-and-add it replaces gave (a −0 gradient lands as +0), so the bits agree.
    /// For rows of at least five windows (the caller keeps narrower ones on the scatter).
    /// </summary>
    private static unsafe void RouteTwoByTwo(in ConvGeometry g, float* gradient, float* indices, float* dx)
    {
        int ho = g.OutputHeight, wo = g.OutputWidth, width = g.Width, plane = g.Height * width, o = 0;
        int imageSize = g.Channels * plane, outputsPerImage = g.Channels * ho * wo;
        // Windows whose two columns are both in the image; a ceil-mode window past the right edge is the one after them.
        int inside = Math.Min(wo, width / 2);
        int vectorWindows = inside / 8 * 8;
        bool overlappingTail = vectorWindows >= 8 && vectorWindows < inside;
        bool spillingRows = wo < 8;
        // Valid pooling of an odd width or height leaves a last column or row that no window reads: its gradient is 0.
        bool columnLeftOver = 2 * wo < width, rowLeftOver = 2 * ho < g.Height;
        for (int c = 0; c < g.Channels; c++)
        {
            for (int oy = 0; oy < ho; oy++, o += wo)
            {
                int y0 = 2 * oy, row0 = c * plane + y0 * width;
                // A ceil-mode window past the bottom edge has one row: forward read it twice, and its index points into it.
                bool twoRows = y0 + 1 < g.Height;
                int row1 = twoRows ? row0 + width : row0;
                if (spillingRows && o + 8 <= outputsPerImage && row1 + 16 <= imageSize)
                {
                    // Row 0's spill lands in row 1, written next; row 1's in the next pair of rows, a left-over row cleared
                    // after the channel, or the next channel: all written later, so whatever the windows past this row's end
                    // (the next row's) leave there is written over.
                    RouteEight(gradient + o, indices + o, dx, row0, row1, 0, twoRows);
                }
                else
                {
                    for (int ox = 0; ox < vectorWindows; ox += 8) RouteEight(gradient + o + ox, indices + o + ox, dx, row0, row1, 2 * ox, twoRows);
                    int rest = vectorWindows;
                    if (overlappingTail)
                    {
                        RouteEight(gradient + o + inside - 8, indices + o + inside - 8, dx, row0, row1, 2 * (inside - 8), twoRows);
                        rest = inside;
                    }
                    for (int ox = rest; ox < wo; ox++)
                    {
                        int x0 = 2 * ox;
                        RouteOne(gradient[o + ox], (int)indices[o + ox], dx, row0, row1, x0, Math.Min(x0 + 1, width - 1));
                    }
                }
                if (columnLeftOver)
                {
                    dx[row0 + width - 1] = 0f;
                    dx[row1 + width - 1] = 0f;
                }
            }
            if (rowLeftOver) new Span<float>(dx + c * plane + (g.Height - 1) * width, width).Clear();
        }
    }

    /// <summary>
    /// dx for eight windows starting at column <paramref name="x"/>: each of the four candidate positions, with the same
    /// float index arithmetic as <see cref="PoolEight"/>, gets the gradient where it equals the stored index, else 0;
    /// the left and right columns are then interleaved back into 16 floats of each row.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void RouteEight(float* gradient, float* indices, float* dx, int row0, int row1, int x, bool twoRows)
    {
        var twice = Vector256.Create(0f, 2f, 4f, 6f, 8f, 10f, 12f, 14f);
        var value = Vector256.Load(gradient);
        var index = Vector256.Load(indices);
        var topIndex = Vector256.Create((float)(row0 + x)) + twice;
        StoreInterleaved(Won(index, topIndex, value), Won(index, topIndex + Vector256<float>.One, value), dx + row0 + x);
        if (!twoRows) return;
        var bottomIndex = Vector256.Create((float)(row1 + x)) + twice;
        StoreInterleaved(Won(index, bottomIndex, value), Won(index, bottomIndex + Vector256<float>.One, value), dx + row1 + x);
    }

    /// <summary>0 + value where the stored index is this position, else 0 (the clear-and-add's bits, −0 included).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Won(Vector256<float> index, Vector256<float> position, Vector256<float> value) =>
        (Vector256.Equals(index, position) & value) + Vector256<float>.Zero;

    /// <summary>target[2i] = left[i], target[2i + 1] = right[i] for i &lt; 8.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void StoreInterleaved(Vector256<float> left, Vector256<float> right, float* target)
    {
        if (Avx512F.IsSupported)
        {
            // One two-source permute (vpermt2ps) and one 512-bit store. Vector512.Create(left, right) measured twice as slow
            // on the 7×7 pool: the JIT inserted both halves into a register it kept on the stack, a store-to-load chain
            // from each call to the next.
            Avx512F.PermuteVar16x32x2(left.ToVector512Unsafe(), Vector512.Create(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23),
                right.ToVector512Unsafe()).Store(target);
            return;
        }
        // Within 128-bit lanes, then the lanes put in order.
        var low = Avx.UnpackLow(left, right);
        var high = Avx.UnpackHigh(left, right);
        Avx.Permute2x128(low, high, 0x20).Store(target);
        Avx.Permute2x128(low, high, 0x31).Store(target + 8);
    }

    /// <summary>One window's dx (columns <paramref name="x0"/>, <paramref name="x1"/> and the rows may repeat at a ceil-mode edge: a repeated position gets the same value twice).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void RouteOne(float value, int index, float* dx, int row0, int row1, int x0, int x1)
    {
        int won = BitConverter.SingleToInt32Bits(0f + value);
        dx[row0 + x0] = WonOrZero(won, index, row0 + x0);
        dx[row0 + x1] = WonOrZero(won, index, row0 + x1);
        dx[row1 + x0] = WonOrZero(won, index, row1 + x0);
        dx[row1 + x1] = WonOrZero(won, index, row1 + x1);
    }

    /// <summary>
    /// The float with bits <paramref name="won"/> when <paramref name="index"/> is <paramref name="position"/>, else +0, by a
    /// mask rather than a conditional, which the JIT made a branch that the near-random winner mispredicted. Both are
    /// non-negative, so they differ exactly when one of the two differences is negative (its sign bit set).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float WonOrZero(int won, int index, int position)
    {
        int missed = ((index - position) | (position - index)) >> 31;
        return BitConverter.Int32BitsToSingle(won & ~missed);
    }

    /// <summary>Reshape to [N, C, H, W], MaxPool (kernel, strides, ceil_mode), Reshape back to flat rows.</summary>
    public override void ExportOnnx(LayerExportContext context)
    {
        var g = Geometry;
        string image = OnnxShapes.ToImage(context, g.Channels, g.Height, g.Width);
        string pooled = context.Tensor("pooled");
        context.AddNode("MaxPool", [image], [pooled],
            OnnxNodeAttribute.Ints("kernel_shape", g.KernelHeight, g.KernelWidth),
            OnnxNodeAttribute.Ints("strides", g.Stride, g.Stride),
            OnnxNodeAttribute.Int("ceil_mode", CeilMode ? 1 : 0));
        OnnxShapes.ToRows(context, pooled, OutputSize);
    }
}
