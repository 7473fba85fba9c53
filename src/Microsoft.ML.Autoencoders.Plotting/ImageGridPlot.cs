namespace Microsoft.ML.Autoencoders.Plotting;

/// <summary>
/// Image-shaped rows drawn as a grid: inputs above their reconstructions (one column per example), or any rows of
/// images such as samples from a variational autoencoder. Grayscale images share one scale, so rows compare by eye;
/// colour images (channels first, values in [0, 1]) are drawn in their colours.
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
        var plot = Figure.Create(title, xLabel, yLabel);
        if (channels == 1)
            plot.Add.Heatmap(GrayCells(rows, imageHeight, imageWidth, gridHeight, gridWidth)).Colormap = new ScottPlot.Colormaps.Grayscale();
        else
        {
            // A heatmap maps one value to a colour; RGB pixels are an image, stretched over the grid's coordinates.
            var image = plot.Add.ImageRect(new ScottPlot.Image(RgbPixels(rows, imageHeight, imageWidth, gridHeight, gridWidth)),
                new ScottPlot.CoordinateRect(0, gridWidth, 0, gridHeight));
            // Pixels stay square blocks when blown up: smoothing would blur small patches.
            image.AntiAlias = false;
        }
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

    /// <summary>The grid as heatmap cells: each image's values, and NaN (transparent) in the gaps between images.</summary>
    private static double[,] GrayCells(IReadOnlyList<IReadOnlyList<float[]>> rows, int imageHeight, int imageWidth, int gridHeight, int gridWidth)
    {
        var cells = new double[gridHeight, gridWidth];
        for (int y = 0; y < gridHeight; y++)
            for (int x = 0; x < gridWidth; x++)
                cells[y, x] = double.NaN;
        for (int r = 0; r < rows.Count; r++)
            for (int i = 0; i < rows[r].Count; i++)
                for (int y = 0; y < imageHeight; y++)
                    for (int x = 0; x < imageWidth; x++)
                        cells[r * (imageHeight + Gap) + y, i * (imageWidth + Gap) + x] = rows[r][i][y * imageWidth + x];
        return cells;
    }

    /// <summary>The grid as RGB bytes [y, x, channel], values clamped to [0, 1], the gaps white like the plot's background.</summary>
    private static byte[,,] RgbPixels(IReadOnlyList<IReadOnlyList<float[]>> rows, int imageHeight, int imageWidth, int gridHeight, int gridWidth)
    {
        var pixels = new byte[gridHeight, gridWidth, 3];
        for (int y = 0; y < gridHeight; y++)
            for (int x = 0; x < gridWidth; x++)
                for (int c = 0; c < 3; c++)
                    pixels[y, x, c] = byte.MaxValue;
        int plane = imageHeight * imageWidth;
        for (int r = 0; r < rows.Count; r++)
            for (int i = 0; i < rows[r].Count; i++)
                for (int y = 0; y < imageHeight; y++)
                    for (int x = 0; x < imageWidth; x++)
                        for (int c = 0; c < 3; c++)
                            pixels[r * (imageHeight + Gap) + y, i * (imageWidth + Gap) + x, c] =
                                (byte)MathF.Round(Math.Clamp(rows[r][i][c * plane + y * imageWidth + x], 0f, 1f) * 255f);
        return pixels;
    }
}
