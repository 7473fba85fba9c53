using Microsoft.ML.Autoencoders.Engine.Training;
using Microsoft.ML.Autoencoders.Plotting;

namespace Microsoft.ML.Autoencoders.Cli.Tests.Plotting;

/// <summary>
/// Each plot kind writes a PNG whose title and axis labels are really drawn: the bands where they go hold dark pixels.
/// Blank text is what a missing font gives, silently, so this is the check that matters on a fresh machine.
/// </summary>
public sealed class PlotTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("autoencoder-plots-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string File(string name) => Path.Combine(_folder, name);

    private static void AssertLabelled(PngImage png)
    {
        Assert.True(png.TitleInk() > 50, $"The title band has {png.TitleInk()} dark pixels: the title did not render.");
        Assert.True(png.XLabelInk() > 20, $"The x-label band has {png.XLabelInk()} dark pixels: the x-axis label did not render.");
        Assert.True(png.YLabelInk() > 20, $"The y-label band has {png.YLabelInk()} dark pixels: the y-axis label did not render.");
    }

    [Fact]
    public void Loss_curve_has_title_and_axis_labels()
    {
        var epochs = Enumerable.Range(1, 12).Select(e => new EpochMetrics(e, 1.0 / e, 1.2 / e, 0.1)).ToArray();
        LossCurvePlot.Write(File("loss.png"), epochs);
        AssertLabelled(PngImage.Read(File("loss.png")));
    }

    [Fact]
    public void The_title_check_sees_a_missing_title()
    {
        // The check above must be able to fail: without a title, nothing is drawn above the frame.
        var epochs = Enumerable.Range(1, 12).Select(e => new EpochMetrics(e, 1.0 / e, double.NaN, 0.1)).ToArray();
        LossCurvePlot.Write(File("titled.png"), epochs);
        LossCurvePlot.Write(File("untitled.png"), epochs, title: "");
        int titled = PngImage.Read(File("titled.png")).TitleInk(), untitled = PngImage.Read(File("untitled.png")).TitleInk();
        Assert.True(titled > 50 && untitled < 20, $"ink above the frame: {titled} with a title, {untitled} without");
    }

    [Fact]
    public void Reconstruction_grid_draws_images_and_labels()
    {
        var inputs = Enumerable.Range(0, 6).Select(i => Enumerable.Range(0, 64).Select(p => (p + i) % 8 / 7f).ToArray()).ToArray();
        var outputs = inputs.Select(a => a.Select(v => 1 - v).ToArray()).ToArray();
        ImageGridPlot.WriteReconstructions(File("grid.png"), inputs, outputs, 8, 8);
        var png = PngImage.Read(File("grid.png"));
        AssertLabelled(png);
        Assert.True(png.DarkPixels(png.Width / 4, png.Height / 3, png.Width * 3 / 4, png.Height * 2 / 3) > 1000, "The images are not drawn.");
    }

    [Fact]
    public void Colour_grid_keeps_the_colours_and_the_rows_order()
    {
        // Red patches above blue ones (channels first): drawn by luminance, neither colour would appear at all.
        float[] Patch(int channel) => Enumerable.Range(0, 3 * 36).Select(v => v / 36 == channel ? 0.9f : 0.1f).ToArray();
        var rows = new IReadOnlyList<float[]>[] { Enumerable.Repeat(Patch(0), 4).ToArray(), Enumerable.Repeat(Patch(2), 4).ToArray() };
        ImageGridPlot.Write(File("colour.png"), rows, 6, 6, channels: 3, "Colour patches", "patch", "row");
        var png = PngImage.Read(File("colour.png"));
        AssertLabelled(png);
        SkiaSharp.SKColor red = new(230, 26, 26), blue = new(26, 26, 230);
        int middle = png.Height / 2;
        int redAbove = png.PixelsNear(red, 0, 0, png.Width, middle), redBelow = png.PixelsNear(red, 0, middle, png.Width, png.Height);
        int blueAbove = png.PixelsNear(blue, 0, 0, png.Width, middle), blueBelow = png.PixelsNear(blue, 0, middle, png.Width, png.Height);
        Assert.True(redAbove > 1000 && blueBelow > 1000 && redBelow < redAbove / 10 && blueAbove < blueBelow / 10,
            $"red pixels {redAbove} above / {redBelow} below the middle, blue {blueAbove} / {blueBelow}");
    }

    [Fact]
    public void Code_scatter_projects_wide_codes_and_colours_labels()
    {
        var random = new Random(1);
        int rows = 300, width = 5;
        var codes = new float[rows * width];
        var labels = new string[rows];
        for (int r = 0; r < rows; r++)
        {
            labels[r] = (r % 3).ToString(System.Globalization.CultureInfo.InvariantCulture);
            for (int c = 0; c < width; c++) codes[r * width + c] = (float)(random.NextDouble() + 3 * (r % 3) * (c == 2 ? 1 : 0));
        }
        CodeScatterPlot.Write(File("codes.png"), codes, width, labels);
        var png = PngImage.Read(File("codes.png"));
        AssertLabelled(png);
        Assert.True(png.DistinctColours() > 5);
    }

    [Fact]
    public void Roc_curve_has_the_auc_of_a_known_ranking()
    {
        float[] scores = [0, 1, 2, 3, 3, 4, 5];
        bool[] labels = [false, false, false, false, true, true, true];
        var curve = RocCurvePlot.Write(File("roc.png"), scores, labels);
        // 4 normal × 3 anomalies = 12 pairs; all right except the tie at 3, which counts half: 11.5 / 12.
        Assert.Equal(11.5 / 12, curve.Area, 6);
        AssertLabelled(PngImage.Read(File("roc.png")));
    }

    [Fact]
    public void Roc_curves_share_one_plot_in_the_palette_colours()
    {
        float[] scores = [0, 1, 2, 3, 4, 5];
        // Neither curve runs along the frame, where the axes would hide it.
        var good = RocCurve.Compute(scores, [false, false, true, false, true, true]);
        var poor = RocCurve.Compute(scores, [false, true, true, false, false, true]);
        RocCurvePlot.WriteCurves(File("rocs.png"), [("good", good), ("poor", poor)], "Two detectors");
        var png = PngImage.Read(File("rocs.png"));
        AssertLabelled(png);
        // Category10's first two colours: each curve is drawn (and its legend entry).
        Assert.True(png.PixelsNear(new(31, 119, 180), 0, 0, png.Width, png.Height) > 200, "The first curve is not drawn.");
        Assert.True(png.PixelsNear(new(255, 127, 14), 0, 0, png.Width, png.Height) > 200, "The second curve is not drawn.");
        Assert.Throws<ArgumentException>(() => RocCurvePlot.WriteCurves(File("none.png"), []));
    }

    [Fact]
    public void Roc_curve_refuses_one_class_labels()
    {
        var error = Assert.Throws<ArgumentException>(() => RocCurve.Compute([1f, 2f], [false, false]));
        Assert.Contains("both anomalies and normal rows", error.Message);
    }

    [Fact]
    public void Feature_error_heatmap_puts_row_0_at_the_top()
    {
        // Errors grow with the row: the last rows (bright in Viridis) must be drawn at the bottom, as in a table.
        var errors = Enumerable.Range(0, 20 * 4).Select(i => (float)(1 + i % 4) * (i / 4) / 80f).ToArray();
        FeatureErrorHeatmapPlot.Write(File("errors.png"), errors, 4, ["width", "height", "depth", "weight"]);
        var png = PngImage.Read(File("errors.png"));
        Assert.True(png.TitleInk() > 50);
        Assert.True(png.DistinctColours() > 10);
        int left = png.Width / 5, right = png.Width * 3 / 5;
        double top = png.Brightness(left, png.Height * 15 / 100, right, png.Height * 30 / 100);
        double bottom = png.Brightness(left, png.Height * 65 / 100, right, png.Height * 80 / 100);
        Assert.True(bottom > top + 60, $"brightness: top {top:F0}, bottom {bottom:F0}");
    }

    [Fact]
    public void Heatmap_names_rows_and_columns_of_any_table()
    {
        // A confusion matrix: rows and columns are classes, named on both axes.
        string[] digits = ["0", "1", "2"];
        float[] rates = [0.9f, 0.1f, 0, 0.05f, 0.9f, 0.05f, 0, 0.2f, 0.8f];
        FeatureErrorHeatmapPlot.Write(File("confusion.png"), rates, 3, digits, "Confusion", "share of the true digit",
            rowNames: digits, xLabel: "predicted digit", yLabel: "true digit");
        AssertLabelled(PngImage.Read(File("confusion.png")));
        var error = Assert.Throws<ArgumentException>(() => FeatureErrorHeatmapPlot.Write(File("bad.png"), rates, 3, rowNames: ["0", "1"]));
        Assert.Contains("3 rows but 2 names", error.Message);
    }

    [Fact]
    public void Series_shades_its_spans_and_draws_each_lane_below_the_data()
    {
        // A sine over 200 steps; the shaded run and both lanes' marks lie in the right half only.
        float[] values = Enumerable.Range(0, 200).Select(t => MathF.Sin(t / 10f)).ToArray();
        bool[] shaded = Enumerable.Range(0, 200).Select(t => t is >= 140 and < 170).ToArray();
        bool[] first = Enumerable.Range(0, 200).Select(t => t is >= 140 and < 160).ToArray();
        bool[] second = Enumerable.Range(0, 200).Select(t => t is >= 150 and < 170).ToArray();
        SeriesPlot.Write(File("series.png"), [("sine", values)], lanes: [("first", first), ("second", second)], shaded: ("anomaly", shaded),
            title: "A sine", xLabel: "step", yLabel: "value");
        var png = PngImage.Read(File("series.png"));
        AssertLabelled(png);
        // The plot's data area is left of the legend (right edge); its left and right halves by the x axis.
        int middle = png.Width * 35 / 100, end = png.Width * 70 / 100;
        // The shade: Category10's red at 22 % over white. A tight match, since the grid's light gray is near it.
        SkiaSharp.SKColor shade = new(246, 207, 208), blue = new(31, 119, 180), orange = new(255, 127, 14);
        int shadeLeft = png.PixelsNear(shade, 0, 0, middle, png.Height, tolerance: 12), shadeRight = png.PixelsNear(shade, middle, 0, end, png.Height, tolerance: 12);
        Assert.True(shadeRight > 5000 && shadeLeft < 100, $"shaded pixels: {shadeLeft} left, {shadeRight} right");
        // Lanes go below the data: the marks' colours (away from the legend) only in the lower part of the image.
        int lanesTop = png.Height * 60 / 100;
        Assert.True(png.PixelsNear(blue, middle, lanesTop, end, png.Height) > 50, "The first lane's marks are not drawn.");
        Assert.True(png.PixelsNear(orange, middle, lanesTop, end, png.Height) > 50, "The second lane's marks are not drawn.");
        Assert.True(png.PixelsNear(blue, 0, 0, end, lanesTop) + png.PixelsNear(orange, 0, 0, end, lanesTop) < 20, "Marks are drawn over the data.");
    }

    [Fact]
    public void Series_draws_every_channel_and_its_markers_on_the_line()
    {
        // Two channels in the palette's first colours; the markers take the next one (green), on the first channel.
        float[] rising = Enumerable.Range(0, 50).Select(t => t / 50f).ToArray();
        float[] falling = rising.Select(v => 1 - v).ToArray();
        bool[] marked = Enumerable.Range(0, 50).Select(t => t % 10 == 5).ToArray();
        double[] years = Enumerable.Range(0, 50).Select(t => 1990 + t / 12.0).ToArray();
        SeriesPlot.Write(File("channels.png"), [("rising", rising), ("falling", falling)], years, markers: [("flagged", marked)]);
        var png = PngImage.Read(File("channels.png"));
        AssertLabelled(png);
        Assert.True(png.PixelsNear(new(31, 119, 180), 0, 0, png.Width, png.Height) > 200, "The first channel is not drawn.");
        Assert.True(png.PixelsNear(new(255, 127, 14), 0, 0, png.Width, png.Height) > 200, "The second channel is not drawn.");
        Assert.True(png.PixelsNear(new(44, 160, 44), 0, 0, png.Width, png.Height) > 200, "The markers are not drawn.");
    }

    [Fact]
    public void Series_refuses_marks_of_another_length_and_times_that_do_not_increase()
    {
        float[] values = [1, 2, 3, 4];
        var error = Assert.Throws<ArgumentException>(() => SeriesPlot.Write(File("bad.png"), [("x", values)], lanes: [("detector", new bool[3])]));
        Assert.Contains("'detector' flags 3 steps, but the series has 4", error.Message);
        error = Assert.Throws<ArgumentException>(() => SeriesPlot.Write(File("bad.png"), [("x", values)], time: [0, 1, 1, 2]));
        Assert.Contains("Times must increase", error.Message);
        Assert.False(System.IO.File.Exists(File("bad.png")));
    }
}
