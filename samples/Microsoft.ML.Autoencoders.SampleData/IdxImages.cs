namespace Microsoft.ML.Autoencoders.Data;

/// <summary>
/// Grayscale images read from an IDX file, flattened row-major into one array so that batches can be
/// sliced without copying.
/// </summary>
/// <param name="Count">How many images <see cref="Pixels"/> holds.</param>
/// <param name="Height">Rows of pixels in one image (28 for MNIST).</param>
/// <param name="Width">Columns of pixels in one image (28 for MNIST).</param>
/// <param name="Pixels">
/// <see cref="Count"/> × <see cref="Height"/> × <see cref="Width"/> values, each the stored byte divided by 255,
/// so in [0, 1]. Image <c>i</c> starts at <c>i * PixelsPerImage</c>.
/// </param>
public sealed record IdxImages(int Count, int Height, int Width, float[] Pixels)
{
    /// <summary>Number of pixels in one image: <see cref="Height"/> × <see cref="Width"/>.</summary>
    public int PixelsPerImage => Height * Width;

    /// <summary>The pixels of image <paramref name="index"/>, as a view into <see cref="Pixels"/>.</summary>
    /// <param name="index">Zero-based image index, less than <see cref="Count"/>.</param>
    public ReadOnlySpan<float> Image(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return Pixels.AsSpan(index * PixelsPerImage, PixelsPerImage);
    }
}
