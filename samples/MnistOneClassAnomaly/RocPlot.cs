using Microsoft.ML.Autoencoders.Samples;
using SkiaSharp;

namespace MnistOneClassAnomaly;

/// <summary>
/// Draws one ROC panel per normal digit — the autoencoder detector in blue, RandomizedPca in orange, chance as a grey
/// diagonal — with the digit's mean training image in the corner as the panel's label. Labels are pictures rather than
/// text because the font-free Skia build this sample uses (it loads on a bare Linux machine) may have no typeface;
/// text is added when one is available.
/// </summary>
internal static class RocPlot
{
    public static readonly SKColor Ours = new(31, 119, 180);
    public static readonly SKColor Pca = new(255, 127, 14);
    private const int Panel = 260, Margin = 24, Columns = 5, Icon = 56;

    public sealed record Digit(int Value, RocCurve Autoencoder, RocCurve RandomizedPca, float[] MeanImage);

    public static void Write(string path, IReadOnlyList<Digit> digits)
    {
        int rows = (digits.Count + Columns - 1) / Columns;
        int columns = Math.Min(Columns, digits.Count);
        using var surface = SKSurface.Create(new SKImageInfo(columns * (Panel + Margin) + Margin, rows * (Panel + Margin) + Margin));
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        using var typeface = SKTypeface.Default;
        bool hasText = typeface != null && typeface.GlyphCount > 0;
        using var font = new SKFont(typeface, 14);

        for (int i = 0; i < digits.Count; i++)
        {
            float left = Margin + (i % Columns) * (Panel + Margin), top = Margin + (i / Columns) * (Panel + Margin);
            var frame = new SKRect(left, top, left + Panel, top + Panel);
            using (var border = new SKPaint { Color = SKColors.Black, Style = SKPaintStyle.Stroke, StrokeWidth = 1, IsAntialias = true })
                canvas.DrawRect(frame, border);
            using (var chance = new SKPaint { Color = SKColors.LightGray, Style = SKPaintStyle.Stroke, StrokeWidth = 1, PathEffect = SKPathEffect.CreateDash([6, 4], 0), IsAntialias = true })
                canvas.DrawLine(frame.Left, frame.Bottom, frame.Right, frame.Top, chance);
            DrawCurve(canvas, frame, digits[i].RandomizedPca, Pca);
            DrawCurve(canvas, frame, digits[i].Autoencoder, Ours);
            DrawIcon(canvas, digits[i].MeanImage, frame.Right - Icon - 6, frame.Bottom - Icon - 6);
            if (hasText)
            {
                using var ink = new SKPaint { Color = SKColors.Black, IsAntialias = true };
                canvas.DrawText($"digit {digits[i].Value}", frame.Left + 8, frame.Top + 18, SKTextAlign.Left, font, ink);
                using var ours = new SKPaint { Color = Ours, IsAntialias = true };
                canvas.DrawText($"AE  {100 * digits[i].Autoencoder.Area:F1}", frame.Left + 8, frame.Top + 36, SKTextAlign.Left, font, ours);
                using var pca = new SKPaint { Color = Pca, IsAntialias = true };
                canvas.DrawText($"PCA {100 * digits[i].RandomizedPca.Area:F1}", frame.Left + 8, frame.Top + 54, SKTextAlign.Left, font, pca);
            }
            else
            {
                // No typeface: the two AUCs (%) in the curves' colours, drawn with the samples' bitmap digits.
                DrawNumber(canvas, $"{100 * digits[i].Autoencoder.Area:F1}", frame.Left + 150, frame.Top + 150, Ours);
                DrawNumber(canvas, $"{100 * digits[i].RandomizedPca.Area:F1}", frame.Left + 150, frame.Top + 176, Pca);
            }
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        using var image = surface.Snapshot();
        using var png = image.Encode(SKEncodedImageFormat.Png, 100);
        using var file = File.Create(path);
        png.SaveTo(file);
    }

    private static void DrawNumber(SKCanvas canvas, string text, float left, float top, SKColor color)
    {
        const int Scale = 4;
        using var paint = new SKPaint { Color = color, Style = SKPaintStyle.Fill };
        PixelDigits.Draw(text, (x, y) => canvas.DrawRect(left + x * Scale, top + y * Scale, Scale, Scale, paint));
    }

    private static void DrawCurve(SKCanvas canvas, SKRect frame, RocCurve curve, SKColor color)
    {
        using var paint = new SKPaint { Color = color, Style = SKPaintStyle.Stroke, StrokeWidth = 2, IsAntialias = true, StrokeCap = SKStrokeCap.Round };
        SKPoint? previous = null;
        foreach (var (fpr, tpr) in curve.Points)
        {
            var point = new SKPoint(frame.Left + (float)fpr * frame.Width, frame.Bottom - (float)tpr * frame.Height);
            if (previous is SKPoint from) canvas.DrawLine(from, point, paint);
            previous = point;
        }
    }

    private static void DrawIcon(SKCanvas canvas, float[] image, float left, float top)
    {
        const int Side = 28;
        float cell = (float)Icon / Side;
        float max = Math.Max(image.Max(), 1e-6f);
        using var paint = new SKPaint();
        for (int y = 0; y < Side; y++)
        {
            for (int x = 0; x < Side; x++)
            {
                byte shade = (byte)(255 - Math.Clamp(image[y * Side + x] / max, 0f, 1f) * 255);
                paint.Color = new SKColor(shade, shade, shade);
                canvas.DrawRect(left + x * cell, top + y * cell, cell, cell, paint);
            }
        }
    }
}
