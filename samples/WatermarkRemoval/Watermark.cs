using System.Runtime.InteropServices;
using Microsoft.ML.Autoencoders.Engine;
using SkiaSharp;

namespace WatermarkRemoval;

/// <summary>
/// A semi-transparent white "©" stamp, drawn as a ring around a "C" (an arc open to the right) with Skia's anti-aliased
/// strokes. Skia's Linux build without fontconfig has no font, so the symbol is drawn as geometry rather than text.
/// Size, position and opacity are drawn from a <see cref="SeededRandom"/>, so the same seed stamps the same images.
/// </summary>
internal sealed class Watermark
{
    /// <summary>The smallest and largest ring radius, in pixels of a 32×32 patch.</summary>
    public const float MinRadius = 7f, MaxRadius = 11f;

    /// <summary>The stamp's opacity range: faint enough to see through, strong enough to spoil the picture.</summary>
    public const float MinOpacity = 0.35f, MaxOpacity = 0.7f;

    private Watermark(float[] coverage, float opacity)
    {
        Coverage = coverage;
        Opacity = opacity;
    }

    /// <summary>Per pixel, how much of it the stamp's strokes cover (0 to 1, anti-aliased edges in between).</summary>
    public float[] Coverage { get; }

    /// <summary>How opaque the stamp is where it covers a pixel fully.</summary>
    public float Opacity { get; }

    /// <summary>The next stamp for a <paramref name="side"/>×<paramref name="side"/> image: a radius, a centre that keeps the ring inside, an opacity.</summary>
    public static Watermark Next(SeededRandom random, int side)
    {
        float radius = random.NextFloat(MinRadius, MaxRadius);
        float stroke = Math.Max(1.5f, radius / 4.5f);
        float reach = radius + stroke / 2 + 1;
        float x = random.NextFloat(reach, side - reach), y = random.NextFloat(reach, side - reach);
        float opacity = random.NextFloat(MinOpacity, MaxOpacity);

        using var bitmap = new SKBitmap(new SKImageInfo(side, side, SKColorType.Rgba8888, SKAlphaType.Premul));
        using (var canvas = new SKCanvas(bitmap))
        using (var paint = new SKPaint { Color = SKColors.White, IsAntialias = true, Style = SKPaintStyle.Stroke, StrokeWidth = stroke })
        {
            canvas.Clear(SKColors.Transparent);
            canvas.DrawCircle(x, y, radius, paint);
            // The "C": Skia's angles run clockwise from +x (y points down), so 45° → 315° through 180° opens to the right.
            float inner = radius * 0.5f;
            canvas.DrawArc(new SKRect(x - inner, y - inner, x + inner, y + inner), 45, 270, false, paint);
        }

        byte[] rgba = new byte[side * side * 4];
        for (int row = 0; row < side; row++)
            Marshal.Copy(bitmap.GetPixels() + row * bitmap.RowBytes, rgba, row * side * 4, side * 4);
        var coverage = new float[side * side];
        for (int p = 0; p < coverage.Length; p++) coverage[p] = rgba[4 * p + 3] / 255f;
        return new Watermark(coverage, opacity);
    }

    /// <summary>
    /// The image with the stamp over it, blended as a layer of white at the stamp's opacity: each channel moves towards
    /// 1 by opacity × coverage, the same in R, G and B. <paramref name="image"/> is [3, side, side], channels first.
    /// </summary>
    public float[] Stamp(float[] image)
    {
        int plane = Coverage.Length;
        var stamped = new float[image.Length];
        for (int channel = 0; channel < 3; channel++)
            for (int p = 0; p < plane; p++)
            {
                float alpha = Opacity * Coverage[p], value = image[channel * plane + p];
                stamped[channel * plane + p] = value + alpha * (1f - value);
            }
        return stamped;
    }
}
