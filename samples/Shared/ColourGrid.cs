using System.Runtime.InteropServices;
using SkiaSharp;

namespace Microsoft.ML.Autoencoders.Samples;

/// <summary>
/// Draws rows of colour images as one RGB PNG, the colour counterpart of <see cref="DigitGrid"/>: one column per image,
/// one row per kind of image (gray input, coloured output, truth; or watermarked, cleaned, clean), each pixel blown up
/// to a <c>scale</c>-wide square. Images are [3, height, width] rows, channels first, values in [0, 1].
/// </summary>
internal static class ColourGrid
{
    private const int Gap = 4;
    private const byte GapShade = 96;

    /// <summary>Writes the grid to <paramref name="path"/>; its folder is created when missing.</summary>
    /// <param name="path">The PNG file to create.</param>
    /// <param name="height">Every image's height.</param>
    /// <param name="width">Every image's width.</param>
    /// <param name="scale">Pixels per image pixel on each axis (1 or more).</param>
    /// <param name="rows">The rows top to bottom, each the same number of images of 3 · height · width values (clamped to [0, 1]).</param>
    public static void Write(string path, int height, int width, int scale, params IReadOnlyList<float[]>[] rows)
    {
        if (rows.Length == 0 || rows[0].Count == 0 || rows.Any(r => r.Count != rows[0].Count))
            throw new ArgumentException($"Need at least one row, and every row as long as the first ({(rows.Length == 0 ? 0 : rows[0].Count)} images).");
        ArgumentOutOfRangeException.ThrowIfLessThan(scale, 1);

        int columns = rows[0].Count, cellWidth = width * scale, cellHeight = height * scale;
        int canvasWidth = columns * cellWidth + (columns + 1) * Gap;
        int canvasHeight = rows.Length * cellHeight + (rows.Length + 1) * Gap;
        // RGBA, 4 bytes a pixel, alpha always opaque.
        byte[] rgba = new byte[canvasWidth * canvasHeight * 4];
        for (int p = 0; p < canvasWidth * canvasHeight; p++)
        {
            rgba[4 * p] = rgba[4 * p + 1] = rgba[4 * p + 2] = GapShade;
            rgba[4 * p + 3] = 255;
        }
        for (int r = 0; r < rows.Length; r++)
            for (int i = 0; i < columns; i++)
                Paint(rgba, canvasWidth, Gap + i * (cellWidth + Gap), Gap + r * (cellHeight + Gap), rows[r][i], height, width, scale);

        using var bitmap = new SKBitmap(new SKImageInfo(canvasWidth, canvasHeight, SKColorType.Rgba8888, SKAlphaType.Opaque));
        // Skia may pad rows, so copy row by row at its stride.
        for (int y = 0; y < canvasHeight; y++)
            Marshal.Copy(rgba, y * canvasWidth * 4, bitmap.GetPixels() + y * bitmap.RowBytes, canvasWidth * 4);

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        using SKData png = bitmap.Encode(SKEncodedImageFormat.Png, quality: 100);
        using FileStream file = File.Create(path);
        png.SaveTo(file);
    }

    /// <summary>Paints one image with its top-left corner at (<paramref name="left"/>, <paramref name="top"/>).</summary>
    private static void Paint(byte[] rgba, int canvasWidth, int left, int top, float[] image, int height, int width, int scale)
    {
        int plane = height * width;
        if (image.Length != 3 * plane)
            throw new ArgumentException($"A {height}×{width} colour image has {3 * plane} values, not {image.Length}.");

        for (int y = 0; y < height * scale; y++)
        {
            for (int x = 0; x < width * scale; x++)
            {
                int source = (y / scale) * width + x / scale, target = 4 * ((top + y) * canvasWidth + left + x);
                for (int channel = 0; channel < 3; channel++)
                    rgba[target + channel] = (byte)MathF.Round(Math.Clamp(image[channel * plane + source], 0f, 1f) * 255f);
            }
        }
    }
}
