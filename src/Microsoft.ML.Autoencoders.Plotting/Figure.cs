using ScottPlot;

namespace Microsoft.ML.Autoencoders.Plotting;

/// <summary>What every plot shares: a titled plot with labelled axes in <see cref="PlotFont"/>, and saving it as PNG.</summary>
internal static class Figure
{
    /// <summary>Colours for series and labels, distinguishable by most colour-blind readers.</summary>
    public static readonly IPalette Palette = new ScottPlot.Palettes.Category10();

    public static Plot Create(string title, string xLabel, string yLabel)
    {
        var plot = new Plot();
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        return plot;
    }

    /// <summary>Writes <paramref name="plot"/> to <paramref name="path"/> (its folder is created when missing).</summary>
    public static void Save(Plot plot, string path, int width, int height)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 100);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 100);
        // Styled last, so every label added by the caller (legend, colour bar) gets the font too.
        plot.Font.Set(PlotFont.Family);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        plot.SavePng(path, width, height);
    }
}
