using System.Globalization;
using ScottPlot;

namespace Microsoft.ML.Autoencoders.Plotting;

/// <summary>
/// A time series and where things happen in it: one line per channel over time; marked time steps (e.g. the points a
/// detector flagged) as markers on the first channel's line, or as ticks in a lane of their own below the data (one
/// lane per detector, named on the y axis, so several detectors' flags stay apart); shaded spans (e.g. the true
/// anomalies); a legend for all of them.
/// </summary>
public static class SeriesPlot
{
    /// <summary>Marker shapes in the order marker sets use them, so sets that share a point stay told apart.</summary>
    private static readonly MarkerShape[] Shapes =
        [MarkerShape.FilledCircle, MarkerShape.FilledTriangleUp, MarkerShape.FilledSquare, MarkerShape.FilledDiamond, MarkerShape.OpenCircle];

    /// <summary>Palette entries for marks: red (entry 3) is left out, because it is the shade's colour.</summary>
    private static readonly int[] MarkColours = [0, 1, 2, 4, 5, 6, 7, 8, 9];

    /// <summary>The shaded spans: the palette's red, light enough for lines and markers to show through.</summary>
    private static readonly Color ShadeColour = Figure.Palette.GetColor(3).WithAlpha(0.22);

    /// <summary>Each lane's height, and the gap between the data and the first lane, as fractions of the data's range.</summary>
    private const double LaneHeight = 0.1, LaneGap = 0.08;

    /// <summary>Room above the data when lanes set the y axis' limits, as a fraction of the data's range.</summary>
    private const double TopMargin = 0.05;

    /// <summary>Writes the series as a PNG.</summary>
    /// <param name="path">The PNG file to create.</param>
    /// <param name="channels">The channels, each a name (for the legend) and one value per time step; all the same length, at least 2.</param>
    /// <param name="time">The time of each step (e.g. fractional years), increasing; null for step numbers 0, 1, ….</param>
    /// <param name="markers">Sets of marked steps, each a name and one flag per step, drawn on the first channel's line.</param>
    /// <param name="lanes">Sets of marked steps drawn as ticks in lanes below the data, first set at the top, each lane named on the y axis.</param>
    /// <param name="shaded">Steps to shade (each run of them one span), with the legend's name for them; null for none.</param>
    /// <param name="title">The plot's title.</param>
    /// <param name="xLabel">The x axis' label: what the time is.</param>
    /// <param name="yLabel">The y axis' label: what the values are.</param>
    /// <param name="width">Image width in pixels.</param>
    /// <param name="height">Image height in pixels.</param>
    public static void Write(string path, IReadOnlyList<(string Name, IReadOnlyList<float> Values)> channels, IReadOnlyList<double>? time = null,
        IReadOnlyList<(string Name, IReadOnlyList<bool> Marked)>? markers = null, IReadOnlyList<(string Name, IReadOnlyList<bool> Marked)>? lanes = null,
        (string Name, IReadOnlyList<bool> Marked)? shaded = null, string title = "Series", string xLabel = "time step", string yLabel = "value",
        int width = 1200, int height = 550)
    {
        ArgumentNullException.ThrowIfNull(channels);
        if (channels.Count == 0) throw new ArgumentException("There are no channels to plot.", nameof(channels));
        int steps = channels[0].Values.Count;
        if (steps < 2) throw new ArgumentException($"A series needs at least 2 steps, not {steps}.", nameof(channels));
        foreach (var (name, values) in channels)
            if (values.Count != steps) throw new ArgumentException($"Channel '{name}' has {values.Count} steps, the first one {steps}.", nameof(channels));
        double[] x = time?.ToArray() ?? Enumerable.Range(0, steps).Select(t => (double)t).ToArray();
        if (x.Length != steps) throw new ArgumentException($"{steps} steps but {x.Length} times.", nameof(time));
        for (int t = 1; t < steps; t++)
            if (!(x[t] > x[t - 1])) throw new ArgumentException($"Times must increase, but step {t} ({x[t]}) does not follow {x[t - 1]}.", nameof(time));
        markers ??= [];
        lanes ??= [];
        foreach (var (name, marked) in markers.Concat(lanes).Concat(shaded is { } s ? [s] : []))
            if (marked.Count != steps) throw new ArgumentException($"'{name}' flags {marked.Count} steps, but the series has {steps}.");

        var plot = Figure.Create(title, xLabel, yLabel);
        // Half a step either side of the ends, so a span or tick on the first or last step is drawn whole.
        double halfStep = (x[^1] - x[0]) / (steps - 1) / 2;
        if (shaded is { } shade) AddSpans(plot, x, shade.Marked, shade.Name, halfStep);

        // One channel is drawn in black, leaving every colour to the marks; several take the palette's colours in turn.
        Color[] lineColours = channels.Count == 1 ? [Colors.Black] : Enumerable.Range(0, channels.Count).Select(Figure.Palette.GetColor).ToArray();
        for (int c = 0; c < channels.Count; c++)
        {
            var line = plot.Add.Scatter(x, channels[c].Values.Select(v => (double)v).ToArray(), lineColours[c]);
            line.MarkerSize = 0;
            line.LineWidth = 1.5f;
            line.LegendText = channels[c].Name;
        }

        int colour = channels.Count == 1 ? 0 : channels.Count;
        Color NextMarkColour() => Figure.Palette.GetColor(MarkColours[colour++ % MarkColours.Length]);
        for (int m = 0; m < markers.Count; m++)
        {
            int[] at = Marked(markers[m].Marked);
            var points = plot.Add.ScatterPoints(at.Select(t => x[t]).ToArray(), at.Select(t => (double)channels[0].Values[t]).ToArray(), NextMarkColour());
            points.MarkerShape = Shapes[m % Shapes.Length];
            // Later sets smaller, so a point in several sets shows each of them.
            points.MarkerSize = Math.Max(5, 11 - 2 * m);
            points.LegendText = markers[m].Name;
        }
        if (lanes.Count > 0) AddLanes(plot, x, channels, lanes, NextMarkColour);

        plot.Axes.SetLimitsX(x[0] - halfStep, x[^1] + halfStep);
        // ScottPlot's default labels group thousands ("1,990"), which misreads a year; plain invariant numbers instead.
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { LabelFormatter = Label };
        // Beside the plot, not on it: a series fills its plot from edge to edge.
        plot.ShowLegend(Edge.Right);
        Figure.Save(plot, path, width, height);
    }

