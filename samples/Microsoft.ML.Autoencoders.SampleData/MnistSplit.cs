namespace Microsoft.ML.Autoencoders.Data;

/// <summary>
/// One part of MNIST (training or test) as plain arrays, for code that wants arrays rather than an
/// <see cref="IDataView"/>.
/// </summary>
public sealed class MnistSplit
{
    /// <summary>Height of an MNIST image in pixels.</summary>
    public const int ImageHeight = 28;

    /// <summary>Width of an MNIST image in pixels.</summary>
    public const int ImageWidth = 28;

    /// <summary>Pixels in one MNIST image: the length of the <c>Features</c> vector.</summary>
    public const int PixelsPerImage = ImageHeight * ImageWidth;

    /// <summary>Creates a split from arrays, checking that their sizes agree.</summary>
    /// <param name="pixels"><c>labels.Length</c> × 784 values in [0, 1], image after image, row-major.</param>
    /// <param name="labels">The digit 0–9 of each image.</param>
    public MnistSplit(float[] pixels, byte[] labels)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentNullException.ThrowIfNull(labels);
        if (pixels.LongLength != (long)labels.Length * PixelsPerImage)
        {
            throw new ArgumentException(
                $"{labels.Length} labels need {(long)labels.Length * PixelsPerImage} pixels ({PixelsPerImage} per image), " +
                $"but {pixels.Length} were given.", nameof(pixels));
        }

        Pixels = pixels;
        Labels = labels;
    }

    /// <summary>
    /// <see cref="Count"/> × 784 pixel values in [0, 1] (the stored byte divided by 255), image after image,
    /// each image row-major. Image <c>i</c> starts at <c>i * 784</c>.
    /// </summary>
    public float[] Pixels { get; }

    /// <summary>The digit (0–9) of each image.</summary>
    public byte[] Labels { get; }

    /// <summary>Number of images.</summary>
    public int Count => Labels.Length;

    /// <summary>The 784 pixels of image <paramref name="index"/>, as a view into <see cref="Pixels"/>.</summary>
    /// <param name="index">Zero-based image index, less than <see cref="Count"/>.</param>
    public ReadOnlySpan<float> Image(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return Pixels.AsSpan(index * PixelsPerImage, PixelsPerImage);
    }

    /// <summary>
    /// Wraps the arrays, without copying them, in an <see cref="IDataView"/> with the columns <c>Label</c>
    /// (<see cref="Single"/>, the digit) and <c>Features</c> (a vector of exactly 784 <see cref="Single"/> values).
    /// </summary>
    public IDataView ToDataView() => new MnistDataView(this);
}
