using Microsoft.ML.Autoencoders.Engine.Export;
using Microsoft.ML.Autoencoders.Engine.Kernels;

namespace Microsoft.ML.Autoencoders.Engine.Layers;

/// <summary>
/// Average pooling over rows [C, H, W] with PyTorch's nn.AvgPool2d semantics (count_include_pad=True): each output is the
/// sum of the inputs under its window divided by the window's extent within the padded image — zero padding counts, ceil
/// mode's overhang past the padding does not. Backward spreads each output's gradient evenly over the same inputs.
/// </summary>
/// <remarks>
/// Image by image, each window summed in double in row-major order and each image's gradient added in output order, so a
/// value has the same bits on any thread count and in any chunk of the batch. Not a hot path (PyTorch models that pool by
/// averaging come in through import), so one plain loop serves every window.
/// </remarks>
public sealed class AvgPool2d : Layer
{
    /// <summary>Creates the layer; <paramref name="geometry"/> carries the window, the stride, <paramref name="padding"/> on every side and any ceil-mode overhang added at the bottom and right.</summary>
    public AvgPool2d(ConvGeometry geometry, int padding, bool ceilMode)
    {
        if (geometry.OutputHeight <= 0 || geometry.OutputWidth <= 0) throw new ArgumentException("The window does not fit the input.", nameof(geometry));
        if (padding < 0 || geometry.PadTop != padding || geometry.PadLeft != padding) throw new ArgumentException("The geometry's top and left padding must be the padding.", nameof(padding));
        Geometry = geometry;
        Padding = padding;
        CeilMode = ceilMode;
    }

    /// <summary>Input shape, window and stride; the padding, plus ceil mode's overhang at the bottom and right.</summary>
    public ConvGeometry Geometry { get; }

    /// <summary>Zero padding on every side, counted in the divisor.</summary>
    public int Padding { get; }

    /// <summary>True when a partial last window is kept.</summary>
    public bool CeilMode { get; }

    /// <inheritdoc/>
    public override int InputSize => Geometry.Channels * Geometry.Height * Geometry.Width;

    /// <inheritdoc/>
    public override int OutputSize => Geometry.Channels * Geometry.OutputPositions;

    /// <inheritdoc/>
    internal override bool CanOverwriteInputGradient => true;

    /// <summary>Image by image with no state: joins the chains around convolutions.</summary>
    internal override SampleParallelism SampleParallelism => SampleParallelism.Allowed;

    /// <summary>Each row from that row alone, so it runs in a row band.</summary>
    internal override RowBandStep? CreateRowBandStep(Layer? next) => new AvgPool2dRowBandStep(this);

    /// <inheritdoc/>
    public override unsafe void Forward(ReadOnlySpan<float> x, Span<float> y, Span<float> scratch, int batch, in LayerContext context)
    {
        if (x.Length < batch * InputSize || y.Length < batch * OutputSize) throw new ArgumentException($"The buffers must hold {batch} images.");
        fixed (float* px = x)
        fixed (float* py = y)
        {
            ParallelRange.Run(batch, context.Threads, new ForwardImages(this, px, py), grain: 1, minPerThread: 8);
        }
    }

