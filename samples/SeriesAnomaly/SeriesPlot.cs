using SkiaSharp;

namespace SeriesAnomaly;

/// <summary>
/// Draws the test part of a series: the injected anomalies shaded red behind the line, and below it one strip per
/// detector with a tick at every flagged point (top to bottom: LSTM blue, LSTM sequence-to-sequence brown, Conv1d orange,
/// rolling z-score green, RandomizedPca purple). No text, since the font-free Skia build the samples use may have no typeface; the docs give the key.
/// </summary>
internal static class SeriesPlot
{
    public static readonly SKColor[] DetectorColours = [new(31, 119, 180), new(140, 86, 75), new(255, 127, 14), new(44, 160, 44), new(148, 103, 189)];
    private const int Width = 1400, PlotHeight = 320, StripHeight = 22, Margin = 20;

    public static void Write(string path, IReadOnlyList<float> series, IReadOnlyList<bool> truth, IReadOnlyList<IReadOnlyList<bool>> flags)
    {
        int height = Margin + PlotHeight + Margin + flags.Count * (StripHeight + 6) + Margin;
        using var surface = SKSurface.Create(new SKImageInfo(Width, height));
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        float step = (Width - 2f * Margin) / series.Count;
        float X(int t) => Margin + (t + 0.5f) * step;
        float min = series.Min(), max = series.Max();
        float Y(float v) => Margin + PlotHeight - (v - min) / (max - min) * PlotHeight;

        using (var shade = new SKPaint { Color = new SKColor(255, 0, 0, 60), Style = SKPaintStyle.Fill })
            for (int t = 0; t < series.Count; t++)
                if (truth[t]) canvas.DrawRect(X(t) - step / 2, Margin, step, PlotHeight, shade);
        using (var frame = new SKPaint { Color = SKColors.Gray, Style = SKPaintStyle.Stroke, StrokeWidth = 1 })
            canvas.DrawRect(Margin, Margin, Width - 2 * Margin, PlotHeight, frame);
        using (var line = new SKPaint { Color = SKColors.Black, Style = SKPaintStyle.Stroke, StrokeWidth = 1.5f, IsAntialias = true })
            for (int t = 1; t < series.Count; t++) canvas.DrawLine(X(t - 1), Y(series[t - 1]), X(t), Y(series[t]), line);

        for (int d = 0; d < flags.Count; d++)
        {
            float top = Margin + PlotHeight + Margin + d * (StripHeight + 6);
            using var paint = new SKPaint { Color = DetectorColours[d % DetectorColours.Length], Style = SKPaintStyle.Fill };
            using var border = new SKPaint { Color = SKColors.LightGray, Style = SKPaintStyle.Stroke, StrokeWidth = 1 };
            canvas.DrawRect(Margin, top, Width - 2 * Margin, StripHeight, border);
            for (int t = 0; t < series.Count; t++)
                if (flags[d][t]) canvas.DrawRect(X(t) - Math.Max(step / 2, 1), top, Math.Max(step, 2), StripHeight, paint);
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        using var image = surface.Snapshot();
        using var png = image.Encode(SKEncodedImageFormat.Png, 100);
        using var file = File.Create(path);
        png.SaveTo(file);
    }
}
