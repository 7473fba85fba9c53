namespace Microsoft.ML.Autoencoders.Plotting;

/// <summary>
/// The codes as points in 2-D, coloured by label: whether the autoencoder keeps the classes apart. A 2-wide code is drawn
/// as it is; a wider one is projected on its first two principal components (the plane of largest spread).
/// </summary>
public static class CodeScatterPlot
{
    /// <summary>Writes the scatter as a PNG.</summary>
    /// <param name="path">The PNG file to create.</param>
    /// <param name="codes">The codes, row after row, <paramref name="codeSize"/> values each.</param>
    /// <param name="codeSize">Values per code (2 or more).</param>
    /// <param name="labels">One label per row (any text: each distinct one gets a colour and a legend entry); null for one colour.</param>
    /// <param name="title">The plot's title.</param>
    /// <param name="width">Image width in pixels.</param>
    /// <param name="height">Image height in pixels.</param>
    public static void Write(string path, float[] codes, int codeSize, IReadOnlyList<string>? labels = null,
        string title = "Codes", int width = 800, int height = 650)
    {
        ArgumentNullException.ThrowIfNull(codes);
        ArgumentOutOfRangeException.ThrowIfLessThan(codeSize, 2);
        if (codes.Length == 0 || codes.Length % codeSize != 0)
            throw new ArgumentException($"{codes.Length} values are not whole codes of {codeSize}.", nameof(codes));
        int rows = codes.Length / codeSize;
        if (labels != null && labels.Count != rows)
            throw new ArgumentException($"{rows} codes but {labels.Count} labels.", nameof(labels));

        (double[] x, double[] y) = codeSize == 2 ? Split(codes) : PrincipalPlane.Project(codes, rows, codeSize);
        string axis = codeSize == 2 ? "code" : "principal component";
        var plot = Figure.Create(title, $"{axis} 1", $"{axis} 2");
        var groups = Enumerable.Range(0, rows).GroupBy(i => labels?[i] ?? "").OrderBy(g => g.Key, LabelOrder.Instance).ToArray();
        for (int g = 0; g < groups.Length; g++)
        {
            int[] members = groups[g].ToArray();
            var points = plot.Add.ScatterPoints(members.Select(i => x[i]).ToArray(), members.Select(i => y[i]).ToArray(), Figure.Palette.GetColor(g));
            points.MarkerSize = 4;
            if (labels != null) points.LegendText = groups[g].Key;
        }
        if (labels != null) plot.ShowLegend(ScottPlot.Edge.Right);
        Figure.Save(plot, path, width, height);
    }

    private static (double[] X, double[] Y) Split(float[] codes)
    {
        int rows = codes.Length / 2;
        var x = new double[rows];
        var y = new double[rows];
        for (int i = 0; i < rows; i++)
        {
            x[i] = codes[2 * i];
            y[i] = codes[2 * i + 1];
        }
        return (x, y);
    }

    /// <summary>Numbers in numeric order (2 before 10), everything else as text.</summary>
    private sealed class LabelOrder : IComparer<string>
    {
        public static readonly LabelOrder Instance = new();

        public int Compare(string? a, string? b) =>
            double.TryParse(a, System.Globalization.CultureInfo.InvariantCulture, out double x) && double.TryParse(b, System.Globalization.CultureInfo.InvariantCulture, out double y)
                ? x.CompareTo(y)
                : string.CompareOrdinal(a, b);
    }
}
