using Microsoft.ML.Autoencoders.Engine.Export;

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
    public override void Forward(ReadOnlySpan<float> x, Span<float> y, Span<float> scratch, int batch, in LayerContext context)
    {
        int outWidth = Width * Scale;
        for (int n = 0; n < batch * Channels; n++)
        {
            ReadOnlySpan<float> plane = x.Slice(n * Height * Width, Height * Width);
            Span<float> output = y.Slice(n * Height * Width * Scale * Scale, Height * Width * Scale * Scale);
            for (int oy = 0; oy < Height * Scale; oy++)
            {
                ReadOnlySpan<float> source = plane.Slice(oy / Scale * Width, Width);
                Span<float> line = output.Slice(oy * outWidth, outWidth);
                for (int ox = 0; ox < outWidth; ox++) line[ox] = source[ox / Scale];
            }
        }
    }

    /// <inheritdoc/>
    public override void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx,
        ReadOnlySpan<float> scratch, int batch, in LayerContext context)
    {
        if (dx.IsEmpty) return;
        int outWidth = Width * Scale;
        for (int n = 0; n < batch * Channels; n++)
        {
            Span<float> plane = dx.Slice(n * Height * Width, Height * Width);
            ReadOnlySpan<float> gradient = dy.Slice(n * Height * Width * Scale * Scale, Height * Width * Scale * Scale);
            for (int oy = 0; oy < Height * Scale; oy++)
            {
                Span<float> target = plane.Slice(oy / Scale * Width, Width);
                ReadOnlySpan<float> line = gradient.Slice(oy * outWidth, outWidth);
                for (int ox = 0; ox < outWidth; ox++) target[ox / Scale] += line[ox];
            }
        }
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
