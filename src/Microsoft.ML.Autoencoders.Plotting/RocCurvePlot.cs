namespace Microsoft.ML.Autoencoders.Plotting;

/// <summary>A ROC curve of anomaly scores against labels, with chance as a dashed diagonal and the AUC in the title.</summary>
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
        var plot = Figure.Create(FormattableString.Invariant($"{title} (AUC = {curve.Area:F3})"), "false-positive rate", "true-positive rate");
        var chance = plot.Add.Line(0, 0, 1, 1);
        chance.LineColor = ScottPlot.Colors.Gray;
        chance.LinePattern = ScottPlot.LinePattern.Dashed;
        chance.LegendText = "chance";
        var roc = plot.Add.Scatter(curve.FalsePositiveRates.ToArray(), curve.TruePositiveRates.ToArray(), Figure.Palette.GetColor(0));
        roc.MarkerSize = 0;
        roc.LineWidth = 2;
        roc.LegendText = "autoencoder";
        plot.Axes.SetLimits(0, 1, 0, 1);
        plot.ShowLegend(ScottPlot.Alignment.LowerRight);
        Figure.Save(plot, path, width, height);
        return curve;
    }
}