    /// <inheritdoc/>
    public override unsafe void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx,
        ReadOnlySpan<float> scratch, int batch, in LayerContext context)
    {
        if (dx.IsEmpty) return;
        if (dy.Length < batch * OutputSize || dx.Length < batch * InputSize) throw new ArgumentException($"The buffers must hold {batch} images.");
        fixed (float* pdy = dy)
        fixed (float* pdx = dx)
        {
            ParallelRange.Run(batch, context.Threads, new BackwardImages(this, pdy, pdx, context.OverwriteInputGradient), grain: 1, minPerThread: 8);
        }
    }

    /// <summary>Pools <paramref name="rows"/> images of <paramref name="x"/> into <paramref name="y"/> on this thread.</summary>
    internal unsafe void PoolImages(float* x, float* y, int rows)
    {
        for (int n = 0; n < rows; n++) PoolImage(x + (nint)n * InputSize, y + (nint)n * OutputSize);
    }

    /// <summary>One window's rows [Top, Bottom) and columns [Left, Right) inside the image, and the divisor PyTorch uses for it.</summary>
    private readonly record struct Window(int Top, int Bottom, int Left, int Right, float Divisor);

    private Window WindowAt(int oh, int ow)
    {
        var g = Geometry;
        int top = oh * g.Stride - Padding, left = ow * g.Stride - Padding;
        // The divisor counts the window within the padded image [−p, H + p): padding yes, ceil mode's overhang no.
        int bottom = Math.Min(top + g.KernelHeight, g.Height + Padding), right = Math.Min(left + g.KernelWidth, g.Width + Padding);
        float divisor = (bottom - top) * (right - left);
        return new Window(Math.Max(top, 0), Math.Min(bottom, g.Height), Math.Max(left, 0), Math.Min(right, g.Width), divisor);
    }

    private unsafe void PoolImage(float* image, float* output)
    {
        var g = Geometry;
        int plane = g.Height * g.Width;
        for (int c = 0; c < g.Channels; c++)
        {
            float* input = image + (nint)c * plane;
            for (int oh = 0; oh < g.OutputHeight; oh++)
                for (int ow = 0; ow < g.OutputWidth; ow++)
                {
                    var w = WindowAt(oh, ow);
                    double sum = 0;
                    for (int h = w.Top; h < w.Bottom; h++)
                        for (int col = w.Left; col < w.Right; col++) sum += input[h * g.Width + col];
                    *output++ = (float)(sum / w.Divisor);
                }
        }
    }

    private unsafe void SpreadImage(float* gradient, float* image, bool overwrite)
    {
        var g = Geometry;
        int plane = g.Height * g.Width;
        if (overwrite) new Span<float>(image, InputSize).Clear();
        for (int c = 0; c < g.Channels; c++)
        {
            float* input = image + (nint)c * plane;
            for (int oh = 0; oh < g.OutputHeight; oh++)
                for (int ow = 0; ow < g.OutputWidth; ow++)
                {
                    var w = WindowAt(oh, ow);
                    float share = *gradient++ / w.Divisor;
                    for (int h = w.Top; h < w.Bottom; h++)
                        for (int col = w.Left; col < w.Right; col++) input[h * g.Width + col] += share;
                }
        }
    }

    private readonly unsafe struct ForwardImages(AvgPool2d layer, float* x, float* y) : IRangeKernel
    {
        public void Execute(int start, int end)
        {
            for (int n = start; n < end; n++) layer.PoolImage(x + (nint)n * layer.InputSize, y + (nint)n * layer.OutputSize);
        }
    }

    private readonly unsafe struct BackwardImages(AvgPool2d layer, float* dy, float* dx, bool overwrite) : IRangeKernel
    {
        public void Execute(int start, int end)
        {
            for (int n = start; n < end; n++) layer.SpreadImage(dy + (nint)n * layer.OutputSize, dx + (nint)n * layer.InputSize, overwrite);
        }
    }

    /// <summary>
    /// A Pad of zeros (when there is padding) and an AveragePool that counts those zeros as values, as PyTorch exports
    /// nn.AvgPool2d, but never with ceil_mode: ONNX's ceil_mode keeps a last window that starts in the bottom/right padding,
    /// which PyTorch (and <see cref="AvgPool2dSpec.Geometry"/>) drops. Ceil mode's overhang is instead written as
    /// AveragePool's own bottom/right pads with count_include_pad=0, so the floor rule gives exactly the geometry's windows
    /// and the divisor counts the Pad's zeros but not the overhang, as PyTorch's does.
    /// </summary>
    public override void ExportOnnx(LayerExportContext context)
    {
        var g = Geometry;
        string image = OnnxShapes.ToImage(context, g.Channels, g.Height, g.Width);
        if (Padding > 0)
        {
            string pads = context.Tensor("pads"), padded = context.Tensor("padded");
            context.Graph.AddInt64Initializer(pads, [8], [0, 0, Padding, Padding, 0, 0, Padding, Padding]);
            context.AddNode("Pad", [image, pads], [padded], OnnxNodeAttribute.String("mode", "constant"));
            image = padded;
        }
        // The geometry's bottom/right padding beyond the Pad's is the overhang; it is smaller than the window, as ONNX requires.
        int overhangBottom = g.PadBottom - Padding, overhangRight = g.PadRight - Padding;
        string pooled = context.Tensor("pooled");
        var attributes = new List<OnnxNodeAttribute>
        {
            OnnxNodeAttribute.Ints("kernel_shape", g.KernelHeight, g.KernelWidth),
            OnnxNodeAttribute.Ints("strides", g.Stride, g.Stride),
        };
        if (overhangBottom > 0 || overhangRight > 0)
        {
            attributes.Add(OnnxNodeAttribute.Ints("pads", 0, 0, overhangBottom, overhangRight));
            attributes.Add(OnnxNodeAttribute.Int("count_include_pad", 0));
        }
        context.AddNode("AveragePool", [image], [pooled], [.. attributes]);
        OnnxShapes.ToRows(context, pooled, OutputSize);
    }
}
