using Microsoft.ML.Autoencoders.Engine.Export;
using Microsoft.ML.Autoencoders.Engine.Kernels;

namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>
/// Bilinear upsampling of rows [C, H, W] by an integer factor s to [C, s·H, s·W], with half-pixel centres: output index o
/// on an axis samples the input at src = (o + 0.5) / s − 0.5, clamped to [0, size − 1], and mixes the two input values
/// around it by their distances. It is PyTorch's interpolate(mode="bilinear", align_corners=False), Keras'
/// UpSampling2D(interpolation="bilinear") and ONNX's Resize(mode="linear", coordinate_transformation_mode="half_pixel").
/// Backward hands each output's gradient back to its four inputs with the same weights.
/// </summary>
/// <remarks>
/// The weights depend on the output position only, so each axis's (first index, second index, second weight) is
/// computed once, here, and forward and backward look them up. Images (each channel of each row) are split over the
/// threads; each is computed whole by one thread in one order, so the results do not depend on the thread count.
/// </remarks>
public sealed class BilinearUpsample2d : Layer
{
    /// <summary>Below this many output values per extra thread, waking a worker costs more than its share.</summary>
    private const int MinValuesPerThread = 32 * 1024;

    private readonly Tap[] _rowTaps, _columnTaps;

    /// <summary>Creates the layer for images of <paramref name="channels"/>×<paramref name="height"/>×<paramref name="width"/>.</summary>
    public BilinearUpsample2d(int channels, int height, int width, int scale)
    {
        if (channels <= 0 || height <= 0 || width <= 0 || scale <= 0) throw new ArgumentOutOfRangeException(nameof(scale), "Every size and the scale must be positive.");
        Channels = channels;
        Height = height;
        Width = width;
        Scale = scale;
        _rowTaps = Taps(height, scale);
        _columnTaps = Taps(width, scale);
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

    /// <summary>Each image's gradient is cleared by the thread that scatters into it, right before it does.</summary>
    internal override bool CanOverwriteInputGradient => true;

    /// <summary>Image by image (its taps are read-only once made): joins the chains around convolutions.</summary>
    internal override SampleParallelism SampleParallelism => SampleParallelism.Allowed;

    /// <summary>
    /// The two input positions an output position reads and the weight of the second (the first gets 1 − it). At the
    /// borders the source is clamped, so the first and last outputs copy the edge value (the second weight is then 0).
    /// </summary>
    private readonly record struct Tap(int First, int Second, float SecondWeight);

    private static Tap[] Taps(int size, int scale)
    {
        var taps = new Tap[size * scale];
        for (int o = 0; o < taps.Length; o++)
        {
            double source = Math.Clamp((o + 0.5) / scale - 0.5, 0, size - 1);
            int first = (int)source;
            int second = Math.Min(first + 1, size - 1);
            taps[o] = new Tap(first, second, (float)(source - first));
        }
        return taps;
    }

    /// <inheritdoc/>
    public override unsafe void Forward(ReadOnlySpan<float> x, Span<float> y, Span<float> scratch, int batch, in LayerContext context)
    {
        fixed (float* px = x)
        fixed (float* py = y)
        {
            ParallelRange.Run(batch * Channels, context.Threads, new ForwardImages(this, px, py), grain: 1, minPerThread: MinImagesPerThread);
        }
    }

    private int MinImagesPerThread => Math.Max(1, MinValuesPerThread / (OutputSize / Channels));

    private readonly unsafe struct ForwardImages(BilinearUpsample2d layer, float* x, float* y) : IRangeKernel
    {
        public void Execute(int start, int end)
        {
            int width = layer.Width, inPlane = layer.Height * width;
            int outWidth = width * layer.Scale, outPlane = inPlane * layer.Scale * layer.Scale;
            Tap[] rows = layer._rowTaps, columns = layer._columnTaps;
            for (int image = start; image < end; image++)
            {
                float* input = x + (nint)image * inPlane;
                float* output = y + (nint)image * outPlane;
                for (int oy = 0; oy < rows.Length; oy++)
                {
                    Tap row = rows[oy];
                    float* top = input + row.First * width, bottom = input + row.Second * width;
                    float* target = output + oy * outWidth;
                    float down = row.SecondWeight, up = 1 - down;
                    for (int ox = 0; ox < outWidth; ox++)
                    {
                        Tap column = columns[ox];
                        float right = column.SecondWeight, left = 1 - right;
                        target[ox] = up * (left * top[column.First] + right * top[column.Second])
                                   + down * (left * bottom[column.First] + right * bottom[column.Second]);
                    }
                }
            }
        }
    }

    /// <inheritdoc/>
    public override unsafe void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx,
        ReadOnlySpan<float> scratch, int batch, in LayerContext context)
    {
        if (dx.IsEmpty) return;
        fixed (float* pdy = dy)
        fixed (float* pdx = dx)
        {
            ParallelRange.Run(batch * Channels, context.Threads, new BackwardImages(this, pdy, pdx, context.OverwriteInputGradient),
                grain: 1, minPerThread: MinImagesPerThread);
        }
    }

    private readonly unsafe struct BackwardImages(BilinearUpsample2d layer, float* dy, float* dx, bool overwrite) : IRangeKernel
    {
        public void Execute(int start, int end)
        {
            int width = layer.Width, inPlane = layer.Height * width;
            int outWidth = width * layer.Scale, outPlane = inPlane * layer.Scale * layer.Scale;
            Tap[] rows = layer._rowTaps, columns = layer._columnTaps;
            for (int image = start; image < end; image++)
            {
                float* gradient = dy + (nint)image * outPlane;
                float* target = dx + (nint)image * inPlane;
                if (overwrite) new Span<float>(target, inPlane).Clear();
                for (int oy = 0; oy < rows.Length; oy++)
                {
                    Tap row = rows[oy];
                    float* top = target + row.First * width, bottom = target + row.Second * width;
                    float* source = gradient + oy * outWidth;
                    float down = row.SecondWeight, up = 1 - down;
                    for (int ox = 0; ox < outWidth; ox++)
                    {
                        Tap column = columns[ox];
                        float right = column.SecondWeight, left = 1 - right;
                        float g = source[ox];
                        top[column.First] += up * left * g;
                        top[column.Second] += up * right * g;
                        bottom[column.First] += down * left * g;
                        bottom[column.Second] += down * right * g;
                    }
                }
            }
        }
    }

    /// <summary>Reshape to [N, C, H, W], Resize (linear, half-pixel coordinates, scales 1, 1, s, s), Reshape back.</summary>
    public override void ExportOnnx(LayerExportContext context)
    {
        string image = OnnxShapes.ToImage(context, Channels, Height, Width);
        string scales = context.Tensor("scales"), resized = context.Tensor("resized");
        context.Graph.AddInitializer(scales, [4], [1f, 1f, Scale, Scale]);
        context.AddNode("Resize", [image, "", scales], [resized],
            OnnxNodeAttribute.String("mode", "linear"),
            OnnxNodeAttribute.String("coordinate_transformation_mode", "half_pixel"));
        OnnxShapes.ToRows(context, resized, OutputSize);
    }
}
