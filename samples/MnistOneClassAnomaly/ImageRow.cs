using Microsoft.ML.Data;

namespace MnistOneClassAnomaly;

/// <summary>One preprocessed image as ML.NET sees it: Label is Single (1 = anomaly), as the anomaly evaluator requires.</summary>
internal sealed class ImageRow
{
    public float Label { get; set; }

    [VectorType(Microsoft.ML.Autoencoders.Data.MnistSplit.PixelsPerImage)]
    public float[] Features { get; set; } = [];

    /// <summary>Rows over <paramref name="pixels"/>, 784 values each, labelled by <paramref name="label"/>(index).</summary>
    public static IEnumerable<ImageRow> From(float[] pixels, Func<int, float> label)
    {
        const int Width = Microsoft.ML.Autoencoders.Data.MnistSplit.PixelsPerImage;
        for (int i = 0; i < pixels.Length / Width; i++)
            yield return new ImageRow { Label = label(i), Features = pixels.AsSpan(i * Width, Width).ToArray() };
    }
}
