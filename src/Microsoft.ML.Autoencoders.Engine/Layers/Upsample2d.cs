using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Microsoft.ML.Autoencoders.Engine.Export;
using Microsoft.ML.Autoencoders.Engine.Kernels;

namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>
/// Nearest-neighbour upsampling of rows [C, H, W] by an integer factor s to [C, s·H, s·W]: every input value is repeated
/// over an s×s block; backward sums each block's gradients.
/// </summary>
public sealed class Upsample2d : Layer
{
    /// <summary>Creates the layer for images of <paramref name="channels"/>×<paramref name="height"/>×<paramref name="width"/>.</summary>
    public Upsample2d(int channels, int height, int width, int scale)
    {
        if (channels <= 0 || height <= 0 || width <= 0 || scale <= 0) throw new ArgumentOutOfRangeException(nameof(scale), "Every size and the scale must be positive.");
        Channels = channels;
        Height = height;
        Width = width;
        Scale = scale;
    }

    /// <summary>Channels.</summary>
    public int Channels { get; }

    /// <summary>Input rows.</summary>
    public int Height { get; }

    /// <summary>Input columns.</summary>
    public int Width { get; }

    /// <summary>The factor on each axis.</summary>
    public int Scale { get; }

    /// <inheritdoc/>
    public override int InputSize => Channels * Height * Width;

    /// <inheritdoc/>
    public override int OutputSize => InputSize * Scale * Scale;

    /// <inheritdoc/>
    internal override bool CanOverwriteInputGradient => true;

    /// <summary>Image by image, with no state: joins the chains around convolutions.</summary>
    internal override SampleParallelism SampleParallelism => SampleParallelism.Allowed;

    /// <summary>
    /// Images are split over the threads (this layer moves the most bytes of a conv autoencoder: the last upsampling
    /// writes 16×28×28 floats per image). Each input row is widened once into its first output row, which the next
    /// Scale − 1 rows copy.
    /// </summary>
    public override unsafe void Forward(ReadOnlySpan<float> x, Span<float> y, Span<float> scratch, int batch, in LayerContext context)
    {
        fixed (float* px = x)
        fixed (float* py = y)
        {
            ParallelRange.Run(batch, context.Threads, new ForwardImages(this, px, py), grain: 1, minPerThread: 8);
        }
    }

    private readonly unsafe struct ForwardImages(Upsample2d layer, float* x, float* y) : IRangeKernel
    {
        public void Execute(int start, int end)
        {
            int width = layer.Width, scale = layer.Scale, outWidth = width * scale, rowsPerImage = layer.Channels * layer.Height;
            for (int row = start * rowsPerImage; row < end * rowsPerImage; row++)
                layer.WidenRow(x + (nint)row * width, y + (nint)row * scale * outWidth, outWidth);
        }
    }

    /// <summary>
    /// One input row widened into the <see cref="Scale"/> output rows it covers, <paramref name="stride"/> floats apart
    /// starting at <paramref name="first"/>: the forward pass's rows (stride = the output width) or a convolution's
    /// padded rows (<see cref="WritePaddedPlanes"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private unsafe void WidenRow(float* source, float* first, int stride)
    {
        int width = Width, scale = Scale, outWidth = width * scale;
        if (scale == 2 && width >= 8 && Vector256.IsHardwareAccelerated)
        {
            // Both output rows stored from the registers, instead of the second copied from the first.
            DoubleRowTwice(source, first, first + stride, width);
            return;
        }
        if (scale == 2 && width >= 8)
        {
            DoubleRow(source, first, width);
        }
        else if (scale == 2)
        {
            // Narrow rows (4 wide in a small decoder) measured faster as this plain loop than through the shuffles.
            for (int ix = 0; ix < width; ix++) first[2 * ix] = first[2 * ix + 1] = source[ix];
        }
        else
        {
            for (int ix = 0, ox = 0; ix < width; ix++)
                for (int s = 0; s < scale; s++) first[ox++] = source[ix];
        }
        for (int s = 1; s < scale; s++) new ReadOnlySpan<float>(first, outWidth).CopyTo(new Span<float>(first + (nint)s * stride, outWidth));
    }

