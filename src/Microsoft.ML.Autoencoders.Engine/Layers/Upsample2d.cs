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
    internal override bool CanOverwriteInputGradient => true;

    /// <summary>Each input row is widened once into its first output row, which the next Scale − 1 rows copy.</summary>
    public override void Forward(ReadOnlySpan<float> x, Span<float> y, Span<float> scratch, int batch, in LayerContext context)
    {
        int outWidth = Width * Scale;
        for (int row = 0; row < batch * Channels * Height; row++)
        {
            ReadOnlySpan<float> source = x.Slice(row * Width, Width);
            Span<float> first = y.Slice(row * Scale * outWidth, outWidth);
            for (int ix = 0, ox = 0; ix < Width; ix++)
            {
                float value = source[ix];
                for (int s = 0; s < Scale; s++) first[ox++] = value;
            }
            for (int s = 1; s < Scale; s++) first.CopyTo(y.Slice((row * Scale + s) * outWidth, outWidth));
        }
    }

    /// <inheritdoc/>
    public override void Backward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx,
        ReadOnlySpan<float> scratch, int batch, in LayerContext context)
    {
        if (dx.IsEmpty) return;
        int outWidth = Width * Scale;
        bool overwrite = context.OverwriteInputGradient;
        for (int row = 0; row < batch * Channels * Height; row++)
        {
            Span<float> target = dx.Slice(row * Width, Width);
            ReadOnlySpan<float> block = dy.Slice(row * Scale * outWidth, Scale * outWidth);
            for (int ix = 0; ix < Width; ix++)
            {
                float sum = overwrite ? 0f : target[ix];
                for (int s = 0; s < Scale; s++)
                    for (int t = 0; t < Scale; t++) sum += block[s * outWidth + ix * Scale + t];
                target[ix] = sum;
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
