using System.Runtime.InteropServices;
using SkiaSharp;

namespace Microsoft.ML.Autoencoders.Samples;

/// <summary>
/// Draws rows of MNIST-sized images as one grayscale PNG: one column per digit, one row per kind of image (originals
/// above reconstructions; noisy, denoised and clean), each pixel blown up to a square so 28×28 is visible.
/// </summary>
internal static class DigitGrid
{
    private const int Side = 28;
    private const int Scale = 4;
    private const int Gap = 4;
    private const byte GapShade = 96;

    /// <summary>Writes the grid to <paramref name="path"/>.</summary>
    /// <param name="path">The PNG file to create; its folder is created when missing.</param>
    /// <param name="rows">The rows top to bottom, each the same number of images of 784 values (clamped to [0, 1]).</param>
    public static void Write(string path, params IReadOnlyList<float[]>[] rows)
    {
        if (rows.Length == 0 || rows[0].Count == 0 || rows.Any(r => r.Count != rows[0].Count))
        {
            throw new ArgumentException($"Need at least one row, and every row as long as the first ({(rows.Length == 0 ? 0 : rows[0].Count)} images).");
        }

        int columns = rows[0].Count, cell = Side * Scale;
        int width = columns * cell + (columns + 1) * Gap;
        int height = rows.Length * cell + (rows.Length + 1) * Gap;
        byte[] gray = new byte[width * height];
        Array.Fill(gray, GapShade);
        for (int r = 0; r < rows.Length; r++)
            for (int i = 0; i < columns; i++)
                Paint(gray, width, Gap + i * (cell + Gap), Gap + r * (cell + Gap), rows[r][i]);

        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Gray8, SKAlphaType.Opaque));
        // Skia may pad rows, so copy row by row at its stride.
        for (int y = 0; y < height; y++)
        {
            Marshal.Copy(gray, y * width, bitmap.GetPixels() + y * bitmap.RowBytes, width);
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        using SKData png = bitmap.Encode(SKEncodedImageFormat.Png, quality: 100);
        using FileStream file = File.Create(path);
        png.SaveTo(file);
    }

    /// <summary>Paints one 28×28 image with its top-left corner at (<paramref name="left"/>, <paramref name="top"/>).</summary>
    private static void Paint(byte[] gray, int width, int left, int top, float[] image)
    {
        if (image.Length != Side * Side)
        {
            throw new ArgumentException($"An MNIST image has {Side * Side} pixels, not {image.Length}.");
        }

        for (int y = 0; y < Side * Scale; y++)
        {
            int row = (top + y) * width + left;
            for (int x = 0; x < Side * Scale; x++)
            {
                float value = Math.Clamp(image[(y / Scale) * Side + x / Scale], 0f, 1f);
                gray[row + x] = (byte)MathF.Round(value * 255f);
            }
        }
    }
}
