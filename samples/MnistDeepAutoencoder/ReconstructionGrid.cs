using System.Runtime.InteropServices;
using SkiaSharp;

namespace MnistDeepAutoencoder;

/// <summary>
/// Draws digits above their reconstructions as a grayscale PNG: one column per digit, originals in the top
/// row, the autoencoder's output in the bottom row, each pixel blown up to a square so 28×28 is visible.
/// </summary>
internal static class ReconstructionGrid
{
    private const int Side = 28;
    private const int Scale = 4;
    private const int Gap = 4;
    private const byte GapShade = 96;

    /// <summary>Writes the grid to <paramref name="path"/>.</summary>
    /// <param name="path">The PNG file to create; its folder is created when missing.</param>
    /// <param name="originals">The input images, 784 values in [0, 1] each.</param>
    /// <param name="reconstructions">The matching outputs, one per original; values are clamped to [0, 1].</param>
    public static void Write(string path, IReadOnlyList<float[]> originals, IReadOnlyList<float[]> reconstructions)
    {
        if (originals.Count != reconstructions.Count || originals.Count == 0)
        {
            throw new ArgumentException($"Need as many reconstructions ({reconstructions.Count}) as originals ({originals.Count}), and at least one.");
        }

        int cell = Side * Scale;
        int width = originals.Count * cell + (originals.Count + 1) * Gap;
        int height = 2 * cell + 3 * Gap;
        byte[] gray = new byte[width * height];
        Array.Fill(gray, GapShade);
        for (int i = 0; i < originals.Count; i++)
        {
            int left = Gap + i * (cell + Gap);
            Paint(gray, width, left, Gap, originals[i]);
            Paint(gray, width, left, 2 * Gap + cell, reconstructions[i]);
        }

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
