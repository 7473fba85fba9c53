using SkiaSharp;

namespace Microsoft.ML.Autoencoders.Cli.Data;

/// <summary>
/// Reads a folder of images (PNG, JPEG, BMP, GIF, WebP) as rows of pixels in [0, 1]: grayscale by default, or RGB stored
/// channels first ([3, height, width]) for colour. Every image is resized to the given size, or must share the first
/// one's. Images in subfolders take the subfolder's name as their label (the usual class-per-folder layout).
/// </summary>
internal static class ImageFolderReader
{
    private static readonly string[] Extensions = [".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp"];

    public static DataSet Read(string folder, bool colour, (int Width, int Height)? size)
    {
        string[] files = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Where(f => Extensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
            .Order(StringComparer.Ordinal).ToArray();
        if (files.Length == 0) throw new InvalidDataException($"'{folder}' holds no images ({string.Join(", ", Extensions)}).");

        int channels = colour ? 3 : 1;
        int width = 0, height = 0;
        float[]? features = null;
        var labels = new string[files.Length];
        for (int i = 0; i < files.Length; i++)
        {
            using var decoded = SKBitmap.Decode(files[i]) ?? throw new InvalidDataException($"'{files[i]}' is not an image SkiaSharp can read.");
            if (features == null)
            {
                (width, height) = size ?? (decoded.Width, decoded.Height);
                features = new float[files.Length * channels * width * height];
            }
            using var image = decoded.Width == width && decoded.Height == height ? decoded.Copy()
                : size != null ? decoded.Resize(new SKImageInfo(width, height), new SKSamplingOptions(SKFilterMode.Linear))
                : throw new InvalidDataException($"'{files[i]}' is {decoded.Width}×{decoded.Height} but the first image is {width}×{height}: give --image-size to resize them all.");
            Paint(image, features.AsSpan(i * channels * width * height, channels * width * height), colour);
            string? parent = Path.GetRelativePath(folder, Path.GetDirectoryName(files[i])!);
            labels[i] = parent == "." ? "" : parent;
        }
        var names = Enumerable.Range(0, channels * width * height).Select(p => $"pixel{p}").ToArray();
        bool labelled = labels.Any(l => l.Length > 0);
        return new DataSet(features!, files.Length, names.Length, names, labelled ? labels : null, [channels, height, width]);
    }

    private static void Paint(SKBitmap image, Span<float> row, bool colour)
    {
        int width = image.Width, height = image.Height, plane = width * height;
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                SKColor c = image.GetPixel(x, y);
                int p = y * width + x;
                if (colour)
                {
                    row[p] = c.Red / 255f;
                    row[plane + p] = c.Green / 255f;
                    row[2 * plane + p] = c.Blue / 255f;
                }
                else
                {
                    // Rec. 601 luma, the usual grayscale.
                    row[p] = (0.299f * c.Red + 0.587f * c.Green + 0.114f * c.Blue) / 255f;
                }
            }
    }
}
