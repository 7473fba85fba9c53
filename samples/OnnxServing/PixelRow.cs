using Microsoft.ML.Autoencoders.Data;
using Microsoft.ML.Data;

namespace OnnxServing;

/// <summary>One MNIST image as a raw column, before any preprocessing: 784 pixels in [0, 1], row by row.</summary>
internal sealed class PixelRow
{
    [VectorType(MnistSplit.PixelsPerImage)]
    public float[] Pixels { get; set; } = [];

    /// <summary>One row per image of <paramref name="split"/>.</summary>
    public static List<PixelRow> From(MnistSplit split) =>
        Enumerable.Range(0, split.Count).Select(i => new PixelRow { Pixels = split.Image(i).ToArray() }).ToList();
}