    /// <summary>Images are split over the threads; each input gradient is the sum of its block's.</summary>
    public override unsafe void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx,
        ReadOnlySpan<float> scratch, int batch, in LayerContext context)
    {
        if (dx.IsEmpty) return;
        fixed (float* pdy = dy)
        fixed (float* pdx = dx)
        {
            ParallelRange.Run(batch, context.Threads, new BackwardImages(this, pdy, pdx, context.OverwriteInputGradient), grain: 1, minPerThread: 8);
        }
    }

    private readonly unsafe struct BackwardImages(Upsample2d layer, float* dy, float* dx, bool overwrite) : IRangeKernel
    {
        public void Execute(int start, int end)
        {
            for (int n = start; n < end; n++) layer.SumBlocks(dy + (nint)n * layer.OutputSize, dx + (nint)n * layer.InputSize, overwrite);
        }
    }

    /// <summary>One image's input gradient: each value the sum of its block's output gradients, written over dx or added to it.</summary>
    private unsafe void SumBlocks(float* dy, float* dx, bool overwrite)
    {
        int width = Width, scale = Scale, outWidth = width * scale, rows = Channels * Height;
        for (int row = 0; row < rows; row++)
        {
            float* target = dx + (nint)row * width;
            float* block = dy + (nint)row * scale * outWidth;
            if (scale == 2 && width > 8)
            {
                SumTwoByTwo(block, block + outWidth, target, width, overwrite);
                continue;
            }
            if (scale == 2)
            {
                // Rows of at most eight measured faster as this plain loop (the same sums in the same order).
                float* below = block + outWidth;
                for (int ix = 0; ix < width; ix++)
                {
                    float sum = block[2 * ix] + block[2 * ix + 1] + below[2 * ix] + below[2 * ix + 1];
                    target[ix] = overwrite ? sum : target[ix] + sum;
                }
                continue;
            }
            for (int ix = 0; ix < width; ix++)
            {
                float sum = overwrite ? 0f : target[ix];
                for (int s = 0; s < scale; s++)
                    for (int t = 0; t < scale; t++) sum += block[s * outWidth + ix * scale + t];
                target[ix] = sum;
            }
        }
    }

    /// <summary>Any shape that is this layer's output (it writes over its input gradient, as its own backward may).</summary>
    internal override bool CanTakeSampleGradients(int channels, int height, int width) => CanWritePaddedPlanes(channels, height, width);

    /// <summary>The same sums as <see cref="Backward"/> for one image, fully optimized from the first call like the kernels.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal override unsafe void BackwardSample(float* dy, float* dx, bool overwrite) => SumBlocks(dy, dx, overwrite);

    /// <summary>Any shape that is this layer's output: the planes are its output planes, with zeros around them.</summary>
    internal override bool CanWritePaddedPlanes(int channels, int height, int width) =>
        channels == Channels && height == Height * Scale && width == Width * Scale;

    /// <summary>
    /// One image's output written straight into a convolution's zero-padded planes: each output row cleared, then its
    /// values written over the zeros, as <see cref="DirectConvolution.CopyIntoPadded"/> writes a plain image; by twos,
    /// both rows of a pair are stored from the same registers. The values are those <see cref="Forward"/> writes, so the
    /// convolution sees the same bits. Fully optimized from the first call, as the kernels are: it runs once an image, and
    /// its first-tier code (a call per vector store) would slow a short run's first epoch.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal override unsafe void WritePaddedPlanes(float* x, float* padded, in PaddedPlanes target)
    {
        int width = Width, scale = Scale, stride = target.RowStride;
        for (int c = 0; c < Channels; c++)
        {
            float* plane = padded + (nint)c * target.PlaneSize;
            for (int y = 0; y < target.Top; y++) DirectConvolution.ClearRow(plane + (nint)y * stride, stride);
            for (int iy = 0; iy < Height; iy++)
            {
                float* source = x + ((nint)c * Height + iy) * width;
                float* first = plane + (nint)(target.Top + iy * scale) * stride;
                for (int s = 0; s < scale; s++) DirectConvolution.ClearRow(first + (nint)s * stride, stride);
                WidenRow(source, first + target.Left, stride);
            }
            for (int y = target.Top + Height * scale; y < target.PaddedHeight; y++) DirectConvolution.ClearRow(plane + (nint)y * stride, stride);
        }
    }

    /// <summary>
    /// Both rows <paramref name="first"/> and <paramref name="second"/>[2i] = [2i + 1] = source[i] for i &lt; <paramref name="width"/>
    /// (at least eight): eight values at a time widened by two shuffles, each result stored into both rows; a ragged end is
    /// one more vector ending at the row's end, which writes the values it shares with the one before again (a 14-wide
    /// row was a vector of eight, one of four and two values alone, then a copy of the whole row).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void DoubleRowTwice(float* source, float* first, float* second, int width)
    {
        for (int ix = 0; ix + 8 <= width; ix += 8) DoubleEightTwice(source + ix, first + 2 * ix, second + 2 * ix);
        if (width % 8 != 0) DoubleEightTwice(source + width - 8, first + 2 * (width - 8), second + 2 * (width - 8));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void DoubleEightTwice(float* source, float* first, float* second)
    {
        var values = Vector256.Load(source);
        var low = Vector256.Shuffle(values, Vector256.Create(0, 0, 1, 1, 2, 2, 3, 3));
        var high = Vector256.Shuffle(values, Vector256.Create(4, 4, 5, 5, 6, 6, 7, 7));
        low.Store(first);
        high.Store(first + 8);
        low.Store(second);
        high.Store(second + 8);
    }

    /// <summary>
    /// target[2i] = target[2i + 1] = source[i] for i &lt; <paramref name="width"/>, four values at a time widened by two
    /// shuffles into eight, then one by one: rows of at least eight where 256-bit vectors are not accelerated (where they
    /// are, <see cref="DoubleRowTwice"/> takes the row).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void DoubleRow(float* source, float* target, int width)
    {
        int ix = 0;
        if (Vector128.IsHardwareAccelerated)
        {
            for (; ix + 4 <= width; ix += 4)
            {
                var values = Vector128.Load(source + ix);
                Vector128.Shuffle(values, Vector128.Create(0, 0, 1, 1)).Store(target + 2 * ix);
                Vector128.Shuffle(values, Vector128.Create(2, 2, 3, 3)).Store(target + 2 * ix + 4);
            }
        }
        for (; ix < width; ix++) target[2 * ix] = target[2 * ix + 1] = source[ix];
    }

    /// <summary>
    /// target[i] (+)= ((top[2i] + top[2i + 1]) + below[2i]) + below[2i + 1], in that order whatever the width (so a vector
    /// and the scalar tail round alike): the even and odd columns are split apart by a shuffle, four or eight at a time, or,
    /// when target is written over, eight at a time with a last vector overlapping the one before.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void SumTwoByTwo(float* top, float* below, float* target, int width, bool overwrite)
    {
        int ix = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var evenThenOdd = Vector256.Create(0, 2, 4, 6, 1, 3, 5, 7);
            for (; ix + 8 <= width; ix += 8)
            {
                var sum = SumEight(top + 2 * ix, below + 2 * ix);
                (overwrite ? sum : Vector256.Load(target + ix) + sum).Store(target + ix);
            }
            if (overwrite && ix < width && width >= 8)
            {
                // Written over, a ragged end is one more vector ending at the row's end: the sums it shares with the one
                // before come out the same and are stored again (a 14-wide row took a vector of four and two alone).
                SumEight(top + 2 * (width - 8), below + 2 * (width - 8)).Store(target + width - 8);
                return;
            }
            for (; ix + 4 <= width; ix += 4)
            {
                var a = Vector256.Shuffle(Vector256.Load(top + 2 * ix), evenThenOdd);
                var d = Vector256.Shuffle(Vector256.Load(below + 2 * ix), evenThenOdd);
                var sum = a.GetLower() + a.GetUpper() + d.GetLower() + d.GetUpper();
                (overwrite ? sum : Vector128.Load(target + ix) + sum).Store(target + ix);
            }
        }
        for (; ix < width; ix++)
        {
            float sum = top[2 * ix] + top[2 * ix + 1] + below[2 * ix] + below[2 * ix + 1];
            target[ix] = overwrite ? sum : target[ix] + sum;
        }
    }

    /// <summary>((top[2i] + top[2i + 1]) + below[2i]) + below[2i + 1] for i &lt; 8, the even and odd columns split apart by shuffles.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector256<float> SumEight(float* top, float* below)
    {
        var evenThenOdd = Vector256.Create(0, 2, 4, 6, 1, 3, 5, 7);
        var a = Vector256.Shuffle(Vector256.Load(top), evenThenOdd);
        var b = Vector256.Shuffle(Vector256.Load(top + 8), evenThenOdd);
        var d = Vector256.Shuffle(Vector256.Load(below), evenThenOdd);
        var e = Vector256.Shuffle(Vector256.Load(below + 8), evenThenOdd);
        var sum = Vector256.Create(a.GetLower(), b.GetLower()) + Vector256.Create(a.GetUpper(), b.GetUpper());
        sum += Vector256.Create(d.GetLower(), e.GetLower());
        return sum + Vector256.Create(d.GetUpper(), e.GetUpper());
    }

    /// <summary>Reshape to [N, C, H, W], Resize (nearest, asymmetric coordinates, floor: exactly index ⌊i / s⌋), Reshape back.</summary>
    public override void ExportOnnx(LayerExportContext context)
    {
        string image = OnnxShapes.ToImage(context, Channels, Height, Width);
        string scales = context.Tensor("scales"), resized = context.Tensor("resized");
        context.Graph.AddInitializer(scales, [4], [1f, 1f, Scale, Scale]);
        context.AddNode("Resize", [image, "", scales], [resized],
            OnnxNodeAttribute.String("mode", "nearest"),
            OnnxNodeAttribute.String("coordinate_transformation_mode", "asymmetric"),
            OnnxNodeAttribute.String("nearest_mode", "floor"));
        OnnxShapes.ToRows(context, resized, OutputSize);
    }
}
