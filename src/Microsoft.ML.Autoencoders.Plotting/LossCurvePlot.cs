using Microsoft.ML.Autoencoders.Engine.Training;

namespace Microsoft.ML.Autoencoders.Plotting;

/// <summary>Training and validation loss per epoch, the first picture to look at when a model trains badly.</summary>
public static class LossCurvePlot
{
    /// <summary>Writes the curves of <paramref name="epochs"/> (e.g. <c>model.TrainingHistory.Epochs</c>) as a PNG.</summary>
    /// <param name="path">The PNG file to create.</param>
    /// <param name="epochs">One entry per epoch; the validation curve is drawn when any epoch has a validation loss.</param>
    /// <param name="title">The plot's title.</param>
    /// <param name="width">Image width in pixels.</param>
    /// <param name="height">Image height in pixels.</param>
    public static void Write(string path, IReadOnlyList<EpochMetrics> epochs, string title = "Loss per epoch", int width = 800, int height = 500)
    {
        ArgumentNullException.ThrowIfNull(epochs);
        if (epochs.Count == 0) throw new ArgumentException("There are no epochs to plot.", nameof(epochs));

        var plot = Figure.Create(title, "epoch", "loss");
        double[] x = epochs.Select(e => (double)e.Epoch).ToArray();
        var training = plot.Add.Scatter(x, epochs.Select(e => e.TotalTrainingLoss).ToArray(), Figure.Palette.GetColor(0));
        training.LegendText = "training";
        // Epochs without a validation split report NaN; draw the curve only from the epochs that have one.
        var validated = epochs.Where(e => double.IsFinite(e.ValidationLoss)).ToArray();
        if (validated.Length > 0)
        {
            var validation = plot.Add.Scatter(validated.Select(e => (double)e.Epoch).ToArray(), validated.Select(e => e.ValidationLoss).ToArray(), Figure.Palette.GetColor(1));
            validation.LegendText = "validation";
        }
        // Losses fall, so the upper right is where the curves are not.
        plot.ShowLegend(ScottPlot.Alignment.UpperRight);
        Figure.Save(plot, path, width, height);
    }
}