    /// <summary>One translucent span per run of shaded steps; only the first carries the legend entry.</summary>
    private static void AddSpans(Plot plot, double[] x, IReadOnlyList<bool> shaded, string name, double halfStep)
    {
        bool named = false;
        for (int start = 0; start < x.Length; start++)
        {
            if (!shaded[start]) continue;
            int end = start;
            while (end + 1 < x.Length && shaded[end + 1]) end++;
            var span = plot.Add.HorizontalSpan(x[start] - halfStep, x[end] + halfStep);
            span.FillStyle.Color = ShadeColour;
            span.LineStyle.Width = 0;
            if (!named) span.LegendText = name;
            named = true;
            start = end;
        }
    }

    /// <summary>
    /// Lanes below the data, each a row of ticks at its marked steps on a faint guide line. The y axis names the lanes
    /// where they are and numbers only the data's range, so no value is read off a lane.
    /// </summary>
    private static void AddLanes(Plot plot, double[] x, IReadOnlyList<(string Name, IReadOnlyList<float> Values)> channels,
        IReadOnlyList<(string Name, IReadOnlyList<bool> Marked)> lanes, Func<Color> nextColour)
    {
        var finite = channels.SelectMany(c => c.Values).Where(float.IsFinite).Select(v => (double)v).ToArray();
        double low = finite.Length > 0 ? finite.Min() : 0, high = finite.Length > 0 ? finite.Max() : 1;
        double range = high > low ? high - low : 1;
        var tickPositions = new List<double>();
        var tickLabels = new List<string>();
        // Numbers over the data and the margin above it, stopping short of the gap before the first lane.
        foreach (double value in ValueTicks(low - range * LaneGap / 3, high + range * TopMargin))
        {
            tickPositions.Add(value);
            tickLabels.Add(Label(value));
        }
        for (int l = 0; l < lanes.Count; l++)
        {
            double y = low - range * (LaneGap + (l + 0.5) * LaneHeight);
            var colourOfLane = nextColour();
            plot.Add.HorizontalLine(y, 1, colourOfLane.WithAlpha(0.3));
            int[] at = Marked(lanes[l].Marked);
            var ticks = plot.Add.ScatterPoints(at.Select(t => x[t]).ToArray(), Enumerable.Repeat(y, at.Length).ToArray(), colourOfLane);
            ticks.MarkerShape = MarkerShape.VerticalBar;
            ticks.MarkerSize = 16;
            ticks.MarkerLineWidth = 2;
            ticks.LegendText = lanes[l].Name;
            tickPositions.Add(y);
            tickLabels.Add(lanes[l].Name);
        }
        plot.Axes.Left.SetTicks(tickPositions.ToArray(), tickLabels.ToArray());
        plot.Axes.SetLimitsY(low - range * (LaneGap + (lanes.Count + 0.3) * LaneHeight), high + range * TopMargin);
    }

    private static string Label(double value) => value.ToString("G6", CultureInfo.InvariantCulture);

    /// <summary>Four to seven round values (steps of 1, 2 or 5 times a power of ten) from <paramref name="low"/> to <paramref name="high"/>.</summary>
    private static IEnumerable<double> ValueTicks(double low, double high)
    {
        if (!(high > low)) return [low];
        double range = high - low, power = Math.Pow(10, Math.Floor(Math.Log10(range / 7)));
        double step = new[] { 1, 2, 5, 10 }.Select(m => m * power).First(s => range / s <= 7);
        long first = (long)Math.Ceiling(low / step), last = (long)Math.Floor(high / step);
        // Multiplying whole counts of the step keeps 0.1 + 0.2 style drift out of the labels.
        return Enumerable.Range(0, (int)(last - first + 1)).Select(i => Math.Round((first + i) * step, 10));
    }

    private static int[] Marked(IReadOnlyList<bool> marked) => Enumerable.Range(0, marked.Count).Where(t => marked[t]).ToArray();
}
