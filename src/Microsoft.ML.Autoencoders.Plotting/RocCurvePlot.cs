namespace Microsoft.ML.Autoencoders.Plotting;

/// <summary>ROC curves of anomaly scores against labels, with chance as a dashed diagonal and each curve's AUC.</summary>
public static class RocCurvePlot
{
    /// <summary>Computes the curve of <paramref name="scores"/> and writes it as a PNG; returns the curve (its AUC included).</summary>
    /// <param name="path">The PNG file to create.</param>
    /// <param name="scores">One anomaly score per row, higher meaning more anomalous.</param>
    /// <param name="isAnomaly">One label per row, true for an anomaly.</param>
    /// <param name="title">The start of the title; the AUC is appended.</param>
    /// <param name="width">Image width in pixels.</param>
    /// <param name="height">Image height in pixels.</param>
    public static RocCurve Write(string path, IReadOnlyList<float> scores, IReadOnlyList<bool> isAnomaly, string title = "ROC", int width = 650, int height = 600)
    {
        var curve = RocCurve.Compute(scores, isAnomaly);
        var plot = CreateAxes(FormattableString.Invariant($"{title} (AUC = {curve.Area:F3})"));
        AddCurve(plot, curve, "autoencoder", Figure.Palette.GetColor(0));
        Figure.Save(plot, path, width, height);
        return curve;
    }

    /// <summary>
    /// Writes several curves on one pair of axes as a PNG, e.g. one per normal class or one per detector; the legend
    /// gives each curve's name and AUC.
    /// </summary>
    /// <param name="path">The PNG file to create.</param>
    /// <param name="curves">The curves (from <see cref="RocCurve.Compute"/>) and their names, drawn in the palette's order.</param>
    /// <param name="title">The plot's title.</param>
    /// <param name="width">Image width in pixels.</param>
    /// <param name="height">Image height in pixels.</param>
    public static void WriteCurves(string path, IReadOnlyList<(string Name, RocCurve Curve)> curves, string title = "ROC", int width = 800, int height = 700)
    {
        ArgumentNullException.ThrowIfNull(curves);
        if (curves.Count == 0) throw new ArgumentException("There are no curves to plot.", nameof(curves));
        var plot = CreateAxes(title);
        for (int i = 0; i < curves.Count; i++)
            AddCurve(plot, curves[i].Curve, FormattableString.Invariant($"{curves[i].Name} (AUC = {curves[i].Curve.Area:F3})"), Figure.Palette.GetColor(i));
        Figure.Save(plot, path, width, height);
    }

    /// <summary>The unit square with titled axes, chance as a dashed grey diagonal, and the legend where ROC curves are not.</summary>
    private static ScottPlot.Plot CreateAxes(string title)
    {
        var plot = Figure.Create(title, "false-positive rate", "true-positive rate");
        var chance = plot.Add.Line(0, 0, 1, 1);
        chance.LineColor = ScottPlot.Colors.Gray;
        chance.LinePattern = ScottPlot.LinePattern.Dashed;
        chance.LegendText = "chance";
        plot.Axes.SetLimits(0, 1, 0, 1);
        plot.ShowLegend(ScottPlot.Alignment.LowerRight);
        return plot;
    }

    private static void AddCurve(ScottPlot.Plot plot, RocCurve curve, string name, ScottPlot.Color colour)
    {
        var line = plot.Add.Scatter(curve.FalsePositiveRates.ToArray(), curve.TruePositiveRates.ToArray(), colour);
        line.MarkerSize = 0;
        line.LineWidth = 2;
        line.LegendText = name;
    }
}
