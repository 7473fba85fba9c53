using Microsoft.ML.Autoencoders.Samples;
using SkiaSharp;

namespace MnistSparseCodes;

/// <summary>
/// Draws a row-normalized confusion matrix as a PNG heatmap: row = true digit, column = predicted digit, each
/// cell shaded from white (0%) to dark blue (100%) with its percentage written in it, digits along both edges.
/// </summary>
internal static class ConfusionHeatmap
{
    private const int Cell = 44;
    private const int FontScale = 3;
    private const int Margin = 28;

    /// <summary>Each row of <paramref name="counts"/> divided by its sum (all-zero rows stay zero).</summary>
    public static double[][] RowNormalize(IReadOnlyList<IReadOnlyList<double>> counts) =>
        counts.Select(row =>
        {
            double sum = row.Sum();
            return row.Select(c => sum > 0 ? c / sum : 0).ToArray();
        }).ToArray();

    /// <summary>Writes the heatmap of <paramref name="rates"/> (rows summing to 1) to <paramref name="path"/>.</summary>
    public static void Write(string path, double[][] rates)
    {
        int classes = rates.Length;
        int size = Margin + classes * Cell + 4;
        using var bitmap = new SKBitmap(new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Opaque));
        using var canvas = new SKCanvas(bitmap);
        canvas.Clear(SKColors.White);
        using var paint = new SKPaint { IsAntialias = false };

        for (int row = 0; row < classes; row++)
        {
            for (int column = 0; column < classes; column++)
            {
                double rate = Math.Clamp(rates[row][column], 0, 1);
                var fill = Shade(rate);
                paint.Color = fill;
                int left = Margin + column * Cell, top = Margin + row * Cell;
                canvas.DrawRect(left, top, Cell - 1, Cell - 1, paint);
                int percent = (int)Math.Round(rate * 100);
                if (percent > 0)
                {
                    // Light text on dark cells, dark text on light ones.
                    var ink = rate > 0.5 ? SKColors.White : new SKColor(30, 30, 30);
                    DrawNumber(canvas, paint, percent.ToString(System.Globalization.CultureInfo.InvariantCulture), left + Cell / 2, top + Cell / 2, ink);
                }
            }
            // Digit labels: true digit down the left edge, predicted digit along the top.
            string digit = row.ToString(System.Globalization.CultureInfo.InvariantCulture);
            DrawNumber(canvas, paint, digit, Margin / 2, Margin + row * Cell + Cell / 2, SKColors.Black);
            DrawNumber(canvas, paint, digit, Margin + row * Cell + Cell / 2, Margin / 2, SKColors.Black);
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        using var image = SKImage.FromBitmap(bitmap);
        using SKData png = image.Encode(SKEncodedImageFormat.Png, 100);
        using FileStream file = File.Create(path);
        png.SaveTo(file);
    }

    /// <summary>White at 0, through light blue, to navy at 1 (a sequential scale: darker means more).</summary>
    private static SKColor Shade(double rate)
    {
        // A square root spreads the small off-diagonal rates (1–5%) over visibly different shades.
        double t = Math.Sqrt(rate);
        byte Mix(int from, int to) => (byte)Math.Round(from + (to - from) * t);
        return new SKColor(Mix(255, 8), Mix(255, 48), Mix(255, 107));
    }

    private static void DrawNumber(SKCanvas canvas, SKPaint paint, string text, int centerX, int centerY, SKColor color)
    {
        paint.Color = color;
        int left = centerX - PixelDigits.Measure(text) * FontScale / 2, top = centerY - PixelDigits.Height * FontScale / 2;
        PixelDigits.Draw(text, (x, y) => canvas.DrawRect(left + x * FontScale, top + y * FontScale, FontScale, FontScale, paint));
    }
}
