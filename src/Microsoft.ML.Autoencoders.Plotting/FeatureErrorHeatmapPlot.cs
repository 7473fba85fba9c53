namespace Microsoft.ML.Autoencoders.Plotting;

/// <summary>
/// Per-feature reconstruction errors as a heatmap, one row of cells per data row and one column per feature: which
/// features the autoencoder fails on, and for which rows (e.g. the detector's FeatureErrors column).
/// </summary>
public static class FeatureErrorHeatmapPlot
{
    /// <summary>Writes the heatmap as a PNG, with a colour bar for the error scale.</summary>
    /// <param name="path">The PNG file to create.</param>
    /// <param name="errors">The errors, row after row, <paramref name="features"/> values each.</param>
    /// <param name="features">Values per row.</param>
    /// <param name="featureNames">Names for the x axis' ticks (as many as <paramref name="features"/>), or null for numbers.</param>
    /// <param name="title">The plot's title; <paramref name="errorLabel"/> follows it.</param>
    /// <param name="errorLabel">What the values are (the colours), given in brackets after the title.</param>
    /// <param name="width">Image width in pixels.</param>
    /// <param name="height">Image height in pixels.</param>
    /// <param name="rowNames">Names for the y axis' ticks (one per row), or null for numbers.</param>
    /// <param name="xLabel">The x axis' label: what a column is.</param>
    /// <param name="yLabel">The y axis' label: what a row is.</param>
    /// <remarks>Any table of values fits, e.g. a confusion matrix with rows and columns named by class.</remarks>
    public static void Write(string path, float[] errors, int features, IReadOnlyList<string>? featureNames = null,
        string title = "Reconstruction error per feature", string errorLabel = "squared error", int width = 900, int height = 600,
        IReadOnlyList<string>? rowNames = null, string xLabel = "feature", string yLabel = "row")
    {
        ArgumentNullException.ThrowIfNull(errors);
        ArgumentOutOfRangeException.ThrowIfLessThan(features, 1);
        if (errors.Length == 0 || errors.Length % features != 0)
            throw new ArgumentException($"{errors.Length} values are not whole rows of {features} features.", nameof(errors));
        if (featureNames != null && featureNames.Count != features)
            throw new ArgumentException($"{features} features but {featureNames.Count} names.", nameof(featureNames));
        int rows = errors.Length / features;
        if (rowNames != null && rowNames.Count != rows)
            throw new ArgumentException($"{rows} rows but {rowNames.Count} names.", nameof(rowNames));

        var cells = new double[rows, features];
        for (int r = 0; r < rows; r++)
            for (int f = 0; f < features; f++)
                cells[r, f] = errors[r * features + f];

        // What the colours mean closes the title: as the colour bar's own label, ScottPlot placed it over the bar's numbers
        // (its measure of the rotated text came out too narrow with the font PlotFont loads, more so from the second plot on).
        string fullTitle = string.IsNullOrEmpty(errorLabel) ? title : string.IsNullOrEmpty(title) ? $"colour: {errorLabel}" : $"{title} (colour: {errorLabel})";
        var plot = Figure.Create(fullTitle, xLabel, yLabel);
        var heatmap = plot.Add.Heatmap(cells);
        heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
        // Cell (r, f) is centred on x = f and y = r, so tick positions are the indices; the inverted y axis puts row 0 at
        // the top, as in a table (checked by a test that makes the last rows' errors the largest).
        plot.Axes.InvertY();
        var colourBar = plot.Add.ColorBar(heatmap);
        // The colour bar's axis is not one of the plot's, so Figure's font setting does not reach it.
        colourBar.Axis.TickLabelStyle.FontName = PlotFont.Family;
        // Names only while they fit beside each other; more would overlap, and the numbers say as much.
        if (featureNames != null && features <= 12)
            plot.Axes.Bottom.SetTicks(Enumerable.Range(0, features).Select(f => (double)f).ToArray(), featureNames.ToArray());
        if (rowNames != null && rows <= 12)
            plot.Axes.Left.SetTicks(Enumerable.Range(0, rows).Select(r => (double)r).ToArray(), rowNames.ToArray());
        Figure.Save(plot, path, width, height);
    }
}
