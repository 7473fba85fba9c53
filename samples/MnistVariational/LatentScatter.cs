using Microsoft.ML.Autoencoders.Samples;
using SkiaSharp;

namespace MnistVariational;

/// <summary>A scatter of 2-D latent points coloured by digit, with a legend of colour swatches labelled 0–9.</summary>
internal static class LatentScatter
{
    private const int Size = 640, Margin = 40;

    // The ten "tab10" colours, one per digit.
    private static readonly SKColor[] Colours =
    [
        new(31, 119, 180), new(255, 127, 14), new(44, 160, 44), new(214, 39, 40), new(148, 103, 189),
        new(140, 86, 75), new(227, 119, 194), new(127, 127, 127), new(188, 189, 34), new(23, 190, 207),
    ];

    /// <summary>Writes <paramref name="points"/> ([n, 2]) coloured by <paramref name="labels"/> to <paramref name="path"/>; axes span ±<paramref name="extent"/>.</summary>
    public static void Write(string path, float[] points, IReadOnlyList<byte> labels, float extent)
    {
        using var surface = SKSurface.Create(new SKImageInfo(Size + 2 * Margin + 60, Size + 2 * Margin));
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        var frame = new SKRect(Margin, Margin, Margin + Size, Margin + Size);
        using (var axis = new SKPaint { Color = SKColors.LightGray, Style = SKPaintStyle.Stroke, StrokeWidth = 1 })
        {
            canvas.DrawLine(frame.MidX, frame.Top, frame.MidX, frame.Bottom, axis);
            canvas.DrawLine(frame.Left, frame.MidY, frame.Right, frame.MidY, axis);
        }
        using (var border = new SKPaint { Color = SKColors.Black, Style = SKPaintStyle.Stroke, StrokeWidth = 1 })
            canvas.DrawRect(frame, border);

        var paints = Colours.Select(c => new SKPaint { Color = c.WithAlpha(150), IsAntialias = true }).ToArray();
        for (int i = 0; i < labels.Count; i++)
        {
            float x = frame.Left + (points[2 * i] + extent) / (2 * extent) * Size;
            float y = frame.Bottom - (points[2 * i + 1] + extent) / (2 * extent) * Size;
            if (frame.Contains(x, y)) canvas.DrawCircle(x, y, 2f, paints[labels[i] % 10]);
        }
        // Legend: a swatch per digit, top to bottom 0–9, each labelled with the samples' bitmap digits (no font needed).
        using var ink = new SKPaint { Color = SKColors.Black, Style = SKPaintStyle.Fill };
        for (int d = 0; d < 10; d++)
        {
            float top = frame.Top + d * 24;
            canvas.DrawRect(frame.Right + 20, top, 16, 16, paints[d]);
            PixelDigits.Draw(d.ToString(System.Globalization.CultureInfo.InvariantCulture), (x, y) => canvas.DrawRect(frame.Right + 42 + 2 * x, top + 2 * y, 2, 2, ink));
        }
        foreach (var paint in paints) paint.Dispose();

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        using var image = surface.Snapshot();
        using var png = image.Encode(SKEncodedImageFormat.Png, 100);
        using var file = File.Create(path);
        png.SaveTo(file);
    }
}
