namespace Microsoft.ML.Autoencoders.Plotting;

/// <summary>
/// Image-shaped rows drawn as a grid: inputs above their reconstructions (one column per example), or any rows of
/// images such as samples from a variational autoencoder. Grayscale with one shared scale, so rows compare by eye;
/// colour images (channels first) are drawn by their luminance.
/// </summary>
public static class ImageGridPlot
{
    /// <summary>Blank pixels between images, drawn as the plot's background.</summary>
    private const int Gap = 2;

    /// <summary>Writes inputs (top row) beside their reconstructions (bottom row) as a PNG.</summary>
    /// <param name="path">The PNG file to create.</param>
    /// <param name="inputs">The input rows, each <paramref name="channels"/> × <paramref name="imageHeight"/> × <paramref name="imageWidth"/> values.</param>
    /// <param name="reconstructions">The reconstructions, one per input, the same size.</param>
    /// <param name="imageHeight">Pixels per image column.</param>
    /// <param name="imageWidth">Pixels per image row.</param>
    /// <param name="channels">1 (grayscale) or 3 (RGB, channels first).</param>
    /// <param name="title">The plot's title.</param>
    public static void WriteReconstructions(string path, IReadOnlyList<float[]> inputs, IReadOnlyList<float[]> reconstructions, int imageHeight, int imageWidth,
        int channels = 1, string title = "Inputs (top) and reconstructions (bottom)")
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(reconstructions);
        if (reconstructions.Count != inputs.Count)
            throw new ArgumentException($"{inputs.Count} inputs but {reconstructions.Count} reconstructions: each input needs its reconstruction.", nameof(reconstructions));
        Write(path, [inputs, reconstructions], imageHeight, imageWidth, channels, title, $"example (1–{inputs.Count})", "reconstruction        input");
    }

    /// <summary>Writes rows of images, top to bottom, as a PNG.</summary>
    /// <param name="path">The PNG file to create.</param>
    /// <param name="rows">The grid's rows, each a list of images (rows may be shorter than the first).</param>
    /// <param name="imageHeight">Pixels per image column.</param>
    /// <param name="imageWidth">Pixels per image row.</param>
    /// <param name="channels">1 (grayscale) or 3 (RGB, channels first).</param>
    /// <param name="title">The plot's title.</param>
    /// <param name="xLabel">The x axis' label.</param>
    /// <param name="yLabel">The y axis' label.</param>
    /// <param name="width">Image width in pixels.</param>
    public static void Write(string path, IReadOnlyList<IReadOnlyList<float[]>> rows, int imageHeight, int imageWidth, int channels, string title,
        string xLabel, string yLabel, int width = 900)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentOutOfRangeException.ThrowIfLessThan(imageHeight, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(imageWidth, 1);
        if (channels is not (1 or 3)) throw new ArgumentOutOfRangeException(nameof(channels), channels, "Images have 1 (grayscale) or 3 (RGB) channels.");
        if (rows.Count == 0 || rows[0].Count == 0) throw new ArgumentException("There are no images to draw.", nameof(rows));
        int values = channels * imageHeight * imageWidth;
        foreach (var image in rows.SelectMany(r => r))
            if (image.Length != values)
                throw new ArgumentException($"An image of {channels}×{imageHeight}×{imageWidth} has {values} values, but a row has {image.Length}.");

        int columns = rows.Max(r => r.Count);
        int gridWidth = columns * imageWidth + (columns - 1) * Gap, gridHeight = rows.Count * imageHeight + (rows.Count - 1) * Gap;
        // NaN cells are transparent: the gaps between images.
        var cells = new double[gridHeight, gridWidth];
        for (int y = 0; y < gridHeight; y++)
            for (int x = 0; x < gridWidth; x++)
                cells[y, x] = double.NaN;
        for (int r = 0; r < rows.Count; r++)
            for (int i = 0; i < rows[r].Count; i++)
                Paint(cells, rows[r][i], r * (imageHeight + Gap), i * (imageWidth + Gap), imageHeight, imageWidth, channels);

        var plot = Figure.Create(title, xLabel, yLabel);
        var heatmap = plot.Add.Heatmap(cells);
        heatmap.Colormap = new ScottPlot.Colormaps.Grayscale();
        // The axes are the grid's rows and columns, said by the labels: pixel-index ticks would only clutter them.
        foreach (var axis in new ScottPlot.IAxis[] { plot.Axes.Bottom, plot.Axes.Left })
        {
            axis.TickLabelStyle.IsVisible = false;
            axis.MajorTickStyle.Length = 0;
            axis.MinorTickStyle.Length = 0;
        }
        plot.Grid.IsVisible = false;
        plot.Axes.Margins(0, 0);
        int height = Math.Max(200, (int)(width * (double)gridHeight / gridWidth) + 120);
        Figure.Save(plot, path, width, height);
    }

    /// <summary>Copies one image into <paramref name="cells"/> with its top-left pixel at (<paramref name="top"/>, <paramref name="left"/>).</summary>
    private static void Paint(double[,] cells, float[] image, int top, int left, int imageHeight, int imageWidth, int channels)
    {
        int plane = imageHeight * imageWidth;
        for (int y = 0; y < imageHeight; y++)
            for (int x = 0; x < imageWidth; x++)
            {
                int p = y * imageWidth + x;
                // Rec. 601 luma for colour.
                cells[top + y, left + x] = channels == 1 ? image[p] : 0.299 * image[p] + 0.587 * image[plane + p] + 0.114 * image[2 * plane + p];
            }
    }
}
